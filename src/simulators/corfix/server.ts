// The Corfix simulator: a real HTTP server speaking contracts/corfix-api.yaml, started
// in-process by tests (startCorfixSimulator) or as a process by main.ts.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { FaultInjector } from '../common/faults.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerApiRoutes, sendError } from './api-routes.js';
import { FixedWindowRateLimit } from './rate-limit.js';
import { CorfixSimError, CorfixState, type AccountRecord } from './state.js';
import { WebhookDispatcher } from './webhooks.js';

export interface CorfixSimulatorOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  host?: string;
  /** seeds fault injection and webhook duplication/reordering */
  seed?: number;
  /** bearer token -> the account ids it may use */
  tokens: Record<string, string[]>;
  /** signs webhook deliveries (CORFIX_WEBHOOK_SECRET) */
  webhookSecret: string;
  /** accounts that exist from the start */
  accounts?: AccountRecord[];
  /** the simulator's clock: timestamps, the 24 h idempotency window, webhook timestamps, rate-limit windows */
  clock?: () => Date;
  /** waits before each repeat of a failed webhook delivery */
  webhookRetryDelaysMs?: number[];
  logger?: FastifyServerOptions['logger'];
}

export interface CorfixSimulator {
  /** e.g. http://127.0.0.1:41234, the CORFIX_API_BASE_URL to give a client */
  url: string;
  port: number;
  state: CorfixState;
  webhooks: WebhookDispatcher;
  faults: FaultInjector;
  rateLimit: FixedWindowRateLimit;
  tokens: Map<string, Set<string>>;
  app: FastifyInstance;
  stop(): Promise<void>;
}

/** The server with its routes, not yet listening. */
export function buildCorfixSimulator(options: CorfixSimulatorOptions): Omit<CorfixSimulator, 'url' | 'port' | 'stop'> {
  const seed = options.seed ?? 1;
  const clock = options.clock ?? (() => new Date());
  const state = new CorfixState({ clock });
  for (const account of options.accounts ?? []) state.addAccount(account);
  const tokens = new Map(Object.entries(options.tokens).map(([token, accounts]) => [token, new Set(accounts)]));
  const rateLimit = new FixedWindowRateLimit();
  const faults = new FaultInjector(seed);

  const app = Fastify({ logger: options.logger ?? false });
  const webhooks = new WebhookDispatcher({
    secret: options.webhookSecret,
    seed,
    clock,
    retryDelaysMs: options.webhookRetryDelaysMs,
    log: app.log,
  });
  state.onFormEvent((event) => {
    const url = state.webhookUrls.get(event.account_id);
    if (url) webhooks.enqueue(url, event);
  });

  // A POST without a body (activate, block, unblock) may still say it is JSON;
  // malformed JSON is the contract's 400, not Fastify's own error shape.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new CorfixSimError(400, 'invalid_input', 'the body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof CorfixSimError) return sendError(reply, error);
    const status = typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'simulator error');
      return sendError(reply, new CorfixSimError(500, 'internal_error', 'the simulator failed; see its log'));
    }
    return sendError(reply, new CorfixSimError(status, codeForStatus(status), error instanceof Error ? error.message : 'rejected'));
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new CorfixSimError(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );

  faults.register(app, (reply, status, retryAfter, message) => {
    if (retryAfter !== null && retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
    void sendError(reply, new CorfixSimError(status, codeForStatus(status), message ?? `injected fault: ${status}`));
  });
  registerApiRoutes(app, { state, tokens, rateLimit });
  registerAdminRoutes(app, { state, tokens, rateLimit, webhooks });

  return { state, webhooks, faults, rateLimit, tokens, app };
}

export async function startCorfixSimulator(options: CorfixSimulatorOptions): Promise<CorfixSimulator> {
  const built = buildCorfixSimulator(options);
  const host = options.host ?? '127.0.0.1';
  await built.app.listen({ port: options.port ?? 0, host });
  const address = built.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the Corfix simulator did not get a TCP port');
  return {
    ...built,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    stop: async () => {
      built.webhooks.stop();
      await built.app.close();
    },
  };
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_input';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 422:
      return 'unprocessable';
    case 429:
      return 'rate_limited';
    case 503:
      return 'service_unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'rejected';
  }
}
