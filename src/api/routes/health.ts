// GET /health: is the API up, can it reach Postgres and Temporal, and (in
// one process with a worker) is the worker still running? Unauthenticated,
// and says nothing but "ok" or which part failed.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { healthAnswer } from '../schemas/health.js';
import type { ApiDependencies } from '../server.js';

type Check = 'ok' | 'unreachable' | 'stopped';

const withTimeout = async (work: Promise<unknown>, ms: number): Promise<Check> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve('unreachable'), ms);
  });
  try {
    return await Promise.race([work.then((): Check => 'ok', (): Check => 'unreachable'), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

export const healthRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        summary: 'Is the API up, and can it reach Postgres and Temporal (and is the worker running, in one process with it)?',
        security: [],
        response: { 200: healthAnswer, 503: healthAnswer },
      },
    },
    async (_request, reply) => {
      const [database, temporal] = await Promise.all([
        withTimeout(deps.db.raw('select 1'), 2_000),
        withTimeout(deps.temporal.workflowService.getSystemInfo({}), 2_000),
      ]);
      const worker: Check | undefined = deps.workerRunning ? (deps.workerRunning() ? 'ok' : 'stopped') : undefined;
      const ok = database === 'ok' && temporal === 'ok' && (worker ?? 'ok') === 'ok';
      const checks = { database, temporal, ...(worker ? { worker } : {}) };
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks });
    },
  );
};
