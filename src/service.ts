// Composes the service's processes: the API, the worker, or both (`npm start`).
// Production and the dev stack start it the same way; only the env differs.
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import type { ApiConfig, WorkerConfig } from './config.js';
import { connectTemporalClient, type TemporalClient } from './client.js';
import { openDatabase, type Database } from './db/database.js';
import { createLogger, type Logger } from './logger.js';
import { prepareDeployment } from './prepare.js';
import { installSdkLogger } from './temporal/runtime-logger.js';
import { buildApi } from './api/server.js';
import { startMetricsServer } from './api/metrics-server.js';
import type { SigninSettings } from './api/connect-signin.js';
import { startServiceWorker } from './worker.js';
import { type ClientSettings, createExternalApiClients, type ProcessApiClients } from './external-api-clients.js';
import { procoreRateBudgetStore } from './db/repositories/procore-rate-budgets.js';
import { SharedRatePacer } from './procore/shared-pacing.js';

export interface RunningService {
  db: Database;
  logger: Logger;
  api?: FastifyInstance;
  apiUrl?: string;
  /** METRICS_PORT's /metrics server, when set */
  metricsUrl?: string;
  worker?: Worker;
  /** settles when a part stops by itself (the worker's run() ended): the process should exit */
  failure: Promise<Error>;
  stop(): Promise<void>;
}

export interface ServiceParts {
  api: boolean;
  worker: boolean;
  /** apply pending migrations and check search attributes first (`npm start`) */
  prepare: boolean;
}

type ServiceConfig = (ApiConfig | WorkerConfig) & Partial<ApiConfig>;

export interface ServiceOptions {
  /** where the service logs (default: stdout at LOG_LEVEL); `npm run demo` gives one writing to a file */
  logger?: Logger;
}

export async function startService(config: ServiceConfig, parts: ServiceParts, options: ServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL, parts.api && parts.worker ? 'service' : parts.api ? 'api' : 'worker', { format: config.LOG_FORMAT });
  const db = openDatabase(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const stops: Array<() => Promise<void>> = [() => db.destroy()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'));
  };
  try {
    let temporal: TemporalClient | undefined;
    const temporalClient = async () => {
      if (!temporal) {
        temporal = await connectTemporalClient(config);
        const t = temporal;
        stops.push(() => t.close());
      }
      return temporal;
    };

    if (parts.prepare) await prepareDeployment(db, (await temporalClient()).client, config.TEMPORAL_NAMESPACE, logger);

    let stopping = false;
    let failed: (error: Error) => void = () => undefined;
    const failure = new Promise<Error>((resolve) => {
      failed = resolve;
    });
    const running: RunningService = {
      db,
      logger,
      failure,
      stop: async () => {
        stopping = true;
        await stop();
      },
    };
    const clients = serviceApiClients(config, db, logger);

    let workerRunning: (() => boolean) | undefined;
    if (parts.worker) {
      installSdkLogger(logger);
      const worker = await startServiceWorker(config, await temporalClient(), { db, clients, logger });
      stops.push(() => worker.stop());
      // A worker whose run() ends while nobody asked it to stop leaves the process syncing nothing.
      worker.done.then(
        () => !stopping && failed(new Error('the worker stopped by itself')),
        (error: unknown) => !stopping && failed(new Error(`the worker stopped on an error: ${error instanceof Error ? error.message : String(error)}`)),
      );
      workerRunning = () => worker.worker.getState() === 'RUNNING';
      running.worker = worker.worker;
    }

    if (parts.api) {
      if (config.API_PORT === undefined || config.API_HOST === undefined || config.API_TOKEN === undefined) {
        throw new Error('the API needs API_PORT, API_HOST and API_TOKEN');
      }
      const t = await temporalClient();
      const api = await buildApi({
        db,
        temporal: t.client,
        taskQueue: t.taskQueue,
        logger,
        clients,
        apiToken: config.API_TOKEN,
        requireProcoreSignin: config.CONNECT_REQUIRE_PROCORE_SIGNIN !== false,
        ...(signinSettingsOf(config) ?? {}),
        ...(config.PROCORE_WEBHOOK_SECRET !== undefined
          ? { procoreWebhooks: { secret: config.PROCORE_WEBHOOK_SECRET, applicationId: config.PROCORE_APPLICATION_ID } }
          : {}),
        corfixWebhookSecret: config.CORFIX_WEBHOOK_SECRET,
        ...(config.TEMPORAL_WEB_UI_URL !== undefined ? { temporalWebUiUrl: config.TEMPORAL_WEB_UI_URL } : {}),
        ...(config.METRICS_TOKEN !== undefined ? { metricsToken: config.METRICS_TOKEN } : {}),
        ...(workerRunning ? { workerRunning } : {}),
      });
      running.apiUrl = await api.listen({ port: config.API_PORT, host: config.API_HOST });
      stops.push(() => api.close());
      running.api = api;
    }

    // The config refuses METRICS_PORT without METRICS_TOKEN.
    if (config.METRICS_PORT !== undefined && config.METRICS_TOKEN !== undefined) {
      const metrics = await startMetricsServer({
        port: config.METRICS_PORT,
        host: config.METRICS_HOST,
        token: config.METRICS_TOKEN,
        logger,
      });
      stops.push(() => metrics.server.close());
      running.metricsUrl = metrics.url;
      logger.info({ url: `${metrics.url}/metrics` }, 'serving /metrics');
    }
    return running;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The API clients of a service process. Its Procore calls pace on the
 * budget counted in Postgres, so that the service's processes (workers, the
 * API's connect checks) together keep within each company's budget.
 */
export function serviceApiClients(config: ClientSettings, db: Database, logger: Logger): ProcessApiClients {
  const pacer = new SharedRatePacer({ store: procoreRateBudgetStore(db), logger: logger.child({ api: 'procore' }) });
  return createExternalApiClients(config, logger, { pacer });
}

/** The Procore sign-in at connect, when configured (the config requires all three variables, or none). */
function signinSettingsOf(config: ServiceConfig): { signin: SigninSettings } | undefined {
  const { CONNECT_STATE_SECRET: stateSecret, PROCORE_REDIRECT_URI: redirectUri, CONNECT_RETURN_URL: returnUrl } = config;
  if (stateSecret === undefined || redirectUri === undefined || returnUrl === undefined) return undefined;
  return {
    signin: {
      stateSecret,
      returnUrl,
      procore: {
        apiBaseUrl: config.PROCORE_API_BASE_URL,
        authBaseUrl: config.PROCORE_AUTH_BASE_URL,
        clientId: config.PROCORE_CLIENT_ID,
        clientSecret: config.PROCORE_CLIENT_SECRET,
        redirectUri,
      },
    },
  };
}

/**
 * Runs until SIGINT/SIGTERM (exit 0), or until a part stops by itself (exit 1,
 * so that a container is restarted); either way everything stops in reverse order.
 */
export function runUntilStopped(service: Pick<RunningService, 'stop' | 'failure'>, logger: Logger, exit = process.exit): void {
  let stopping = false;
  const stopAndExit = (code: number) => {
    if (stopping) return;
    stopping = true;
    service.stop().then(
      () => exit(code),
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with an error');
        exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    stopAndExit(0);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  void service.failure.then((error) => {
    logger.fatal({ err: error }, 'a part of the service stopped by itself; exiting');
    stopAndExit(1);
  });
}
