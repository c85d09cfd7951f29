// /v1/integrations/{account}/forms/{form_id} against a real Postgres and
// Temporal (the sync harness; no worker runs on its task queue, so a
// FormUploadWithRetry started here stays as signalWithStart left it): how a
// form's upload stands, and an operator's retry, its refusals, its audit row,
// and a Temporal that does not answer, after which the reconciler's hand-over
// delivers the retry.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { listAudit } from '../../src/db/repositories/audit-log.js';
import { recordFormFailed, recordFormRetrying, recordUploaded } from '../../src/db/repositories/form-links.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { createLogger } from '../../src/logger.js';
import { handOverWaitingFormEvents } from '../../src/temporal/hand-over-form-events.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { API_TOKEN, CORFIX_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const logger = createLogger('silent', 'test');
let h: SyncHarness;
/** Sync Forms on, active */
let on: Integration;
/** Sync Forms off, active */
let off: Integration;
/** Sync Forms on, disconnected */
let gone: Integration;
const started = new Set<string>();

let seq = 0;
async function integration(syncForms: boolean, status: Integration['status']): Promise<Integration> {
  seq += 1;
  const created = await createIntegration(h.t.db, {
    corfixAccountId: `acc_forms_${seq}`,
    procoreCompanyId: String(4_400_000_400 + seq),
    syncEmployeesOnly: false,
    autoActivateWorkers: false,
    syncForms,
  });
  await updateIntegration(h.t.db, created.id, { status, initialSyncState: 'completed' });
  return created;
}

beforeAll(async () => {
  h = await startSyncHarness({ name: 'forms-api', corfixAccounts: [] });
  on = await integration(true, 'active');
  off = await integration(false, 'active');
  gone = await integration(true, 'disconnected');
});
afterAll(async () => {
  if (h) for (const id of started) await h.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await h?.stop();
});

const auth = { authorization: `Bearer ${API_TOKEN}` };
const getForm = (account: string, formId: string, target?: FastifyInstance) =>
  (target ?? h.api).inject({ method: 'GET', url: `/v1/integrations/${account}/forms/${formId}`, headers: auth });
const retry = (account: string, formId: string, target?: FastifyInstance) =>
  (target ?? h.api).inject({ method: 'POST', url: `/v1/integrations/${account}/forms/${formId}/retry`, headers: auth });

let formSeq = 0;
const newFormId = () => `frm_${++formSeq}_${Date.now().toString(36)}`;

/** Corfix announces a revision of a form (the harness API's POST /webhooks/corfix). */
async function announce(i: Integration, formId: string, revision: number): Promise<void> {
  const raw = JSON.stringify({
    event_id: `evt_${randomUUID()}`,
    event_type: 'form.completed',
    account_id: i.corfixAccountId,
    form_id: formId,
    project_id: 'prj_site_a',
    revision,
    occurred_at: '2026-11-27T18:00:00Z',
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const response = await h.api.inject({
    method: 'POST',
    url: '/webhooks/corfix',
    headers: { 'content-type': 'application/json', 'corfix-timestamp': String(timestamp), 'corfix-signature': signCorfixWebhook(CORFIX_WEBHOOK_SECRET, timestamp, raw) },
    payload: raw,
  });
  expect(response.json()).toEqual({ received: true, duplicate: false, queued: false });
  started.add(formUploadWorkflowId(i.id, formId));
}

function expectRefused(response: { statusCode: number; json(): any }, status: number, code: string, message?: RegExp) {
  expect(response.statusCode).toBe(status);
  expect(response.json()).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  if (message) expect(response.json().error.message).toMatch(message);
}

const audits = async (i: Integration) => (await listAudit(h.t.db, i.id)).map(({ actor, action, details }) => ({ actor, action, details }));
const retryRows = (i: Integration) =>
  h.t.db('webhook_events').where({ source: 'corfix', integration_id: i.id, event_type: 'form.retry' }).orderBy('id').select('event_id', 'payload', 'processed_at', 'received_at');

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(h.temporal.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}
async function historyOf(workflowId: string) {
  const events = (await h.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return {
    first: events.slice(0, 2).map((e) => proto.api.enums.v1.EventType[e.eventType ?? 0]),
    signals: events.flatMap((e) => (e.workflowExecutionSignaledEventAttributes?.signalName ? [e.workflowExecutionSignaledEventAttributes.signalName] : [])),
    starts: events.filter((e) => e.workflowExecutionStartedEventAttributes).length,
  };
}

describe('GET .../forms/{form_id}', () => {
  test('404 for an account never connected', async () => {
    expectRefused(await getForm('acc_never_connected', 'frm_1'), 404, 'not_found', /Corfix account acc_never_connected has never been connected/);
  });

  test('404 for a form never announced', async () => {
    expectRefused(await getForm(on.corfixAccountId, 'frm_never_announced'), 404, 'not_found', /form frm_never_announced has not been announced/);
  });

  test.each([
    ['form_id', 'starting with a dash', '-frm'],
    ['form_id', 'with a slash', 'frm%2F1'],
    ['form_id', 'with a space', 'frm%201'],
    ['form_id', 'with a non-ASCII letter', 'frm_%C3%A9'],
    ['form_id', 'of 256 characters', 'f'.repeat(256)],
    ['corfix_account_id', 'an account id with a colon', 'acc%3A1'],
    ['corfix_account_id', 'an account id of 256 characters', 'a'.repeat(256)],
  ])('400 naming %s (%s)', async (field, _case, id) => {
    const [account, formId] = field === 'form_id' ? [on.corfixAccountId, id] : [id, 'frm_1'];
    const response = await getForm(account, formId);
    expectRefused(response, 400, 'invalid_request');
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    expect(response.json().error.message).toContain(field);
  });

  test('ids of 255 characters are valid: a form id (404: not announced), an account id (404: never connected)', async () => {
    expectRefused(await getForm(on.corfixAccountId, 'f'.repeat(255)), 404, 'not_found', /has not been announced/);
    expectRefused(await getForm('a'.repeat(255), 'frm_1'), 404, 'not_found', /has never been connected/);
    expectRefused(await retry('a'.repeat(255), 'f'.repeat(255)), 404, 'not_found', /has never been connected/);
  });

  test('a form of 255 characters announced by Corfix can be looked up and retried', async () => {
    const formId = `frm_${'x'.repeat(251)}`;
    await announce(on, formId, 1);
    expect((await getForm(on.corfixAccountId, formId)).json()).toMatchObject({ form_id: formId, state: 'pending' });
    expect((await retry(on.corfixAccountId, formId)).json()).toEqual({ form_id: formId, workflow_id: formUploadWorkflowId(on.id, formId), signalled: true });
  });

  test('wants the API token', async () => {
    const response = await h.api.inject({ method: 'GET', url: `/v1/integrations/${on.corfixAccountId}/forms/frm_1` });
    expectRefused(response, 401, 'unauthorized');
  });

  test('the shape once a form is announced, then as its upload goes: retrying, uploaded, failed', async () => {
    const formId = newFormId();
    await announce(on, formId, 3);
    const workflowId = `form-upload/${on.id}/${formId}`;
    const pending = await getForm(on.corfixAccountId, formId);
    expect(pending.statusCode).toBe(200);
    expect(pending.json()).toEqual({
      form_id: formId,
      state: 'pending',
      latest_revision: 3,
      uploaded_revision: null,
      procore: { project_id: null, folder_id: null, file_id: null, file_name: null, versions: null },
      last_error: null,
      next_try_at: null,
      failed_at: null,
      workflow_id: workflowId,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const nextTry = new Date('2026-12-01T08:00:00.000Z');
    await recordFormRetrying(h.t.db, { integrationId: on.id, corfixFormId: formId, message: 'Procore answered 503', nextTryAt: nextTry });
    expect((await getForm(on.corfixAccountId, formId)).json()).toMatchObject({
      state: 'retrying',
      last_error: 'Procore answered 503',
      next_try_at: nextTry.toISOString(),
      failed_at: null,
    });

    await recordUploaded(h.t.db, {
      integrationId: on.id,
      corfixFormId: formId,
      procoreProjectId: '5100000001',
      procoreFolderId: '9100000001',
      procoreFileId: '9200000001',
      procoreFileName: 'Daily Hazard 2026-11-27 (1).pdf',
      procoreVersionCount: 1,
      revision: 3,
      reason: 'uploaded',
    });
    expect((await getForm(on.corfixAccountId, formId)).json()).toEqual({
      form_id: formId,
      state: 'uploaded',
      latest_revision: 3,
      uploaded_revision: 3,
      procore: { project_id: '5100000001', folder_id: '9100000001', file_id: '9200000001', file_name: 'Daily Hazard 2026-11-27 (1).pdf', versions: 1 },
      last_error: null,
      next_try_at: null,
      failed_at: null,
      workflow_id: workflowId,
      updated_at: expect.any(String),
    });

    // A newer revision announced: pending again, the uploaded one still shown.
    await announce(on, formId, 4);
    expect((await getForm(on.corfixAccountId, formId)).json()).toMatchObject({ state: 'pending', latest_revision: 4, uploaded_revision: 3 });

    await recordFormFailed(h.t.db, { integrationId: on.id, corfixFormId: formId, message: 'Procore refused the upload (403)' });
    const failed = (await getForm(on.corfixAccountId, formId)).json();
    expect(failed).toMatchObject({ state: 'failed', last_error: 'Procore refused the upload (403)', next_try_at: null, uploaded_revision: 3 });
    expect(new Date(failed.failed_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  test("a disconnected integration's forms are still shown", async () => {
    const i = await integration(true, 'active');
    const formId = newFormId();
    await announce(i, formId, 1);
    await updateIntegration(h.t.db, i.id, { status: 'disconnected' });
    expect((await getForm(i.corfixAccountId, formId)).json()).toMatchObject({ form_id: formId, state: 'pending', latest_revision: 1 });
  });
});

describe('POST .../forms/{form_id}/retry', () => {
  test('404 for an account never connected: nothing audited, nothing recorded', async () => {
    const before = await h.t.db('audit_log').count<{ count: string }[]>('* as count');
    expectRefused(await retry('acc_never_connected', 'frm_1'), 404, 'not_found', /never been connected/);
    expect(await h.t.db('audit_log').count<{ count: string }[]>('* as count')).toEqual(before);
  });

  test('409 integration_disconnected: nothing audited, no workflow', async () => {
    const formId = newFormId();
    expectRefused(await retry(gone.corfixAccountId, formId), 409, 'integration_disconnected', /is disconnected; connect again/);
    expect(await audits(gone)).toEqual([]);
    expect(await retryRows(gone)).toEqual([]);
    await expectNoWorkflow(formUploadWorkflowId(gone.id, formId));
  });

  test('409 sync_forms_off: nothing audited, no workflow', async () => {
    const formId = newFormId();
    expectRefused(await retry(off.corfixAccountId, formId), 409, 'sync_forms_off', /Sync Forms to Procore is off/);
    expect(await audits(off)).toEqual([]);
    expect(await retryRows(off)).toEqual([]);
    await expectNoWorkflow(formUploadWorkflowId(off.id, formId));
  });

  test('400 naming form_id for a bad form id', async () => {
    const response = await retry(on.corfixAccountId, '-frm');
    expectRefused(response, 400, 'invalid_request');
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['form_id']);
  });

  test('202 signalled: audited (retry_form), the form workflow started by signalWithStart with the retry; each retry is audited and signalled', async () => {
    const i = await integration(true, 'active');
    const formId = newFormId();
    const workflowId = formUploadWorkflowId(i.id, formId);
    started.add(workflowId);
    const response = await retry(i.corfixAccountId, formId);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ form_id: formId, workflow_id: `form-upload/${i.id}/${formId}`, signalled: true });
    expect(await audits(i)).toEqual([{ actor: 'api', action: 'retry_form', details: { form_id: formId } }]);
    const described = await h.temporal.client.workflow.getHandle(workflowId).describe();
    expect(described).toMatchObject({ type: 'FormUploadWithRetry', taskQueue: h.taskQueue, status: { name: 'RUNNING' } });
    expect(await historyOf(workflowId)).toEqual({
      first: ['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED'],
      signals: ['retry'],
      starts: 1,
    });
    const rows = await retryRows(i);
    expect(rows).toEqual([expect.objectContaining({ event_id: expect.stringMatching(/^retry:/), payload: { form_id: formId, revision: 0 }, processed_at: expect.any(Date) })]);

    const again = await retry(i.corfixAccountId, formId);
    expect(again.json()).toEqual({ form_id: formId, workflow_id: workflowId, signalled: true });
    expect((await audits(i)).map((a) => a.action)).toEqual(['retry_form', 'retry_form']);
    expect(await historyOf(workflowId)).toMatchObject({ signals: ['retry', 'retry'], starts: 1 });
  });

  test("a retry of an announced form signals the form's running workflow", async () => {
    const formId = newFormId();
    await announce(on, formId, 2);
    const response = await retry(on.corfixAccountId, formId);
    expect(response.json()).toMatchObject({ signalled: true });
    expect(await historyOf(formUploadWorkflowId(on.id, formId))).toMatchObject({ signals: ['formChanged', 'retry'], starts: 1 });
  });

  describe('a Temporal that does not answer', () => {
    let silent: net.Server;
    const sockets = new Set<net.Socket>();
    let connection: Connection;
    let stalled: FastifyInstance;

    beforeAll(async () => {
      // Accepts connections and never answers: every Temporal call hangs until its deadline.
      silent = net.createServer((socket) => void sockets.add(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      connection = Connection.lazy({ address: `127.0.0.1:${(silent.address() as net.AddressInfo).port}` });
      stalled = await buildApi({
        db: h.t.db,
        temporal: new Client({ connection }),
        taskQueue: h.taskQueue,
        logger,
        clients: h.clients,
        apiToken: API_TOKEN,
        corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
      });
    });
    afterAll(async () => {
      await stalled?.close();
      await connection?.close();
      for (const socket of sockets) socket.destroy();
      silent?.close();
    });

    const backdate = (i: Integration) =>
      h.t.db('webhook_events').where({ integration_id: i.id, source: 'corfix' }).whereNull('processed_at').update({ received_at: h.t.db.raw(`now() - interval '1 minute'`) });

    test('202 signalled false, audited, the retry waits in the inbox; the hand-over then starts the workflow with it', async () => {
      const i = await integration(true, 'active');
      const formId = newFormId();
      const workflowId = formUploadWorkflowId(i.id, formId);
      started.add(workflowId);
      const begun = Date.now();
      const response = await retry(i.corfixAccountId, formId, stalled);
      expect(Date.now() - begun).toBeLessThan(5_000);
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ form_id: formId, workflow_id: workflowId, signalled: false });
      expect(await audits(i)).toEqual([{ actor: 'api', action: 'retry_form', details: { form_id: formId } }]);
      expect(await retryRows(i)).toEqual([expect.objectContaining({ payload: { form_id: formId, revision: 0 }, processed_at: null })]);
      await expectNoWorkflow(workflowId);

      // Within its grace period the retry is left alone; once older, the reconciler's hand-over delivers it.
      await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      await expectNoWorkflow(workflowId);
      await backdate(i);
      const handed = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(handed).toMatchObject({ failed: 0 });
      expect(handed.handedOver).toBeGreaterThanOrEqual(1);
      expect(await historyOf(workflowId)).toEqual({
        first: ['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED'],
        signals: ['retry'],
        starts: 1,
      });
      expect((await retryRows(i))[0]?.processed_at).toBeInstanceOf(Date);

      // Handed over once: another pass changes nothing.
      await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect((await historyOf(workflowId)).signals).toEqual(['retry']);
    });

    test('a waiting retry whose integration was disconnected meanwhile is dropped by the hand-over, without a workflow', async () => {
      const i = await integration(true, 'active');
      const formId = newFormId();
      expect((await retry(i.corfixAccountId, formId, stalled)).json()).toMatchObject({ signalled: false });
      await updateIntegration(h.t.db, i.id, { status: 'disconnected' });
      await backdate(i);
      const handed = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(handed.dropped).toBeGreaterThanOrEqual(1);
      await expectNoWorkflow(formUploadWorkflowId(i.id, formId));
      expect((await retryRows(i))[0]?.processed_at).toBeInstanceOf(Date);
    });
  });
});

test('the OpenAPI document describes the form routes and the Corfix webhook', async () => {
  const paths = (await h.api.inject({ method: 'GET', url: '/openapi.json' })).json().paths;
  expect(Object.keys(paths['/v1/integrations/{corfix_account_id}/forms/{form_id}'].get.responses)).toEqual(expect.arrayContaining(['200', '404']));
  expect(Object.keys(paths['/v1/integrations/{corfix_account_id}/forms/{form_id}/retry'].post.responses)).toEqual(
    expect.arrayContaining(['202', '404', '409']),
  );
  expect(Object.keys(paths['/webhooks/corfix'].post.responses).sort()).toEqual(['200', '400', '401', '404', '413']);
});
