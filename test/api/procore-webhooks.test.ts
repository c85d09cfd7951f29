// POST /webhooks/procore against a real Postgres and Temporal: the hook's
// secret, the v2 payload, the inbox (once per ulid), what is ignored, and a
// Temporal that does not answer, which must not hold up the answer.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApi, type FullApiDependencies } from '../../src/api/server.js';
import { startContinuousSyncs } from '../../src/client.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { startProcoreSimulator } from '../../src/simulators/procore/server.js';
import { projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal.js';

const SECRET = 'procore-hook-secret-for-tests';
const APPLICATION_ID = '7700123';
const COMPANY = '4400000123';
const logger = createLogger('silent', 'test');
const clients = createExternalApiClients(unreachableClientSettings, logger);

let t: TestDatabase;
let temporal: TestTemporal;
let app: FastifyInstance;
let integration: Integration;
const taskQueue = uniqueTaskQueue('procore-webhooks');

const baseDeps = (): FullApiDependencies => ({
  db: t.db,
  temporal: temporal.client,
  taskQueue,
  logger,
  clients,
  apiToken: 'webhook-test-api-token-0123456789',
  procoreWebhooks: { secret: SECRET, applicationId: APPLICATION_ID },
});

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  app = await buildApi(baseDeps());
  integration = await createIntegration(t.db, { corfixAccountId: 'acc_hooks', procoreCompanyId: COMPANY, ...TOGGLES_OFF });
  await updateIntegration(t.db, integration.id, { status: 'active', initialSyncState: 'completed' });
});
afterAll(async () => {
  await app?.close();
  await temporal?.close();
  await t?.drop();
});

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const newUlid = () => Array.from(randomBytes(26), (b) => CROCKFORD[b % 32]).join('');

/** A v2 delivery as Procore sends it (ids as JSON numbers), with `changes` applied. */
const event = (changes: Record<string, unknown> = {}) => ({
  id: 7_500_000_001,
  ulid: newUlid(),
  timestamp: '2026-11-29T10:15:30.123456Z',
  user_id: 6_999_999_999,
  company_id: Number(COMPANY),
  project_id: null,
  api_version: 'v2',
  event_type: 'update',
  resource_name: 'Company Users',
  resource_id: 8_800_000_042,
  metadata: { source_user_id: 6_999_999_999, source_application_id: null, source_operation_id: null },
  ...changes,
});

/** `authorization` null: no header at all. */
const deliver = (body: unknown, authorization: string | null = `Bearer ${SECRET}`, target = app) =>
  target.inject({
    method: 'POST',
    url: '/webhooks/procore',
    headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });

const inboxRows = (eventId: string) =>
  t.db('webhook_events').where({ source: 'procore', event_id: eventId }).select('integration_id', 'event_type', 'payload');

describe('the hook secret', () => {
  test.each([
    ['missing', null],
    ['wrong', 'Bearer not-the-secret'],
    ['under another scheme', `Basic ${SECRET}`],
    ['the secret alone', SECRET],
  ])('%s: 401 in the API error shape, before the body is read, nothing stored', async (_case, authorization) => {
    const body = event();
    // A bad body too: the 401 comes first, so an outsider learns nothing of the schema.
    for (const payload of [body, { ...body, resource_id: 'x' }]) {
      const response = await deliver(payload, authorization);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'unauthorized', message: 'a valid bearer token is required' } });
    }
    expect(await inboxRows(body.ulid)).toEqual([]);
  });

  test('without PROCORE_WEBHOOK_SECRET the route is not served (webhooks are off)', async () => {
    const { procoreWebhooks: _off, ...deps } = baseDeps();
    const off = await buildApi(deps);
    expect((await deliver(event(), `Bearer ${SECRET}`, off)).statusCode).toBe(404);
    await off.close();
  });
});

describe('the payload', () => {
  test.each([
    ['ulid', { ulid: undefined }],
    ['ulid', { ulid: 'not-a-ulid' }],
    ['company_id', { company_id: 'acme' }],
    ['resource_id', { resource_id: -5 }],
    ['event_type', { event_type: 'archive' }],
    ['timestamp', { timestamp: 'yesterday' }],
    ['api_version', { api_version: 'v1' }],
    ['metadata.source_application_id', { metadata: { source_application_id: true } }],
  ])('400 naming %s', async (field, changes) => {
    const body = event(changes);
    const response = await deliver(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_request');
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toContain(field);
  });

  test('an id beyond 2^53 as a JSON number is refused, naming the field, not rounded', async () => {
    const body = JSON.stringify(event()).replace(`"resource_id":8800000042`, '"resource_id":9007199254740993');
    const response = await deliver(body);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields).toEqual([{ field: 'resource_id', message: expect.stringContaining('2^53') }]);
  });

  test('not JSON: 400', async () => {
    expect((await deliver('{"ulid":')).json().error.code).toBe('invalid_json');
  });
});

describe('the inbox', () => {
  test('an event is recorded once per ulid, with ids as strings and nothing else of the payload; a redelivery is a duplicate', async () => {
    const body = event({ some_field_procore_added: { nested: 'x' }, resource_id: '8800000042' });
    const first = await deliver(body);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: true, duplicate: false });
    const again = await deliver(body);
    expect(again.json()).toEqual({ received: true, duplicate: true });
    // The same ulid in lower case is the same event.
    expect((await deliver({ ...body, ulid: body.ulid.toLowerCase() })).json()).toEqual({ received: true, duplicate: true });
    expect(await inboxRows(body.ulid)).toEqual([
      {
        integration_id: integration.id,
        event_type: 'users.update',
        payload: { resource_id: '8800000042', timestamp: '2026-11-29T10:15:30.123456Z' },
      },
    ]);
  });

  test('projects are recorded as projects.<event>', async () => {
    const body = event({ resource_name: 'Projects', event_type: 'delete', resource_id: 5_100_000_001, project_id: 5_100_000_001 });
    expect((await deliver(body)).json()).toEqual({ received: true, duplicate: false });
    expect(await inboxRows(body.ulid)).toEqual([
      { integration_id: integration.id, event_type: 'projects.delete', payload: { resource_id: '5100000001', timestamp: body.timestamp } },
    ]);
  });

  test.each([
    ['no_integration', { company_id: 4_400_000_999 }],
    ['other_resource', { resource_name: 'RFIs' }],
    ['own_change', { metadata: { source_application_id: Number(APPLICATION_ID) } }],
    ['own_change', { metadata: { source_application_id: APPLICATION_ID } }],
  ])('ignored (%s): 200, nothing stored', async (reason, changes) => {
    const body = event(changes);
    const response = await deliver(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, ignored: reason });
    expect(await inboxRows(body.ulid)).toEqual([]);
  });

  test("another application's change is recorded", async () => {
    const body = event({ metadata: { source_application_id: '1234' } });
    expect((await deliver(body)).json()).toEqual({ received: true, duplicate: false });
    expect(await inboxRows(body.ulid)).toHaveLength(1);
  });

  test("a disconnected company's events are ignored", async () => {
    const gone = await createIntegration(t.db, { corfixAccountId: 'acc_gone', procoreCompanyId: '4400000124', ...TOGGLES_OFF });
    await updateIntegration(t.db, gone.id, { status: 'disconnected' });
    expect((await deliver(event({ company_id: '4400000124' }))).json()).toEqual({ received: true, ignored: 'no_integration' });
  });
});

describe('waking the loop', () => {
  const signalsOf = async (workflowId: string) =>
    ((await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).flatMap((e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : [],
    );

  test("a new event signals its resource's loop, a duplicate does not", async () => {
    // No worker polls this task queue: the loops exist and take signals, nothing runs them.
    await startContinuousSyncs(temporal.client, taskQueue, integration);
    try {
      const body = event();
      await deliver(body);
      await deliver(body);
      expect(await signalsOf(userSyncWorkflowId(integration.id))).toEqual(['procoreChange']);
      expect(await signalsOf(projectSyncWorkflowId(integration.id))).toEqual([]);
    } finally {
      for (const id of [userSyncWorkflowId(integration.id), projectSyncWorkflowId(integration.id)]) {
        await temporal.client.workflow.getHandle(id).terminate('test over');
      }
    }
  });

  test('a Temporal that does not answer costs at most the bound: the event is stored, the answer is 200, the failure logged with ids only', async () => {
    // Accepts connections and never answers: every Temporal call hangs.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const stalled = await buildApi({ ...baseDeps(), temporal: new Client({ connection }), logger: captured });
    try {
      const body = event({ resource_id: 8_800_000_077 });
      const started = Date.now();
      const response = await deliver(body, `Bearer ${SECRET}`, stalled);
      const took = Date.now() - started;
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false });
      expect(took).toBeLessThan(1_000);
      expect(await inboxRows(body.ulid)).toHaveLength(1);
      const warning = lines.map((l) => JSON.parse(l)).find((l) => l.msg?.includes('could not wake the continuous sync'));
      // The gRPC deadline or the timer, whichever ends it first.
      expect(warning).toMatchObject({ integrationId: integration.id, ulid: body.ulid, entity: 'users', level: 40 });
      expect(warning.msg).toMatch(/in the inbox for the next cycle \(Temporal (did not answer in time|refused or failed)\)/);
      expect(lines.join('\n')).not.toContain(SECRET);
    } finally {
      await stalled.close();
      await connection.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

test("the Procore simulator's deliveries land in the inbox (payload as Procore sends it)", async () => {
  const sim = await startProcoreSimulator({ seed: 11 });
  const listening = await buildApi(baseDeps());
  try {
    const url = await listening.listen({ host: '127.0.0.1', port: 0 });
    const company = sim.state.addCompany({ name: 'Hooked Co', app_installed: true });
    const hooked = await createIntegration(t.db, { corfixAccountId: 'acc_sim', procoreCompanyId: String(company.id), ...TOGGLES_OFF });
    const hook = sim.state.createHook(company.id, {
      namespace: 'corfix-test',
      api_version: 'v2',
      destination_url: `${url}/webhooks/procore`,
      destination_headers: { Authorization: `Bearer ${SECRET}` },
    });
    sim.state.createTrigger(company.id, hook.id, 'Company Users', 'create');
    const [user] = sim.state.addUsers(company.id, [{ first_name: 'Hooked' }]);
    await sim.webhooks.idle();
    expect(sim.webhooks.deliveries.map((d) => d.attempts.at(-1)?.status)).toEqual([200]);
    const rows = await t.db('webhook_events').where({ integration_id: hooked.id }).select('event_type', 'payload');
    expect(rows).toEqual([{ event_type: 'users.create', payload: { resource_id: String(user?.id), timestamp: expect.any(String) } }]);
  } finally {
    await listening.close();
    await sim.stop();
  }
});

test('the OpenAPI document describes the webhook and the controls', async () => {
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  const paths = response.json().paths;
  expect(Object.keys(paths['/webhooks/procore'].post.responses).sort()).toEqual(['200', '400', '401', '413', '415']);
  expect(Object.keys(paths['/v1/integrations/{corfix_account_id}']).sort()).toEqual(['delete', 'get', 'patch']);
  expect(paths['/v1/integrations/{corfix_account_id}/resync'].post.responses['202']).toBeDefined();
});
