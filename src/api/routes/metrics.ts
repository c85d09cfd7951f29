// GET /metrics: the process's Prometheus metrics (src/observability/metrics.ts),
// for a scrape sending `Authorization: Bearer <METRICS_TOKEN>` (compared in
// constant time, as /v1's token). Served only when METRICS_TOKEN is set: the
// counters name Procore company ids. Its requests log at warn only, so that a
// scrape every few seconds does not fill the log.
import type { FastifyPluginAsync } from 'fastify';
import { collectProcessMetrics, METRICS_CONTENT_TYPE, metricsText } from '../../observability/metrics.js';
import { bearerAuth } from '../auth.js';

export const metricsRoutes: FastifyPluginAsync<{ metricsToken: string }> = async (app, options) => {
  collectProcessMetrics();
  app.get(
    '/metrics',
    { schema: { hide: true }, logLevel: 'warn', onRequest: bearerAuth([options.metricsToken]) },
    async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await metricsText()),
  );
};
