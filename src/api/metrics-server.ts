// /metrics on a port of its own (METRICS_PORT): a worker alone has no API to
// serve it on. The same route as the API's (./routes/metrics.ts), and nothing else.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { metricsRoutes } from './routes/metrics.js';

interface MetricsServerSettings {
  port: number;
  host: string;
  /** METRICS_TOKEN: a scrape sends it as its bearer token */
  token: string;
  logger: Logger;
}

/** Listening; its URL (for the log) and the server (close() it to stop). */
export async function startMetricsServer(settings: MetricsServerSettings): Promise<{ url: string; server: FastifyInstance }> {
  const server = Fastify({ loggerInstance: settings.logger as FastifyBaseLogger });
  await server.register(metricsRoutes, { metricsToken: settings.token });
  const url = await server.listen({ port: settings.port, host: settings.host });
  return { url, server };
}
