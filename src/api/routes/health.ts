// GET /health: is the API up, and can it reach Postgres and Temporal?
// Unauthenticated, and says nothing but "ok" or which dependency failed.
import type { FastifyPluginAsync } from 'fastify';
import type { ApiDependencies } from '../server.js';

type Check = 'ok' | 'unreachable';

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

export const healthRoutes: FastifyPluginAsync<ApiDependencies> = async (app, deps) => {
  app.get('/health', async (_request, reply) => {
    const [database, temporal] = await Promise.all([
      withTimeout(deps.db.raw('select 1'), 2_000),
      withTimeout(deps.temporal.workflowService.getSystemInfo({}), 2_000),
    ]);
    const ok = database === 'ok' && temporal === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', checks: { database, temporal } });
  });
};
