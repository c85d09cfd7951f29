// `npm run dev`: the whole stack on one machine with no credentials: a
// Temporal dev server (Web UI on :8233), Postgres (embedded unless
// DATABASE_URL is set), the Procore and Corfix simulators, and the service
// (migrations, worker, API) pointed at them. Ctrl-C stops all of it.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { serviceConfigSchema, readConfig, ConfigError } from '../config.js';
import { startService, type RunningService } from '../service.js';
import { createLogger } from '../logger.js';
import { ensureDatabase, databaseUrlOn, embeddedPostgresRoot, startEmbeddedPostgres } from './embedded-postgres.js';
import { repoRoot } from './temporal-cli.js';
import { startTemporalDevServer } from './temporal-server.js';
import { DEV_CORFIX_ACCOUNT, startDevSimulators, devSimulatorEnv } from './simulators.js';
import { installSdkLogger } from '../temporal/runtime-logger.js';

const log = createLogger(process.env['LOG_LEVEL'] ?? 'info', 'dev', process.env['LOG_FORMAT'] === 'json' ? 'json' : 'pretty');
const dataDir = path.join(repoRoot, '.data', 'dev');
const stops: Array<{ name: string; stop: () => Promise<unknown> }> = [];
let stopping = false;

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    for (const { name, stop } of stops.reverse()) {
      await stop().catch((error: unknown) => log.error({ err: error }, `could not stop ${name}`));
    }
  }
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

try {
  installSdkLogger(log);
  await mkdir(dataDir, { recursive: true });

  let temporalAddress = process.env['TEMPORAL_ADDRESS'];
  if (!temporalAddress) {
    const temporal = await startTemporalDevServer({
      port: 7233,
      uiPort: 8233,
      dbFilename: path.join(dataDir, 'temporal.sqlite'),
    }).catch((error: unknown) => {
      throw new Error(
        `${error instanceof Error ? error.message : String(error)}\n(Is another dev stack already running on ports 7233/8233?)`,
      );
    });
    stops.push({ name: 'Temporal dev server', stop: () => temporal.stop() });
    temporalAddress = temporal.address;
    log.info({ cli: temporal.cli }, `Temporal at ${temporal.address}, Web UI at http://127.0.0.1:8233`);
  }

  let databaseUrl = process.env['DATABASE_URL'];
  if (!databaseUrl) {
    const postgresDir = path.join(await embeddedPostgresRoot(), 'dev');
    const postgres = await startEmbeddedPostgres({
      dataDir: postgresDir,
      port: Number(process.env['DEV_POSTGRES_PORT'] ?? 54329),
      persistent: true,
    });
    stops.push({ name: 'embedded Postgres', stop: () => postgres.stop() });
    await ensureDatabase(postgres.adminUrl, 'corfix_integration');
    databaseUrl = postgres.urlFor('corfix_integration');
    log.info(`embedded Postgres on 127.0.0.1:${postgres.port} (data in ${postgresDir})`);
  } else {
    await ensureDatabase(databaseUrlOn(databaseUrl, 'postgres'), new URL(databaseUrl).pathname.slice(1));
  }

  const simulators = await startDevSimulators();
  stops.push({ name: 'simulators', stop: () => simulators.stop() });
  log.info(`Procore simulator at ${simulators.procore.url}, Corfix simulator at ${simulators.corfix.url}`);

  // Local defaults for everything the service needs; anything set in the
  // environment wins, so dev can also point at a real Procore sandbox.
  const env = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_WEB_UI_URL: 'http://127.0.0.1:8233',
    LOG_FORMAT: 'pretty',
    API_PORT: '3000',
    API_HOST: '127.0.0.1',
    API_TOKEN: 'dev-api-token-change-me',
    // The README's quick start connects with POST /v1/integrations directly;
    // set it to true (with the sign-in variables) to try the Procore sign-in.
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
    // Serves POST /webhooks/procore (a hook registered on the simulator sends it back as `Bearer <this>`),
    // and registers that hook at connect: the simulator delivers its changes to this API.
    PROCORE_WEBHOOK_SECRET: 'procore-dev-webhook-secret',
    PUBLIC_URL: `http://127.0.0.1:${process.env['API_PORT'] ?? '3000'}`,
    // A change made in the simulator without a webhook shows within a minute.
    SYNC_POLL_INTERVAL: '1m',
    ...devSimulatorEnv(simulators),
    ...process.env,
  };
  const config = readConfig(serviceConfigSchema, env);
  // The demo account's completed forms come to this API, as Corfix's admin setting would send them.
  simulators.corfix.state.webhookUrls.set(DEV_CORFIX_ACCOUNT, `${env.PUBLIC_URL}/webhooks/corfix`);
  const service: RunningService = await startService(config, { api: true, worker: true, prepare: true });
  stops.push({ name: 'service', stop: () => service.stop() });
  void service.failure.then((error) => {
    log.fatal({ err: error }, 'a part of the service stopped by itself; stopping everything');
    void stopAll(1);
  });
  log.info(
    `ready: API ${service.apiUrl} (GET /health; bearer token ${config.API_TOKEN.includes('dev-api-token-change-me') ? 'dev-api-token-change-me' : 'from API_TOKEN'}), ` +
      `worker polling task queue "${config.TEMPORAL_TASK_QUEUE}". Ctrl-C stops everything.`,
  );
} catch (error) {
  log.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
  await stopAll(1);
}
