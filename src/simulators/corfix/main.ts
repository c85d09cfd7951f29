// `npm run sim:corfix`: the Corfix simulator as a process, configured from the
// environment (see README.md beside this file). Every setting has a local
// default so that a dev machine runs it with none set.
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { startCorfixSimulator } from './server.js';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(4020),
  HOST: z.string().min(1).default('127.0.0.1'),
  CORFIX_SIM_SEED: z.coerce.number().int().default(1),
  CORFIX_API_TOKEN: z.string().min(1).default('corfix-dev-token'),
  CORFIX_WEBHOOK_SECRET: z.string().min(1).default('corfix-dev-webhook-secret'),
  /** comma-separated `id` or `id=Name`: the accounts that exist and that the token may use */
  CORFIX_SIM_ACCOUNTS: z
    .string()
    .min(1)
    .default('acc_demo=Demo Construction')
    .transform((value, ctx) => {
      const accounts = value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '')
        .map((entry) => {
          const [id = '', ...name] = entry.split('=');
          return { id: id.trim(), name: name.join('=').trim() || id.trim() };
        });
      if (accounts.length === 0 || accounts.some((a) => a.id === '')) {
        ctx.addIssue({ code: 'custom', message: 'must list account ids, e.g. "acc_demo=Demo Construction,acc_two"' });
        return z.NEVER;
      }
      return accounts;
    }),
  /** where form events go for every account above, e.g. the API's /webhooks/corfix */
  CORFIX_SIM_WEBHOOK_URL: z.url().optional(),
});

export type SimulatorSettings = z.output<typeof envSchema>;

/** The settings from the environment, or an error naming every bad variable. */
export function readSimulatorSettings(env: NodeJS.ProcessEnv): SimulatorSettings {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Corfix simulator settings are invalid: ${problems}`);
  }
  return parsed.data;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = readSimulatorSettings(env);
  const sim = await startCorfixSimulator({
    port: config.PORT,
    host: config.HOST,
    seed: config.CORFIX_SIM_SEED,
    tokens: { [config.CORFIX_API_TOKEN]: config.CORFIX_SIM_ACCOUNTS.map((a) => a.id) },
    webhookSecret: config.CORFIX_WEBHOOK_SECRET,
    accounts: config.CORFIX_SIM_ACCOUNTS,
    logger: { level: 'info' },
  });
  if (config.CORFIX_SIM_WEBHOOK_URL) {
    for (const account of config.CORFIX_SIM_ACCOUNTS) sim.state.webhookUrls.set(account.id, config.CORFIX_SIM_WEBHOOK_URL);
  }
  sim.app.log.info(
    { url: sim.url, accounts: config.CORFIX_SIM_ACCOUNTS.map((a) => a.id), webhook_url: config.CORFIX_SIM_WEBHOOK_URL ?? null },
    'Corfix simulator listening',
  );

  const shutdown = (signal: string) => {
    sim.app.log.info({ signal }, 'Corfix simulator stopping');
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
