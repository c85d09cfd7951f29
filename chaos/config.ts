// What a chaos run does and how big it is: the full size (`npm run chaos`),
// the quick one (`--quick`), each figure overridable by a flag or CHAOS_*
// variable. Read once by chaos/main.ts; the test passes its own.
import { parseArgs } from 'node:util';

export interface ChaosConfig {
  seed: number;
  /** Procore users and projects at the connect */
  users: number;
  projects: number;
  /** forms completed in Corfix once the integration is active, and edits of them after */
  forms: number;
  edits: number;
  /** the disruptions, all within the window that opens at the connect */
  kills: number;
  temporalRestarts: number;
  postgresRestarts: number;
  windowMs: number;
  /** the longest a restarted server stays down */
  maxDownMs: number;
  /** the share of API requests (both simulators) that meet a fault: 5xx, 429, dropped connection or stall, a quarter each */
  faultRate: number;
  stallMs: number;
  /** one Procore change every this often while the window is open */
  changeEveryMs: number;
  /** latency of every simulator call */
  latencyMs: number;
  /** how long the settling may take (resync, forms filed) before the checks run anyway */
  settleTimeoutMs: number;
  /** where the run's service logs go */
  logDir: string;
}

export const FULL_SIZE = {
  users: 5_000,
  projects: 500,
  forms: 300,
  edits: 100,
  kills: 20,
  temporalRestarts: 2,
  postgresRestarts: 1,
  windowMs: 8 * 60_000,
  changeEveryMs: 1_500,
} as const;

export const QUICK_SIZE = {
  users: 300,
  projects: 30,
  forms: 20,
  edits: 8,
  kills: 3,
  temporalRestarts: 1,
  postgresRestarts: 1,
  windowMs: 75_000,
  changeEveryMs: 1_000,
} as const;

const FLAGS = {
  seed: 'CHAOS_SEED',
  users: 'CHAOS_USERS',
  projects: 'CHAOS_PROJECTS',
  forms: 'CHAOS_FORMS',
  edits: 'CHAOS_EDITS',
  kills: 'CHAOS_KILLS',
  'temporal-restarts': 'CHAOS_TEMPORAL_RESTARTS',
  'postgres-restarts': 'CHAOS_POSTGRES_RESTARTS',
  'window-seconds': 'CHAOS_WINDOW_SECONDS',
} as const;

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n)) throw new Error(`--${name} wants a whole number from 0, not "${raw}"`);
  return n;
}

/**
 * `--seed N` (default: the time), `--quick`, and the sizes as flags
 * (`--users 1000`) or variables (`CHAOS_USERS=1000`); a flag wins.
 */
export function chaosConfig(argv: string[], env: NodeJS.ProcessEnv, logDirOf: (seed: number) => string): ChaosConfig {
  const options: Record<string, { type: 'string' | 'boolean' }> = { quick: { type: 'boolean' } };
  for (const flag of Object.keys(FLAGS)) options[flag] = { type: 'string' };
  const values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  const given = (flag: keyof typeof FLAGS): number | undefined => {
    const raw = (values[flag] as string | undefined) ?? env[FLAGS[flag]];
    return raw === undefined || raw === '' ? undefined : wholeNumber(flag, raw);
  };
  const size = values['quick'] === true ? QUICK_SIZE : FULL_SIZE;
  const windowSeconds = given('window-seconds');
  const seed = given('seed') ?? Date.now() % 1_000_000;
  return {
    seed,
    users: given('users') ?? size.users,
    projects: given('projects') ?? size.projects,
    forms: given('forms') ?? size.forms,
    edits: given('edits') ?? size.edits,
    kills: given('kills') ?? size.kills,
    temporalRestarts: given('temporal-restarts') ?? size.temporalRestarts,
    postgresRestarts: given('postgres-restarts') ?? size.postgresRestarts,
    windowMs: windowSeconds !== undefined ? windowSeconds * 1000 : size.windowMs,
    maxDownMs: 4_000,
    faultRate: 0.1,
    stallMs: 2_000,
    changeEveryMs: size.changeEveryMs,
    latencyMs: 10,
    settleTimeoutMs: 6 * 60_000,
    logDir: logDirOf(seed),
  };
}
