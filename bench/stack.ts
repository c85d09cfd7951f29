// The local stack the benches run on: a Temporal dev server, Postgres
// (embedded unless DATABASE_URL), a fresh database migrated to the latest,
// the two API simulators in a process of their own (bench/simulators-process.ts)
// with the same latency on every call, and the service's own processes
// (dist/bin/*.js, so `npm run build` first). The bench reaches the simulators
// through their admin APIs only, so that no simulator work runs on the
// bench's event loop (where the plain loop runs). Nothing here measures anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrateToLatest, openDatabase, type Database } from '../src/db/database.js';
import { ensureDatabase, databaseUrlOn, dropDatabase, embeddedPostgresRoot, startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { repoRoot } from '../src/dev/temporal-cli.js';
import { startTemporalDevServer, type TemporalDevServer } from '../src/dev/temporal-server.js';
import type { LoggedRequest, RouteCount } from '../src/simulators/common/faults.js';
import { ADMIN_BULK_LIMIT } from '../src/simulators/procore/admin-routes.js';
import type { RateWindow, WindowPeaks } from '../src/simulators/procore/rate-limits.js';
import type { ProcoreSimulatorOptions } from '../src/simulators/procore/server.js';

export const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 50);

const CORFIX_TOKEN = 'bench-token';
const CORFIX_WEBHOOK_SECRET = 'bench-secret';
/** generous enough that no bench but the shared-budget one meets Procore's limits */
const PROCORE_RATE_LIMITS = { hourly: { limit: 100_000, window_seconds: 3600 }, spike: { limit: 1_000, window_seconds: 10 } };

/** What bench/simulators-process.ts is started with (one JSON argument). */
export interface SimulatorsSettings {
  seed: number;
  latencyMs: number;
  procore: Pick<ProcoreSimulatorOptions, 'maxPerPage' | 'webhooks'> & { rateLimits: { hourly: RateWindow; spike: RateWindow } };
  corfix: { token: string; webhookSecret: string; accounts: Array<{ id: string; name: string }> };
}

/** What bench/simulators-process.ts tells its parent once both simulators listen. */
export interface SimulatorsReady {
  procore: { url: string; clientId: string; clientSecret: string };
  corfix: { url: string };
}

/** The command line every bench takes: `--workers N`, the worker processes on the task queue (default 1). */
export interface BenchArgs {
  workers: number;
  /** false when --workers was not on the command line */
  workersGiven: boolean;
}

export function benchArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  const { values } = parseArgs({ args: argv, options: { workers: { type: 'string' } }, strict: true, allowPositionals: false });
  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isSafeInteger(workers) || workers < 1) throw new Error(`--workers wants a whole number from 1, not ${values.workers}`);
  return { workers, workersGiven: values.workers !== undefined };
}

/** One simulator's admin API (/__admin), and the request accounting all simulators share. */
export class SimulatorAdmin {
  constructor(readonly url: string) {}

  async call<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/__admin${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} /__admin${route} answered ${response.status}: ${text.slice(0, 500)}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  get<T>(route: string): Promise<T> {
    return this.call<T>('GET', route);
  }

  post<T>(route: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', route, body);
  }

  put<T>(route: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', route, body);
  }

  patch<T>(route: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', route, body);
  }

  /** Requests counted per route since the last reset. */
  async requestCounts(): Promise<Record<string, RouteCount>> {
    return (await this.get<{ routes: Record<string, RouteCount> }>('/requests')).routes;
  }

  /** Starts the counts (and the request log) afresh. */
  async resetCounts(): Promise<void> {
    await this.call('DELETE', '/requests');
  }

  /** The requests that arrived at or after `sinceMs` (epoch ms), oldest first. */
  async requestLog(sinceMs = 0): Promise<LoggedRequest[]> {
    return (await this.get<{ requests: LoggedRequest[] }>(`/requests/log?since=${sinceMs}`)).requests;
  }
}

export class ProcoreAdmin extends SimulatorAdmin {
  constructor(
    url: string,
    readonly clientId: string,
    readonly clientSecret: string,
  ) {
    super(url);
  }

  /** Rate-limit settings, and each company's busiest window of each kind since they were set. */
  rateLimits(): Promise<{ hourly: RateWindow; spike: RateWindow; peaks: Record<string, WindowPeaks> }> {
    return this.get('/rate-limits');
  }
}

export interface BenchStackOptions {
  /**
   * The embedded Postgres' data folder under the package's root, and its
   * port. `restartable`: always embedded (DATABASE_URL is not used: a server
   * someone else runs cannot be restarted), its data kept across
   * restartPostgres() and removed by stop().
   */
  postgres: { dir: string; port: number; restartable?: boolean };
  /**
   * A Temporal dev server that keeps its workflows in a SQLite file on a
   * fixed port, so that restartTemporal() brings back the same server at the
   * same address (the file is removed first, and kept after stop() for a look
   * at the histories); absent: in memory, any port, not restartable.
   */
  temporal?: { port: number; dbFilename: string };
  /** Corfix accounts, all reachable with the token `bench-token` */
  corfixAccounts: Array<{ id: string; name: string }>;
  /** more Procore simulator options (page sizes, webhook settings, a tighter spike window) */
  procore?: Pick<ProcoreSimulatorOptions, 'maxPerPage' | 'webhooks'> & { spike?: RateWindow };
  /** the simulators' seed (faults, generated data, webhook ids); default 3 */
  seed?: number;
  /** latency of every call to either simulator; default BENCH_LATENCY_MS */
  latencyMs?: number;
}

export interface BenchStack {
  /** the Temporal dev server as it runs now (another object after restartTemporal(), at the same address) */
  readonly temporal: TemporalDevServer;
  db: Database;
  databaseUrl: string;
  procore: ProcoreAdmin;
  corfix: SimulatorAdmin;
  /** the simulators' process (its CPU time is theirs alone) */
  simulatorsPid: number;
  /** what every service process is given: the database, Temporal, both APIs */
  env: StackEnv;
  /** stops the Temporal dev server, waits `downMs`, starts it again on its port and file (options.temporal only) */
  restartTemporal(downMs: number): Promise<void>;
  /** stops Postgres (fast shutdown: sessions are ended), waits `downMs`, starts it again on its port and data (postgres.restartable only) */
  restartPostgres(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export type StackEnv = {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TASK_QUEUE: string;
  PROCORE_API_BASE_URL: string;
  PROCORE_AUTH_BASE_URL: string;
  PROCORE_CLIENT_ID: string;
  PROCORE_CLIENT_SECRET: string;
  CORFIX_API_BASE_URL: string;
  CORFIX_API_TOKEN: string;
  CORFIX_WEBHOOK_SECRET: string;
  LOG_LEVEL: 'warn';
};

/** Starts bench/simulators-process.ts and waits for both simulators to listen. */
async function startSimulators(settings: SimulatorsSettings): Promise<{ child: ChildProcess; ready: SimulatorsReady }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 'simulators-process.ts'), JSON.stringify(settings)], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<SimulatorsReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as SimulatorsReady));
    child.once('exit', (code, signal) => reject(new Error(`the simulators' process ended before it was ready (${signal ?? `exit ${code}`})`)));
    child.once('error', reject);
  });
  return { child, ready };
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const temporalOptions = options.temporal;
  if (temporalOptions) await rm(temporalOptions.dbFilename, { force: true });
  const startTemporal = () =>
    startTemporalDevServer(temporalOptions ? { port: temporalOptions.port, dbFilename: temporalOptions.dbFilename } : {});
  let temporal = await startTemporal();
  const restartable = options.postgres.restartable === true;
  const pgDataDir = path.join(await embeddedPostgresRoot(), options.postgres.dir);
  if (restartable) await rm(pgDataDir, { recursive: true, force: true });
  const startPostgres = () => startEmbeddedPostgres({ dataDir: pgDataDir, port: options.postgres.port, persistent: restartable });
  let pg = process.env['DATABASE_URL'] && !restartable ? undefined : await startPostgres();
  const server = pg?.adminUrl ?? databaseUrlOn(process.env['DATABASE_URL'] as string, 'postgres');
  const dbName = `bench_${Date.now()}`;
  await ensureDatabase(server, dbName);
  const databaseUrl = databaseUrlOn(server, dbName);
  const db = openDatabase(databaseUrl);
  await migrateToLatest(db);

  const { spike, ...procoreOptions } = options.procore ?? {};
  const simulators = await startSimulators({
    seed: options.seed ?? 3,
    latencyMs: options.latencyMs ?? LATENCY_MS,
    procore: { ...procoreOptions, rateLimits: { ...PROCORE_RATE_LIMITS, ...(spike ? { spike } : {}) } },
    corfix: { token: CORFIX_TOKEN, webhookSecret: CORFIX_WEBHOOK_SECRET, accounts: options.corfixAccounts },
  });
  const procore = new ProcoreAdmin(simulators.ready.procore.url, simulators.ready.procore.clientId, simulators.ready.procore.clientSecret);
  const corfix = new SimulatorAdmin(simulators.ready.corfix.url);
  const env: StackEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    PROCORE_API_BASE_URL: procore.url,
    PROCORE_AUTH_BASE_URL: procore.url,
    PROCORE_CLIENT_ID: procore.clientId,
    PROCORE_CLIENT_SECRET: procore.clientSecret,
    CORFIX_API_BASE_URL: corfix.url,
    CORFIX_API_TOKEN: CORFIX_TOKEN,
    CORFIX_WEBHOOK_SECRET,
    LOG_LEVEL: 'warn',
  };

  return {
    get temporal() {
      return temporal;
    },
    db,
    databaseUrl,
    procore,
    corfix,
    simulatorsPid: simulators.child.pid as number,
    env,
    restartTemporal: async (downMs) => {
      if (!temporalOptions) throw new Error('this stack\'s Temporal dev server keeps its workflows in memory: it cannot be restarted');
      await temporal.stop();
      await sleep(downMs);
      temporal = await startTemporal();
    },
    restartPostgres: async (downMs) => {
      if (!restartable || !pg) throw new Error('this stack\'s Postgres is not restartable (postgres.restartable)');
      await pg.stop();
      await sleep(downMs);
      pg = await startPostgres();
    },
    stop: async () => {
      await db.destroy();
      if (!restartable) await dropDatabase(server, dbName);
      await stopProcess(simulators.child);
      await temporal.stop();
      await pg?.stop();
      if (restartable) await rm(pgDataDir, { recursive: true, force: true });
    },
  };
}

export interface SeedShape {
  projects: number;
  users: number;
  /** the first this many users are inactive */
  inactiveUsers: number;
  /** set every record's created_at and updated_at this far back (a company nobody changed lately); default: as seeded, now */
  lastChangedMsAgo?: number;
}

/** A calendar date `offset` days from today (YYYY-MM-DD). */
export const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Adds `items` through `route` in as few calls as the admin API allows. */
async function addInBulk(procore: ProcoreAdmin, route: string, key: 'projects' | 'users', items: unknown[]): Promise<number[]> {
  const ids: number[] = [];
  for (let from = 0; from < items.length; from += ADMIN_BULK_LIMIT) {
    const added = await procore.post<{ ids: number[] }>(route, { [key]: items.slice(from, from + ADMIN_BULK_LIMIT) });
    ids.push(...added.ids);
  }
  return ids;
}

/** A company in the Procore simulator: a new company, returning its id. */
export async function addCompany(procore: ProcoreAdmin, name: string): Promise<number> {
  const { companies } = await procore.post<{ companies: Array<{ id: number }> }>('/companies', { companies: [{ name }] });
  return (companies[0] as { id: number }).id;
}

/** Projects added to a Procore company, in order; their ids. */
export function addProjects(procore: ProcoreAdmin, companyId: number, projects: Array<Record<string, unknown>>): Promise<number[]> {
  return addInBulk(procore, `/companies/${companyId}/projects`, 'projects', projects);
}

/** Users added to a Procore company's directory, in order; their ids. */
export function addUsers(procore: ProcoreAdmin, companyId: number, users: Array<Record<string, unknown>>): Promise<number[]> {
  return addInBulk(procore, `/companies/${companyId}/users`, 'users', users);
}

/** The email of seedCompany's user `i` of company `companyName`: at a domain made of the name's letters and digits, none for every 50th. */
export const seededEmail = (companyName: string, i: number) => (i % 50 === 0 ? null : `worker${i}@${companyName.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example`);

/** A company of `shape` in the Procore simulator: projects of every status, users with and without email (at a domain made of the name's letters and digits). */
export async function seedCompany(procore: ProcoreAdmin, name: string, shape: SeedShape): Promise<number> {
  const companyId = await addCompany(procore, name);
  await addProjects(
    procore,
    companyId,
    Array.from({ length: shape.projects }, (_, i) => ({
      name: `Site ${i}`,
      project_number: `S-${i}`,
      active: i % 5 !== 0,
      start_date: i % 10 === 0 ? day(30) : day(-30),
      template: i % 97 === 0,
    })),
  );
  await addUsers(
    procore,
    companyId,
    Array.from({ length: shape.users }, (_, i) => ({
      first_name: `Worker${i}`,
      last_name: 'Bench',
      email_address: seededEmail(name, i),
      mobile_phone: `+64 21 ${i}`,
      business_phone: null,
      employee_id: `B${i}`,
      is_employee: true,
      is_active: i >= shape.inactiveUsers,
      job_title: null,
    })),
  );
  if (shape.lastChangedMsAgo !== undefined) {
    // The simulator stamps records with its clock; the seed moves them back (the directory's service account too).
    await procore.post(`/companies/${companyId}/backdate`, { at: new Date(Date.now() - shape.lastChangedMsAgo).toISOString() });
  }
  return companyId;
}

/** A service entry point (dist/bin/<name>.js) as its own process; its stderr shows, or goes to the file descriptor `logFd` (its stdout too). */
export function spawnService(name: 'worker' | 'api' | 'start', env: Record<string, string>, logFd?: number): ChildProcess {
  return spawn(process.execPath, [`dist/bin/${name}.js`], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: logFd === undefined ? ['ignore', 'ignore', 'inherit'] : ['ignore', logFd, logFd],
  });
}

/** `count` workers (dist/bin/worker.js), each its own process, all on the task queue of `env`. */
export function spawnWorkers(count: number, env: Record<string, string>): ChildProcess[] {
  return Array.from({ length: count }, () => spawnService('worker', env));
}

/** Sends SIGTERM to each and waits for all of them to end. */
export async function stopProcesses(children: ChildProcess[]): Promise<void> {
  await Promise.all(children.map(stopProcess));
}

/** Sends SIGTERM and waits for the process to end. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** A port nobody listens on now, on loopback. */
export { freePort } from '../src/dev/ports.js';

/**
 * A port nobody listens on now, below Linux's ephemeral range (32768 and up),
 * for a server that is stopped and started again on the same port: while it
 * is down, no outgoing connection or port-0 listener can be given its port.
 */
export async function fixedPort(): Promise<number> {
  for (let tries = 0; tries < 100; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      server.close();
      await once(server, 'close');
      return port;
    }
  }
  throw new Error('no free port found between 20000 and 32000');
}

export const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A Temporal timestamp ({ seconds: Long, nanos }) as epoch ms. */
export function msOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  const s = ts?.seconds;
  const secs = typeof s === 'number' ? s : s && typeof s === 'object' && 'toNumber' in s ? (s as { toNumber(): number }).toNumber() : NaN;
  return secs * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);
}
/** nearest rank */
export const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
/** "p50 …, p95 …, max …" of latencies in ms */
export const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? 'n/a'
    : `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p95 ${percentile(sorted, 0.95).toFixed(0)} ms, max ${(sorted.at(-1) as number).toFixed(0)} ms`;
};

/** The machine's 1-minute load average: a figure taken on a busy machine says so. */
export const loadLine = (before: number) =>
  `load average (1 min, ${availableParallelism()} cores): ${before.toFixed(1)} at the start, ${(loadavg()[0] as number).toFixed(1)} at the end`;
export const loadNow = () => loadavg()[0] as number;

/** Asks `probe` every `everyMs` until it answers something, for `timeoutMs` at most. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs: number, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${seconds(timeoutMs)}`);
    await sleep(everyMs);
  }
}

/** The workers' peak RSS (VmHWM): the largest, and each worker's when there are several. */
export async function peakRssLine(workers: ChildProcess[]): Promise<string> {
  const peaks = await Promise.all(workers.map((w) => peakRssOf(w.pid as number)));
  const largest = mib(Math.max(0, ...peaks));
  return peaks.length === 1 ? largest : `${largest} (per worker: ${peaks.map(mib).join(', ')})`;
}

export async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** CPU time (user + system) a process has used so far, in ms; 0 when it cannot be read. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (clock ticks, 100 per second on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/** The pid of the Temporal dev server listening on `address` (its command line names the port), if it is found. */
export async function temporalServerPid(address: string): Promise<number | undefined> {
  const port = address.split(':').at(-1);
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(entry);
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
