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
import { startServiceWorker } from './worker.js';
import { createExternalApiClients } from './external-api-clients.js';

export interface RunningService {
  db: Database;
  logger: Logger;
  api?: FastifyInstance;
  apiUrl?: string;
  worker?: Worker;
  stop(): Promise<void>;
}

export interface ServiceParts {
  api: boolean;
  worker: boolean;
  /** apply pending migrations and check search attributes first (`npm start`) */
  prepare: boolean;
}

type ServiceConfig = (ApiConfig | WorkerConfig) & Partial<ApiConfig>;

export async function startService(config: ServiceConfig, parts: ServiceParts): Promise<RunningService> {
  const logger = createLogger(config.LOG_LEVEL, parts.api && parts.worker ? 'service' : parts.api ? 'api' : 'worker');
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

    const running: RunningService = { db, logger, stop };
    const clients = createExternalApiClients(config, logger);

    if (parts.worker) {
      installSdkLogger(logger);
      const worker = await startServiceWorker(config, await temporalClient(), { db, clients, logger });
      stops.push(() => worker.stop());
      worker.done.catch((error: unknown) => logger.fatal({ err: error }, 'worker stopped unexpectedly'));
      running.worker = worker.worker;
    }

    if (parts.api) {
      if (config.API_PORT === undefined || config.API_HOST === undefined || config.API_TOKEN === undefined) {
        throw new Error('the API needs API_PORT, API_HOST and API_TOKEN');
      }
      const t = await temporalClient();
      const api = await buildApi({ db, temporal: t.client, taskQueue: t.taskQueue, logger, clients, apiToken: config.API_TOKEN });
      running.apiUrl = await api.listen({ port: config.API_PORT, host: config.API_HOST });
      stops.push(() => api.close());
      running.api = api;
    }
    return running;
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs until SIGINT/SIGTERM, then stops everything in reverse order. */
export function stopOnSignals(service: { stop(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stopped with an error');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
