// The service's sync, assembled in-process for a test: both simulators, a
// database of its own, the real API (through fastify's inject, and on a real
// port after listenApi(), for Procore's webhook deliveries) and a real worker
// on the run's Temporal server, on a task queue of its own.
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { createExternalApiClients, type ExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startCorfixSimulator, type CorfixSimulator } from '../../src/simulators/corfix/server.js';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../../src/simulators/procore/server.js';
import { connectWorkflowId, reconcileWorkflowId } from '../../src/temporal/workflow-ids.js';
import { startReconciler } from '../../src/client.js';
import { createServiceWorker } from '../../src/worker.js';
import { createTestDatabase, TEST_POOL_MAX, type TestDatabase } from './database.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from './temporal.js';

export const API_TOKEN = 'sync-harness-api-token';
export const CORFIX_TOKEN = 'sync-harness-corfix-token';
export const CORFIX_WEBHOOK_SECRET = 'sync-harness-webhook-secret';
export const PROCORE_WEBHOOK_SECRET = 'sync-harness-procore-webhook-secret';
export const CONNECT_STATE_SECRET = 'sync-harness-state-secret-0123456789abcdef';
export const PROCORE_REDIRECT_URI = 'http://integration.test/v1/oauth/procore/callback';
export const CONNECT_RETURN_URL = 'https://corfix.test/settings/procore?from=signin';

export interface SyncHarness {
  t: TestDatabase;
  temporal: TestTemporal;
  procore: ProcoreSimulator;
  corfix: CorfixSimulator;
  clients: ExternalApiClients;
  api: FastifyInstance;
  taskQueue: string;
  /** the service's environment pointed at the simulators and the test database */
  env: Record<string, string>;
  /** the secrets the harness gives the service, by name: none may show in an answer, a log line or a history (a new object each call) */
  secrets(): Record<string, string>;
  /** with `reconcileIntervalMs`, also the task queue's reconciler (as a service worker starts it) */
  /**
   * pollIntervalMs / fullSyncIntervalMs: SYNC_POLL_INTERVAL / SYNC_RECONCILE_INTERVAL (default 5 min / 24 h);
   * webhooks: PUBLIC_URL and PROCORE_WEBHOOK_SECRET (the API must listen there: listenApi())
   */
  startWorker(options?: {
    reconcileIntervalMs?: number;
    pollIntervalMs?: number;
    fullSyncIntervalMs?: number;
    webhooks?: { publicUrl: string; secret: string };
  }): Promise<Worker>;
  stopWorker(): Promise<void>;
  /**
   * The API on a real port (127.0.0.1, a free one), as Procore's webhook
   * deliveries need it; its base URL (no trailing slash). Repeated calls
   * give the same URL. Closed by stop().
   */
  listenApi(): Promise<string>;
  connect(body: Record<string, unknown>): Promise<{ statusCode: number; json: Record<string, unknown> }>;
  /** POST /v1/integrations/authorizations */
  authorize(body: Record<string, unknown>): Promise<{ statusCode: number; json: Record<string, unknown> }>;
  /** the browser's way: to Procore's authorize URL, back to the callback; the URL Procore sent it back to (with code and state) */
  procoreRedirect(authorizeUrl: string): Promise<URL>;
  /** GET the callback as the browser would (path and query of `url`); where it was sent: CONNECT_RETURN_URL with the result */
  callback(url: URL | string): Promise<{ statusCode: number; location: URL }>;
  status(accountId: string): Promise<Record<string, unknown>>;
  /** waits for the integration's ConnectIntegration to end; rejects if it failed */
  connectResult(integrationId: string): Promise<unknown>;
  stop(): Promise<void>;
}

export interface SyncHarnessOptions {
  procore?: ProcoreSimulatorOptions;
  corfixAccounts: string[];
  name: string;
  /** how often the clients try again after a refusal someone must fix (default: the clients' 5 min) */
  accessRetryMs?: number;
  /** CONNECT_REQUIRE_PROCORE_SIGNIN (default false here, so that tests may connect directly) */
  requireProcoreSignin?: boolean;
  /** the API's, the clients' and the worker's logger (default: silent); a test that reads the logs passes one (captured-logs.ts) */
  logger?: Logger;
}

export async function startSyncHarness(options: SyncHarnessOptions): Promise<SyncHarness> {
  const [t, temporal, procore, corfix] = await Promise.all([
    createTestDatabase(),
    connectTestTemporal(),
    startProcoreSimulator({ seed: 7, ...options.procore }),
    startCorfixSimulator({
      seed: 7,
      tokens: { [CORFIX_TOKEN]: options.corfixAccounts },
      webhookSecret: CORFIX_WEBHOOK_SECRET,
      accounts: options.corfixAccounts.map((id) => ({ id, name: `Account ${id}` })),
    }),
  ]);
  const logger = options.logger ?? createLogger('silent', 'test');
  const env = {
    DATABASE_URL: t.url,
    TEMPORAL_ADDRESS: process.env['TEMPORAL_ADDRESS'] as string,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(options.name),
    PROCORE_API_BASE_URL: procore.url,
    PROCORE_AUTH_BASE_URL: procore.url,
    PROCORE_CLIENT_ID: procore.clientId,
    PROCORE_CLIENT_SECRET: procore.clientSecret,
    CORFIX_API_BASE_URL: corfix.url,
    CORFIX_API_TOKEN: CORFIX_TOKEN,
    CORFIX_WEBHOOK_SECRET,
    PROCORE_WEBHOOK_SECRET,
    LOG_LEVEL: 'warn',
  };
  const taskQueue = env.TEMPORAL_TASK_QUEUE;
  const clients = createExternalApiClients(
    env,
    logger,
    options.accessRetryMs !== undefined ? { accessRetryMs: options.accessRetryMs } : {},
  );
  const api = await buildApi({
    db: t.db,
    temporal: temporal.client,
    taskQueue,
    logger,
    clients,
    apiToken: API_TOKEN,
    requireProcoreSignin: options.requireProcoreSignin ?? false,
    procoreWebhooks: { secret: PROCORE_WEBHOOK_SECRET },
    corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
    signin: {
      stateSecret: CONNECT_STATE_SECRET,
      returnUrl: CONNECT_RETURN_URL,
      procore: {
        apiBaseUrl: procore.url,
        authBaseUrl: procore.url,
        clientId: procore.clientId,
        clientSecret: procore.clientSecret,
        redirectUri: PROCORE_REDIRECT_URI,
      },
    },
  });

  let apiUrl: Promise<string> | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  const stopWorker = async () => {
    if (worker && worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    worker = undefined;
    running = undefined;
  };
  const auth = { authorization: `Bearer ${API_TOKEN}` };

  return {
    t,
    temporal,
    procore,
    corfix,
    clients,
    api,
    taskQueue,
    env,
    secrets: () => ({
      API_TOKEN,
      CORFIX_TOKEN,
      CORFIX_WEBHOOK_SECRET,
      PROCORE_WEBHOOK_SECRET,
      CONNECT_STATE_SECRET,
      PROCORE_CLIENT_SECRET: procore.clientSecret,
    }),
    async startWorker(options = {}) {
      worker = await createServiceWorker({
        connection: temporal.nativeConnection,
        namespace: 'default',
        taskQueue,
        dependencies: {
          db: t.db,
          clients,
          logger,
          temporal: { client: temporal.client, taskQueue },
          reconcileIntervalMs: options.reconcileIntervalMs ?? 60_000,
          continuousSync: {
            pollIntervalMs: options.pollIntervalMs ?? 5 * 60_000,
            reconcileIntervalMs: options.fullSyncIntervalMs ?? 24 * 60 * 60_000,
            ...(options.webhooks ? { webhooks: options.webhooks } : {}),
          },
        },
        databasePoolMax: TEST_POOL_MAX,
      });
      running = worker.run();
      if (options.reconcileIntervalMs !== undefined) await startReconciler(temporal.client, taskQueue);
      return worker;
    },
    stopWorker,
    listenApi() {
      apiUrl ??= api.listen({ port: 0, host: '127.0.0.1' }).then((address) => address.replace(/\/$/, ''));
      return apiUrl;
    },
    async connect(body) {
      const response = await api.inject({ method: 'POST', url: '/v1/integrations', headers: auth, payload: body });
      return { statusCode: response.statusCode, json: response.json() };
    },
    async authorize(body) {
      const response = await api.inject({ method: 'POST', url: '/v1/integrations/authorizations', headers: auth, payload: body });
      return { statusCode: response.statusCode, json: response.json() };
    },
    async procoreRedirect(authorizeUrl) {
      const response = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || location === null) throw new Error(`the simulated Procore did not redirect (${response.status}): ${await response.text()}`);
      return new URL(location);
    },
    async callback(url) {
      const u = new URL(url);
      const response = await api.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
      const location = response.headers['location'];
      if (typeof location !== 'string') throw new Error(`the callback answered ${response.statusCode} without a redirect: ${response.body}`);
      return { statusCode: response.statusCode, location: new URL(location) };
    },
    async status(accountId) {
      const response = await api.inject({ method: 'GET', url: `/v1/integrations/${accountId}`, headers: auth });
      return response.json();
    },
    connectResult: (integrationId) => temporal.client.workflow.getHandle(connectWorkflowId(integrationId)).result(),
    async stop() {
      await temporal.client.workflow.getHandle(reconcileWorkflowId(taskQueue)).terminate('test over').catch(() => undefined);
      await stopWorker();
      await api.close();
      await Promise.allSettled([procore.stop(), corfix.stop()]);
      await temporal.close();
      await t.drop();
    },
  };
}

export interface HarnessApiOptions {
  /** a Temporal whose every start fails (nothing listens at its address) */
  temporalAway?: boolean;
  /** CONNECT_REQUIRE_PROCORE_SIGNIN (default false, as the harness's own API) */
  requireProcoreSignin?: boolean;
}

/** The real API over `h`'s database and simulators, built with `options` (a Temporal, the sign-in rule); `close` it after. */
export async function harnessApi(h: SyncHarness, options: HarnessApiOptions = {}) {
  const unreachable = options.temporalAway ? await Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1 second' }) : undefined;
  const api = await buildApi({
    db: h.t.db,
    temporal: unreachable ? new Client({ connection: unreachable }) : h.temporal.client,
    taskQueue: h.taskQueue,
    logger: createLogger('silent', 'test'),
    clients: h.clients,
    apiToken: API_TOKEN,
    requireProcoreSignin: options.requireProcoreSignin ?? false,
  });
  return {
    api,
    /** POST /v1/integrations with `body`, through this API */
    connect: (body: Record<string, unknown>) =>
      api.inject({ method: 'POST', url: '/v1/integrations', headers: { authorization: `Bearer ${API_TOKEN}` }, payload: body }),
    close: async () => {
      await api.close();
      await unreachable?.close();
    },
  };
}
