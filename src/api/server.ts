// The HTTP API: validates input, authenticates, records, and hands work to
// Temporal. It syncs nothing itself. Each route file owns its schema.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { healthRoutes } from './routes/health.js';

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}

export async function buildApi(deps: ApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Procore and Corfix ids can exceed 2^53: bodies are parsed by zod-aware
    // routes, never trusted as JS numbers.
    bodyLimit: 1024 * 1024,
    disableRequestLogging: false,
  });
  await app.register(healthRoutes, deps);
  return app;
}
