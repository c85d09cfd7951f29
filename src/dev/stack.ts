// The whole stack on one machine with no credentials, as `npm run dev` and
// `npm run demo` start it: a Temporal dev server (with its Web UI), Postgres
// (embedded unless DATABASE_URL is set), the Procore and Corfix simulators,
// and the service (migrations, worker, API) pointed at them.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { readConfig, serviceConfigSchema, type ServiceConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { startService, type RunningService } from '../service.js';
import { installSdkLogger } from '../temporal/runtime-logger.js';
import { databaseUrlOn, dropDatabase, ensureDatabase, embeddedPostgresRoot, startEmbeddedPostgres } from './embedded-postgres.js';
import { DEV_CORFIX_ACCOUNT, devSimulatorEnv, startDevSimulators, type DevSimulatorOptions, type DevSimulators } from './simulators.js';
import { startTemporalDevServer } from './temporal-server.js';

export const DEV_API_TOKEN = 'dev-api-token-change-me';

export interface DevStackOptions {
  /** the stack's own lines (where each part listens) */
  log: Logger;
  /** the service's logger, also given the Temporal SDK's lines (default: the service's own on stdout, and `log`) */
  serviceLogger?: Logger;
  /** the Temporal dev server, unless TEMPORAL_ADDRESS names one */
  temporal: {
    port: number;
    uiPort: number;
    /** SQLite file that keeps workflows across restarts; in memory when absent */
    dbFilename?: string;
  };
  postgres: {
    /** the embedded server's folder under embeddedPostgresRoot(), and its port */
    folder: string;
    port: number;
    /** the database on the embedded server */
    database: string;
    /**
     * Made afresh (dropped and created) at each start, named `database` on
     * the embedded server, or `<DATABASE_URL's database>_<freshSuffix>` on
     * DATABASE_URL's server (DATABASE_URL's own database is never touched).
     * Without it the database is kept across runs (DATABASE_URL's as it is).
     */
    freshSuffix?: string;
  };
  simulators: DevSimulatorOptions;
  /** the caller's defaults; the environment still wins */
  env?: Record<string, string>;
  /** aborts a start under way: what started is stopped, and the start rejects */
  signal?: AbortSignal;
}

export interface DevStack {
  temporal: { address: string; namespace: string; webUiUrl: string | undefined; description: string };
  postgres: { url: string; description: string };
  simulators: DevSimulators;
  config: ServiceConfig;
  service: RunningService;
  /** the API's base URL, e.g. http://127.0.0.1:3000 */
  apiUrl: string;
  /** stops everything, in the reverse order of the start */
  stop(): Promise<void>;
}

/**
 * A dev stack's life in a process: started once, stopped once, whatever ends
 * it (Ctrl-C, SIGTERM, a part that stopped by itself, the end of the demo),
 * also while it is still starting. What `npm run dev` and the demo share.
 */
export class DevStackLifetime {
  readonly #aborted = new AbortController();
  #starting: Promise<DevStack> | undefined;
  #stopping = false;

  /** `onSignal` runs first on Ctrl-C or SIGTERM (the demo says it is stopping). */
  constructor(onSignal: () => void = () => undefined) {
    const stopOnSignal = () => {
      if (!this.#stopping) onSignal();
      void this.stopAll(0);
    };
    process.once('SIGINT', stopOnSignal);
    process.once('SIGTERM', stopOnSignal);
  }

  /** true once stopAll began: nothing more should be reported */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** true once start() was called */
  get started(): boolean {
    return this.#starting !== undefined;
  }

  start(options: Omit<DevStackOptions, 'signal'>): Promise<DevStack> {
    this.#starting = startDevStack({ ...options, signal: this.#aborted.signal });
    return this.#starting;
  }

  /** Stops what started (a start under way gives up first), then ends the process with `code`. */
  async stopAll(code: number): Promise<never> {
    if (!this.#stopping) {
      this.#stopping = true;
      this.#aborted.abort();
      const stack = await this.#starting?.catch(() => undefined);
      await stack?.stop();
    }
    process.exit(code);
  }
}

export async function startDevStack(options: DevStackOptions): Promise<DevStack> {
  const { log } = options;
  const stops: Array<{ name: string; stop: () => Promise<unknown> }> = [];
  const stop = async () => {
    for (const { name, stop: stopPart } of stops.splice(0).reverse()) {
      await stopPart().catch((error: unknown) => log.error({ err: error }, `could not stop ${name}`));
    }
  };
  const started = async () => {
    if (options.signal?.aborted) throw new Error('stopped while starting');
  };
  try {
    // Before anything of the SDK runs (the dev server starts through it): its lines go where the service's go.
    installSdkLogger(options.serviceLogger ?? log);

    let temporalAddress = process.env['TEMPORAL_ADDRESS'];
    let webUiUrl = process.env['TEMPORAL_WEB_UI_URL'];
    let temporalDescription = `Temporal at ${temporalAddress ?? ''} (TEMPORAL_ADDRESS)`;
    if (!temporalAddress) {
      const { port, uiPort, dbFilename } = options.temporal;
      if (dbFilename) await mkdir(path.dirname(dbFilename), { recursive: true });
      const temporal = await startTemporalDevServer({ port, uiPort, ...(dbFilename ? { dbFilename } : {}) }).catch((error: unknown) => {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\n(Is another dev stack already running on ports ${port}/${uiPort}?)`,
        );
      });
      stops.push({ name: 'Temporal dev server', stop: () => temporal.stop() });
      temporalAddress = temporal.address;
      webUiUrl ??= `http://127.0.0.1:${uiPort}`;
      temporalDescription = `Temporal dev server at ${temporal.address}, Web UI at ${webUiUrl} (${temporal.cli})`;
    }
    log.info(temporalDescription);
    await started();

    const { url: databaseUrl, description: postgresDescription } = await preparePostgres(options, stops);
    log.info(postgresDescription);
    await started();

    const simulators = await startDevSimulators(options.simulators);
    stops.push({ name: 'simulators', stop: () => simulators.stop() });
    log.info(`Procore simulator at ${simulators.procore.url}, Corfix simulator at ${simulators.corfix.url}`);
    await started();

    // Local defaults for everything the service needs; anything set in the
    // environment wins, so dev can also point at a real Procore sandbox.
    const env = {
      TEMPORAL_WEB_UI_URL: webUiUrl,
      // Lines a person reads on the terminal; LOG_FORMAT=json in the environment gives production's JSON lines.
      LOG_FORMAT: 'pretty',
      // GET /metrics, for a scrape sending it as its bearer token.
      METRICS_TOKEN: 'dev-metrics-token-change-me',
      API_PORT: '3000',
      API_HOST: '127.0.0.1',
      API_TOKEN: DEV_API_TOKEN,
      // The README's quick start connects with POST /v1/integrations directly;
      // set it to true (with the sign-in variables) to try the Procore sign-in.
      CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
      // Serves POST /webhooks/procore (a hook registered on the simulator sends it back as `Bearer <this>`),
      // and registers that hook at connect: the simulator delivers its changes to this API.
      PROCORE_WEBHOOK_SECRET: 'procore-dev-webhook-secret',
      PUBLIC_URL: `http://127.0.0.1:${process.env['API_PORT'] ?? options.env?.['API_PORT'] ?? '3000'}`,
      // A change made in the simulator without a webhook shows within a minute.
      SYNC_POLL_INTERVAL: '1m',
      ...devSimulatorEnv(simulators),
      ...options.env,
      ...process.env,
      // What this stack started (or was pointed at) above.
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
    };
    const config = readConfig(serviceConfigSchema, env);
    // The demo account's completed forms come to this API, as Corfix's admin setting would send them.
    simulators.corfix.state.webhookUrls.set(DEV_CORFIX_ACCOUNT, `${env.PUBLIC_URL}/webhooks/corfix`);
    const service = await startService(
      config,
      { api: true, worker: true, prepare: true },
      options.serviceLogger ? { logger: options.serviceLogger } : {},
    );
    stops.push({ name: 'service', stop: () => service.stop() });
    await started();

    return {
      temporal: { address: temporalAddress, namespace: config.TEMPORAL_NAMESPACE, webUiUrl: config.TEMPORAL_WEB_UI_URL, description: temporalDescription },
      postgres: { url: databaseUrl, description: postgresDescription },
      simulators,
      config,
      service,
      apiUrl: `http://${config.API_HOST}:${config.API_PORT}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The stack's database, made if missing (or afresh): its URL, and a line saying where it is. */
async function preparePostgres(
  options: DevStackOptions,
  stops: Array<{ name: string; stop: () => Promise<unknown> }>,
): Promise<{ url: string; description: string }> {
  const { folder, port, database, freshSuffix } = options.postgres;
  const given = process.env['DATABASE_URL'];
  if (given) {
    const server = databaseUrlOn(given, 'postgres');
    const name = decodeURIComponent(new URL(given).pathname.slice(1));
    if (freshSuffix === undefined) {
      await ensureDatabase(server, name);
      return { url: given, description: `Postgres from DATABASE_URL, database ${name}` };
    }
    // Postgres cuts names at 63 bytes; the suffix must survive the cut.
    const own = `${name.slice(0, 62 - freshSuffix.length)}_${freshSuffix}`;
    await dropDatabase(server, own);
    await ensureDatabase(server, own);
    return { url: databaseUrlOn(given, own), description: `Postgres from DATABASE_URL's server, database ${own} (made afresh)` };
  }
  const dataDir = path.join(await embeddedPostgresRoot(), folder);
  const postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  stops.push({ name: 'embedded Postgres', stop: () => postgres.stop() });
  if (freshSuffix !== undefined) await dropDatabase(postgres.adminUrl, database);
  await ensureDatabase(postgres.adminUrl, database);
  return {
    url: postgres.urlFor(database),
    description: `embedded Postgres on 127.0.0.1:${postgres.port}, database ${database}${freshSuffix !== undefined ? ' (made afresh)' : ''} (data in ${dataDir})`,
  };
}
