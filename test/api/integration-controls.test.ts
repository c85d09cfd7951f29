// The operator's controls on /v1/integrations/{account} against a real
// Postgres and Temporal (a task queue no worker polls: the loops and the
// connect exist and take signals and cancels, nothing runs them) and the
// Procore simulator (the hook a disconnect removes): each control's change,
// its audit row, its refusals, repeating it, and a Temporal that does not answer.
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApi, type FullApiDependencies } from '../../src/api/server.js';
import { startConnect, startContinuousSyncs } from '../../src/client.js';
import { listAudit } from '../../src/db/repositories/audit-log.js';
import {
  createIntegration,
  failInitialSyncOf,
  findIntegration,
  updateIntegration,
  type Integration,
} from '../../src/db/repositories/integrations.js';
import { countLinks, saveProjectLink, saveWorkerLink } from '../../src/db/repositories/links.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { startProcoreSimulator, type ProcoreSimulator } from '../../src/simulators/procore/server.js';
import { connectWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal.js';
import { findLoopPosition } from '../../src/db/repositories/continuous-syncs.js';

const API_TOKEN = 'controls-test-api-token-0123456789';
const logger = createLogger('silent', 'test');
const taskQueue = uniqueTaskQueue('controls');

let t: TestDatabase;
let temporal: TestTemporal;
let sim: ProcoreSimulator;
let app: FastifyInstance;
const started: string[] = [];

const depsWith = (overrides: Partial<FullApiDependencies> = {}): FullApiDependencies => ({
  db: t.db,
  temporal: temporal.client,
  taskQueue,
  logger,
  clients: createExternalApiClients(
    { ...unreachableClientSettings, PROCORE_API_BASE_URL: sim.url, PROCORE_AUTH_BASE_URL: sim.url, PROCORE_CLIENT_ID: sim.clientId, PROCORE_CLIENT_SECRET: sim.clientSecret },
    logger,
  ),
  apiToken: API_TOKEN,
  ...overrides,
});

beforeAll(async () => {
  [t, temporal, sim] = await Promise.all([createTestDatabase(), connectTestTemporal(), startProcoreSimulator({ seed: 5 })]);
  app = await buildApi(depsWith());
});
afterAll(async () => {
  for (const id of started) await temporal?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await app?.close();
  await sim?.stop();
  await temporal?.close();
  await t?.drop();
});

let seq = 0;
/** An integration of a new account and a new simulated company, with its row set as `row` says. */
async function integrationIn(status: Integration['status'], row: Record<string, unknown> = {}): Promise<Integration> {
  const company = sim.state.addCompany({ name: `Company ${++seq}`, app_installed: true });
  const created = await createIntegration(t.db, { corfixAccountId: `acc_ctl_${seq}`, procoreCompanyId: String(company.id), ...TOGGLES_OFF });
  const initial = status === 'connecting' || status === 'initial_sync' ? {} : { initial_sync_state: 'completed' };
  await t.db('integrations').where({ id: created.id }).update({ status, ...initial, ...row });
  return (await findIntegration(t.db, created.id)) as Integration;
}

/** Starts the integration's two loops (no worker runs them), to see the signals they are sent. */
async function withLoops(integration: Integration): Promise<void> {
  await startContinuousSyncs(temporal.client, taskQueue, integration);
  started.push(userSyncWorkflowId(integration.id), projectSyncWorkflowId(integration.id));
}

const history = async (workflowId: string) => (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
const signalsOf = async (workflowId: string) =>
  (await history(workflowId)).flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : []));
const loopSignals = async (i: Integration) => ({
  users: await signalsOf(userSyncWorkflowId(i.id)),
  projects: await signalsOf(projectSyncWorkflowId(i.id)),
});

const send = (method: 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown, target = app) =>
  target.inject({
    method,
    url: `/v1/integrations/${path}`,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });

const audits = async (i: Integration) => (await listAudit(t.db, i.id)).map(({ actor, action, details }) => ({ actor, action, details }));

function expectRefused(response: { statusCode: number; json(): any }, status: number, code: string, message?: RegExp) {
  expect(response.statusCode).toBe(status);
  expect(response.json().error.code).toBe(code);
  if (message) expect(response.json().error.message).toMatch(message);
}

describe('PATCH settings', () => {
  test('changes the toggles sent, audits before and after, tells the loops; the same values again change nothing', async () => {
    const i = await integrationIn('active');
    await withLoops(i);
    const response = await send('PATCH', i.corfixAccountId, { sync_forms: true, auto_activate_workers: true });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      integration_id: i.id,
      status: 'active',
      settings: { sync_employees_only: false, auto_activate_workers: true, sync_forms: true },
      signalled: true,
    });
    const saved = await findIntegration(t.db, i.id);
    expect([saved?.syncEmployeesOnly, saved?.autoActivateWorkers, saved?.syncForms]).toEqual([false, true, true]);
    const before = { sync_employees_only: false, auto_activate_workers: false, sync_forms: false, adopt_existing: false };
    const after = { sync_employees_only: false, auto_activate_workers: true, sync_forms: true, adopt_existing: false };
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'change_settings', details: { before, after } }]);
    expect(await loopSignals(i)).toEqual({ users: ['settingsChanged'], projects: ['settingsChanged'] });

    const again = await send('PATCH', i.corfixAccountId, { sync_forms: true });
    expect(again.statusCode).toBe(200);
    expect(again.json().settings).toEqual(after);
    expect(await audits(i)).toHaveLength(1);
  });

  test.each([
    ['body', {}, /at least one of sync_employees_only, auto_activate_workers, sync_forms/],
    ['sync_forms', { sync_forms: 'yes' }, /boolean/],
    ['auto_activate_workers', { auto_activate_workers: null }, /boolean/],
    ['status', { sync_forms: true, status: 'active' }, /status/],
  ])('400 naming %s', async (field, body, message) => {
    const i = await integrationIn('active');
    const response = await send('PATCH', i.corfixAccountId, body);
    expectRefused(response, 400, 'invalid_request', message);
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    expect(await audits(i)).toEqual([]);
  });

  test('refused on a disconnected integration (409) and for an account never connected (404)', async () => {
    const i = await integrationIn('disconnected');
    expectRefused(await send('PATCH', i.corfixAccountId, { sync_forms: true }), 409, 'integration_disconnected', /disconnected; connect again/);
    expect((await findIntegration(t.db, i.id))?.syncForms).toBe(false);
    expectRefused(await send('PATCH', 'acc_never', { sync_forms: true }), 404, 'not_found');
  });
});

describe('pause', () => {
  test('active -> paused, audited, the loops told; pausing again is 200 and audits nothing more', async () => {
    const i = await integrationIn('active');
    await withLoops(i);
    const response = await send('POST', `${i.corfixAccountId}/pause`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'paused', signalled: true });
    expect((await findIntegration(t.db, i.id))?.status).toBe('paused');
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'pause', details: { from: 'active' } }]);
    expect(await loopSignals(i)).toEqual({ users: ['pause'], projects: ['pause'] });

    const again = await send('POST', `${i.corfixAccountId}/pause`);
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('paused');
    expect(await audits(i)).toHaveLength(1);
  });

  test('an integration in error after a completed first sync can be paused', async () => {
    const i = await integrationIn('error', { last_error: 'the app was removed', last_error_at: new Date(), sync_state: 'failed' });
    expect((await send('POST', `${i.corfixAccountId}/pause`)).json()).toMatchObject({ status: 'paused', signalled: true });
  });

  test.each(['connecting', 'initial_sync'] as const)('409 naming the status while %s', async (status) => {
    const i = await integrationIn(status);
    expectRefused(await send('POST', `${i.corfixAccountId}/pause`), 409, 'invalid_status', new RegExp(`that is ${status}: only active or error`));
    expect((await findIntegration(t.db, i.id))?.status).toBe(status);
    expect(await audits(i)).toEqual([]);
  });

  test('409 when the first sync failed (the account connects again), when disconnected; 404 when never connected', async () => {
    const failed = await integrationIn('error', { initial_sync_state: 'failed' });
    expectRefused(await send('POST', `${failed.corfixAccountId}/pause`), 409, 'initial_sync_failed', /must connect again/);
    const gone = await integrationIn('disconnected');
    expectRefused(await send('POST', `${gone.corfixAccountId}/pause`), 409, 'integration_disconnected');
    expectRefused(await send('POST', 'acc_never/pause'), 404, 'not_found');
  });
});

describe('resume', () => {
  test('paused -> active, the old problem cleared, the loops started and told; resuming again is 200 and audits nothing more', async () => {
    const i = await integrationIn('paused', {
      last_error: 'Procore answered 503',
      last_error_at: new Date(),
      sync_state: 'retrying',
      sync_state_since: new Date(),
      next_try_at: new Date(Date.now() + 60_000),
    });
    const response = await send('POST', `${i.corfixAccountId}/resume`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      status: 'active',
      last_error: null,
      sync_state: { state: 'ok', since: null, next_try_at: null },
      signalled: true,
    });
    started.push(userSyncWorkflowId(i.id), projectSyncWorkflowId(i.id));
    expect(await loopSignals(i)).toEqual({ users: ['resume'], projects: ['resume'] });
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'resume', details: { from: 'paused' } }]);

    const again = await send('POST', `${i.corfixAccountId}/resume`);
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('active');
    expect(await audits(i)).toHaveLength(1);
  });

  test('error after a completed first sync -> active', async () => {
    const i = await integrationIn('error', { last_error: 'the app was removed', last_error_at: new Date(), sync_state: 'failed', sync_state_since: new Date() });
    const response = await send('POST', `${i.corfixAccountId}/resume`);
    started.push(userSyncWorkflowId(i.id), projectSyncWorkflowId(i.id));
    expect(response.json()).toMatchObject({ status: 'active', last_error: null, sync_state: { state: 'ok' } });
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'resume', details: { from: 'error' } }]);
  });

  test('refused: a failed first sync (connect again), connecting, disconnected, never connected', async () => {
    const failed = await integrationIn('error', { initial_sync_state: 'failed', last_error: 'the account is gone', last_error_at: new Date() });
    expectRefused(
      await send('POST', `${failed.corfixAccountId}/resume`),
      409,
      'initial_sync_failed',
      /an integration whose initial sync failed must connect again/,
    );
    expect((await findIntegration(t.db, failed.id))?.lastError).toBe('the account is gone');
    const connecting = await integrationIn('connecting');
    expectRefused(await send('POST', `${connecting.corfixAccountId}/resume`), 409, 'invalid_status', /that is connecting/);
    const gone = await integrationIn('disconnected');
    expectRefused(await send('POST', `${gone.corfixAccountId}/resume`), 409, 'integration_disconnected');
    expectRefused(await send('POST', 'acc_never/resume'), 404, 'not_found');
  });
});

describe('resync', () => {
  test('active: 202, audited, the loops started and told', async () => {
    const i = await integrationIn('active');
    const response = await send('POST', `${i.corfixAccountId}/resync`);
    started.push(userSyncWorkflowId(i.id), projectSyncWorkflowId(i.id));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ status: 'active', signalled: true });
    expect(await loopSignals(i)).toEqual({ users: ['resync'], projects: ['resync'] });
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'resync', details: {} }]);
  });

  test.each(['paused', 'error', 'initial_sync'] as const)('409 while %s', async (status) => {
    const i = await integrationIn(status);
    expectRefused(await send('POST', `${i.corfixAccountId}/resync`), 409, 'invalid_status', new RegExp(`that is ${status}: only active`));
    expect(await audits(i)).toEqual([]);
  });
});

describe('DELETE (disconnect)', () => {
  test('disconnects, audits, tells the loops, removes the Procore hook, keeps the links; again: 200 and nothing more', async () => {
    const i = await integrationIn('active');
    const hook = sim.state.createHook(Number(i.procoreCompanyId), {
      namespace: 'corfix',
      api_version: 'v2',
      destination_url: 'https://integration.test/webhooks/procore',
      destination_headers: { Authorization: 'Bearer x' },
    });
    await t.db('integrations').where({ id: i.id }).update({ procore_hook_id: String(hook.id) });
    await saveProjectLink(t.db, { integrationId: i.id, procoreProjectId: '51', corfixProjectId: 'prj_1', lastProcoreActive: true, lastProcoreUpdatedAt: null, lastCorfixStatus: 'active' });
    await saveWorkerLink(t.db, {
      integrationId: i.id,
      procoreUserId: '61',
      corfixWorkerId: 'wrk_1',
      lastProcoreIsActive: true,
      lastProcoreIsEmployee: true,
      lastProcoreUpdatedAt: null,
      lastCorfixStatus: 'active',
    });
    await withLoops(i);
    expect((await app.inject({ method: 'GET', url: `/v1/integrations/${i.corfixAccountId}`, headers: { authorization: `Bearer ${API_TOKEN}` } })).json().webhooks).toEqual({ registered: true });

    const response = await send('DELETE', i.corfixAccountId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'disconnected', webhooks: { registered: false }, signalled: true });
    const saved = await findIntegration(t.db, i.id);
    expect(saved?.disconnectedAt).toBeInstanceOf(Date);
    expect(saved?.procoreHookId).toBeNull();
    expect(sim.state.hooksOf(Number(i.procoreCompanyId))).toEqual([]);
    expect(await countLinks(t.db, i.id)).toEqual({ projects: 1, workers: 1 });
    expect(await loopSignals(i)).toEqual({ users: ['disconnect'], projects: ['disconnect'] });
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'disconnect', details: { from: 'active' } }]);

    const again = await send('DELETE', i.corfixAccountId);
    expect(again.statusCode).toBe(200);
    expect(again.json().status).toBe('disconnected');
    expect(await audits(i)).toHaveLength(1);
    expectRefused(await send('DELETE', 'acc_never'), 404, 'not_found');
  });

  test('while connecting: the connect workflow is asked to cancel, and what it records as it ends cannot undo the disconnect', async () => {
    const i = await integrationIn('initial_sync');
    await startConnect(temporal.client, taskQueue, i);
    started.push(connectWorkflowId(i.id));
    const response = await send('DELETE', i.corfixAccountId);
    expect(response.json()).toMatchObject({ status: 'disconnected', signalled: true });
    const events = await history(connectWorkflowId(i.id));
    expect(events.some((e) => e.workflowExecutionCancelRequestedEventAttributes)).toBe(true);
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'disconnect', details: { from: 'initial_sync' } }]);
    // What the connect's activities write as it ends (no worker runs it here): cancelled, or completed just before.
    await failInitialSyncOf(t.db, i.id, 'The initial sync was cancelled before it finished; connect again to start over');
    await updateIntegration(t.db, i.id, { status: 'active' });
    expect(await findIntegration(t.db, i.id)).toMatchObject({ status: 'disconnected', lastError: null, initialSyncState: null });
  });

  test('a Procore that cannot remove the hook does not fail the disconnect: the hook stays known, the failure is logged', async () => {
    const i = await integrationIn('active', { procore_hook_id: '123456' });
    const lines: string[] = [];
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const offline = await buildApi(depsWith({ clients: createExternalApiClients(unreachableClientSettings, logger), logger: captured }));
    try {
      const response = await send('DELETE', i.corfixAccountId, undefined, offline);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ status: 'disconnected', webhooks: { registered: true }, signalled: true });
      const warning = lines.map((l) => JSON.parse(l)).find((l) => /Procore hook/.test(l.msg));
      expect(warning).toMatchObject({ integrationId: i.id, hookId: '123456' });
    } finally {
      await offline.close();
    }
  });
});

test('a Temporal that does not answer: the change is saved and audited, the answer says it was not signalled, within the bound', async () => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
  const stalled = await buildApi(depsWith({ temporal: new Client({ connection }) }));
  try {
    const [toPause, toDisconnect, toResync] = [await integrationIn('active'), await integrationIn('active'), await integrationIn('active')];
    const begun = Date.now();
    const [paused, disconnected, resynced] = await Promise.all([
      send('POST', `${toPause.corfixAccountId}/pause`, undefined, stalled),
      send('DELETE', toDisconnect.corfixAccountId, undefined, stalled),
      send('POST', `${toResync.corfixAccountId}/resync`, undefined, stalled),
    ]);
    expect(Date.now() - begun).toBeLessThan(5_000);
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ status: 'paused', signalled: false });
    expect(disconnected.statusCode).toBe(200);
    expect(disconnected.json()).toMatchObject({ status: 'disconnected', signalled: false });
    expect((await findIntegration(t.db, toPause.id))?.status).toBe('paused');
    expect((await findIntegration(t.db, toDisconnect.id))?.status).toBe('disconnected');
    expect((await audits(toPause)).map((a) => a.action)).toEqual(['pause']);
    expect((await audits(toDisconnect)).map((a) => a.action)).toEqual(['disconnect']);
    // The resync stands in Postgres: the loops read it at their next run (test/workflows/continuous-sync.test.ts).
    expect(resynced.json()).toMatchObject({ status: 'active', signalled: false });
    expect((await findLoopPosition(t.db, toResync.id, 'users'))?.resyncRequestedAt).toBeInstanceOf(Date);
    expect((await audits(toResync)).map((a) => a.action)).toEqual(['resync']);
  } finally {
    await stalled.close();
    await connection.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test('GET shows the continuous syncs’ cursors and whether a hook is registered', async () => {
  const i = await integrationIn('active', {
    users_synced_until: new Date('2026-11-29T10:00:00Z'),
    users_reconciled_at: new Date('2026-11-28T02:00:00Z'),
    projects_synced_until: new Date('2026-11-29T10:05:00Z'),
  });
  const response = await app.inject({ method: 'GET', url: `/v1/integrations/${i.corfixAccountId}`, headers: { authorization: `Bearer ${API_TOKEN}` } });
  expect(response.json()).toMatchObject({
    continuous: {
      users: { synced_until: '2026-11-29T10:00:00.000Z', reconciled_at: '2026-11-28T02:00:00.000Z' },
      projects: { synced_until: '2026-11-29T10:05:00.000Z', reconciled_at: null },
    },
    webhooks: { registered: false },
  });
});
