// The Procore simulator: a real HTTP server (API, OAuth and upload storage on
// one origin) with in-memory state, rate limits, seeded faults and webhook
// delivery. Tests start it in-process; `npm run sim:procore` runs main.ts.
import Fastify, { type FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ADMIN_PREFIX, FaultInjector, type FaultInput } from '../common/faults.js';
import { registerAdminRoutes } from './admin-routes.js';
import { checkAccess, companyHeader, type PageTimeouts, registerApiRoutes } from './api-routes.js';
import { registerDocumentRoutes } from './documents-routes.js';
import { defaultRateLimits, RateLimiter, type RateLimitSettings, type RateWindow } from './rate-limits.js';
import { ProcoreSimError, ProcoreState } from './state.js';
import { registerUserSigninRoutes, UserSignins } from './user-signin.js';
import { defaultWebhookSettings, registerWebhookRoutes, WebhookDispatcher, type WebhookSettings } from './webhooks.js';

export interface ProcoreSimulatorOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  host?: string;
  /** drives faults, 429 Retry-After choices, generated data and webhook ULIDs */
  seed?: number;
  clientId?: string;
  clientSecret?: string;
  /** `expires_in` of new tokens; default 5400 */
  tokenLifetimeSeconds?: number;
  rateLimits?: { hourly?: RateWindow; spike?: RateWindow; retry_after_rate?: number };
  /** largest page each list serves; larger requests are clamped */
  maxPerPage?: Partial<{ projects: number; users: number; inactiveUsers: number }>;
  /** pages larger than this answer 408 Request Timeout, per list */
  timeoutAbovePerPage?: PageTimeouts;
  webhooks?: Partial<WebhookSettings>;
  faults?: FaultInput[];
  /** a company with projects and users, for running the service by hand */
  demoData?: boolean;
  /** fastify request logging */
  log?: boolean;
}

export interface ProcoreSimulator {
  /** origin of the API, the OAuth server and storage alike */
  url: string;
  clientId: string;
  clientSecret: string;
  state: ProcoreState;
  /** users' sign-ins: `signins.signInAs(userId)` picks who signs in at the next /oauth/authorize */
  signins: UserSignins;
  faults: FaultInjector;
  rateLimits: RateLimiter;
  webhooks: WebhookDispatcher;
  /** pages larger than this answer 408, per list; change it at any time */
  pageTimeouts: PageTimeouts;
  app: FastifyInstance;
  stop(): Promise<void>;
}

export const DEFAULT_MAX_PER_PAGE = { projects: 300, users: 1000, inactiveUsers: 100 };

/** Error bodies as Procore writes them: {"errors": ...}. */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export async function startProcoreSimulator(options: ProcoreSimulatorOptions = {}): Promise<ProcoreSimulator> {
  const seed = options.seed ?? 1;
  const clientId = options.clientId ?? 'corfix-sim-client';
  const clientSecret = options.clientSecret ?? 'corfix-sim-secret';
  const state = new ProcoreState({ seed, tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 5400 });
  const rateLimitSettings: RateLimitSettings = {
    hourly: options.rateLimits?.hourly ?? defaultRateLimits.hourly,
    spike: options.rateLimits?.spike ?? defaultRateLimits.spike,
    retry_after_rate: options.rateLimits?.retry_after_rate ?? defaultRateLimits.retry_after_rate,
  };
  const rateLimiter = new RateLimiter(rateLimitSettings, seed);
  const faults = new FaultInjector(seed);
  if (options.faults) faults.setFaults(options.faults);
  const webhooks = new WebhookDispatcher(state, { ...defaultWebhookSettings, ...options.webhooks }, seed);

  const app = Fastify({
    logger: options.log ?? false,
    bodyLimit: 100 * 1024 * 1024,
    forceCloseConnections: true,
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });

  // Rate limits first, so that requests refused or broken by injected faults still count.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/rest/')) return undefined;
    const decision = rateLimiter.consume(companyHeader(request) ?? '(no company)');
    reply.headers(decision.headers);
    if (decision.allowed) return undefined;
    if (decision.retryAfterSeconds !== null) reply.header('Retry-After', String(decision.retryAfterSeconds));
    return reply.code(429).send({ errors: 'Rate limit exceeded' });
  });

  faults.register(app, (reply, status, retryAfter, message) => {
    if (retryAfter !== null && retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
    void reply.code(status).send({ errors: message ?? STATUS_TEXT[status] ?? `Error ${status}` });
  });

  app.addHook('preHandler', async (request) => {
    if (request.url.startsWith('/rest/')) checkAccess(state, request);
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ProcoreSimError) {
      if (error.status === 401) {
        reply.header('WWW-Authenticate', `Bearer realm="Doorkeeper", error="invalid_token", error_description="${error.message}"`);
      }
      return reply.code(error.status).send({ errors: error.errors });
    }
    if (error instanceof ZodError) {
      return reply.code(request.url.startsWith(ADMIN_PREFIX) ? 400 : 422).send({ errors: error.issues });
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ errors: (error as Error).message });
    }
    request.log.error(error);
    return reply.code(500).send({ errors: STATUS_TEXT[500] });
  });

  const maxPerPage = { ...DEFAULT_MAX_PER_PAGE, ...options.maxPerPage };
  const pageTimeouts: PageTimeouts = { ...options.timeoutAbovePerPage };
  const signins = new UserSignins(state);
  registerApiRoutes(app, state, { signins, clientId, clientSecret, maxPerPage, timeoutAbovePerPage: pageTimeouts });
  registerUserSigninRoutes(app, signins, { clientId });
  registerDocumentRoutes(app, state, Date.now);
  registerWebhookRoutes(app, state);
  registerAdminRoutes(app, state, rateLimiter, webhooks);

  if (options.demoData) seedDemoData(state);

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return {
    url: address.replace('://[::1]', '://localhost'),
    clientId,
    clientSecret,
    state,
    signins,
    faults,
    rateLimits: rateLimiter,
    webhooks,
    pageTimeouts,
    app,
    stop: async () => {
      webhooks.stop();
      await app.close();
    },
  };
}

/** One company where the app is installed, with a realistic mix of projects and people. */
function seedDemoData(state: ProcoreState): void {
  const company = state.addCompany({ name: 'Harbour Construction Ltd' });
  state.generateProjects(company.id, 25);
  state.generateUsers(company.id, 120);
  state.generateUsers(company.id, 15, { is_active: false });
  state.addCompany({ name: 'Ridge Builders (app not installed)', app_installed: false });
}
