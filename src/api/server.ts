// The HTTP API: validates input, authenticates, records, and hands work to
// Temporal. It syncs nothing itself. Routes mirror the URLs (routes/), their
// schemas are in schemas/, and a connect's decisions in connect-integration.ts.
import swagger from '@fastify/swagger';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ExternalApiClients } from '../external-api-clients.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { runWithRequestLogContext } from '../observability/log-context.js';
import { basicAuth, bearerAuth } from './auth.js';
import { registerErrorHandler } from './errors.js';
import { parseJsonBody } from './json-body.js';
import { answerMethodNotAllowed } from './method-not-allowed.js';
import { documentRefusals, finishDocument } from './openapi.js';
import { formRoutes } from './routes/forms.js';
import { healthRoutes } from './routes/health.js';
import { integrationRoutes } from './routes/integrations.js';
import { previewRoutes } from './routes/previews.js';
import { metricsRoutes } from './routes/metrics.js';
import { corfixWebhookRoutes } from './routes/corfix-webhooks.js';
import { procoreWebhookRoutes } from './routes/procore-webhooks.js';
import { statusPageRoutes } from './routes/status-page.js';
import { authorizationRoutes, callbackRoutes } from './routes/procore-signin.js';
import type { SigninSettings } from './connect-signin.js';
import type { ProcoreWebhookSettings } from './procore-webhook-events.js';
import { errorSchema } from './schemas/integrations.js';

export interface ApiDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** in one process with a worker (`npm start`): is it still running? /health reports it */
  workerRunning?: () => boolean;
}

export interface FullApiDependencies extends ApiDependencies {
  clients: ExternalApiClients;
  /** API_TOKEN: one token, or several during a rotation (any of them is accepted) */
  apiToken: string | readonly string[];
  /** the Procore sign-in at connect; without it, its two routes are not served */
  signin?: SigninSettings;
  /** CONNECT_REQUIRE_PROCORE_SIGNIN: refuse POST /v1/integrations (403); the service passes its config (default true) */
  requireProcoreSignin?: boolean;
  /** PROCORE_WEBHOOK_SECRET (and PROCORE_APPLICATION_ID); without it POST /webhooks/procore is not served (404) */
  procoreWebhooks?: ProcoreWebhookSettings;
  /** CORFIX_WEBHOOK_SECRET: the HMAC key of Corfix's form events; without it POST /webhooks/corfix is not served (404) */
  corfixWebhookSecret?: string;
  /** TEMPORAL_WEB_UI_URL: the status page links each integration to its workflows there; without it, no links */
  temporalWebUiUrl?: string;
  /** METRICS_TOKEN: GET /metrics for a scrape sending it as its bearer token; without it /metrics is not served (404) */
  metricsToken?: string;
}

/** The most bytes of request line and headers Node reads (431 beyond). */
const MAX_REQUEST_HEAD = 128 * 1024;

/** The realm a browser names when it asks for the status page's password (an API token). */
export const STATUS_PAGE_REALM = 'corfix-procore status';

export async function buildApi(deps: FullApiDependencies): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Account and form ids in paths are up to 255 characters; a longer one must still reach the schema, which
    // names it (400), not the router's 414 (fastify's default limit is 100; 1024 still answered 414). Any id
    // Node lets through (MAX_REQUEST_HEAD) is short enough.
    routerOptions: { maxParamLength: MAX_REQUEST_HEAD },
    // The sign-in callback's query may hold (4096 + 2048 + 200 + 2000) characters (callbackQuery), each up to
    // 12 bytes percent-encoded: about 100 KiB. With Node's default (16 KiB) such a callback got Node's 431.
    http: { maxHeaderSize: MAX_REQUEST_HEAD },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, request.routeOptions.schema?.body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  registerErrorHandler(app);
  // Each request's log lines carry its integration once a route has found it (src/observability/log-context.ts).
  app.addHook('onRequest', (_request, _reply, done) => runWithRequestLogContext(done));

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Corfix ⇄ Procore integration API',
        version: '1.0.0',
        description: 'Connect a Corfix account to a Procore company and follow its sync.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          basic: { type: 'http', scheme: 'basic', description: 'the status page: any user name, an API token as the password' },
          procoreWebhook: { type: 'http', scheme: 'bearer', description: "Procore's webhook deliveries: PROCORE_WEBHOOK_SECRET, as set on the hook" },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: finishDocument,
  });
  answerMethodNotAllowed(app);
  documentRefusals(app);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, deps);
  if (deps.metricsToken !== undefined) await app.register(metricsRoutes, { metricsToken: deps.metricsToken });
  const signin = deps.signin;
  if (signin) await app.register(callbackRoutes, { ...deps, signin });
  // Outside /v1: Procore authenticates with the hook's own secret, not the API token.
  const procoreWebhooks = deps.procoreWebhooks;
  if (procoreWebhooks) await app.register(procoreWebhookRoutes, { ...deps, procoreWebhooks });
  // Outside /v1 too: Corfix signs its deliveries with the webhook secret.
  const corfixWebhookSecret = deps.corfixWebhookSecret;
  if (corfixWebhookSecret) await app.register(corfixWebhookRoutes, { ...deps, corfixWebhookSecret });
  const apiTokens = typeof deps.apiToken === 'string' ? [deps.apiToken] : deps.apiToken;
  // The status page shows every customer's integrations: a browser asks for an API token as the Basic password.
  await app.register(async (statusPage) => {
    statusPage.addHook('onRequest', basicAuth(apiTokens, STATUS_PAGE_REALM));
    await statusPage.register(statusPageRoutes, deps);
  });
  await app.register(async (v1) => {
    v1.addHook('onRequest', bearerAuth(apiTokens));
    documentRefusals(v1, { 401: errorSchema });
    await v1.register(integrationRoutes, deps);
    await v1.register(previewRoutes, deps);
    await v1.register(formRoutes, deps);
    if (signin) await v1.register(authorizationRoutes, { ...deps, signin });
  });
  return app;
}
