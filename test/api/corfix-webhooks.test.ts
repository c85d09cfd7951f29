// POST /webhooks/corfix against a real Postgres and Temporal (the sync
// harness; no worker runs on its task queue, so a FormUploadWithRetry the
// route starts stays as signalWithStart left it): the signature over the raw
// bytes and its 300 s window, the JSON, the schema, the account, the inbox
// (once per event_id), Sync Forms off, and a Temporal that does not answer,
// after which the reconciler's hand-over delivers the event.
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { temporal as proto } from '@temporalio/proto';
import { pino } from 'pino';
import { buildApi } from '../../src/api/server.js';
import { signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { createLogger } from '../../src/logger.js';
import { handOverWaitingFormEvents } from '../../src/temporal/hand-over-form-events.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import { API_TOKEN, CORFIX_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const logger = createLogger('silent', 'test');
const ACCOUNT_ON = 'acc_forms_on';
let h: SyncHarness;
/** Sync Forms on, active */
let on: Integration;
/** Sync Forms off, active */
let off: Integration;
/** Sync Forms on, disconnected */
let gone: Integration;

async function integration(account: string, company: string, syncForms: boolean, status: Integration['status']): Promise<Integration> {
  const created = await createIntegration(h.t.db, { corfixAccountId: account, procoreCompanyId: company, syncEmployeesOnly: false, autoActivateWorkers: false, syncForms });
  await updateIntegration(h.t.db, created.id, { status, initialSyncState: 'completed' });
  return created;
}

beforeAll(async () => {
  h = await startSyncHarness({ name: 'corfix-webhooks', corfixAccounts: [] });
  on = await integration(ACCOUNT_ON, '4400000201', true, 'active');
  off = await integration('acc_forms_off', '4400000202', false, 'active');
  gone = await integration('acc_forms_gone', '4400000203', true, 'disconnected');
});
afterAll(async () => {
  if (h) for (const id of await formWorkflows()) await h.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await h?.stop();
});

let seq = 0;
/** A delivery as Corfix sends it, for the Sync-Forms-on account, a form of its own, with `changes` applied. */
const event = (changes: Record<string, unknown> = {}) => ({
  event_id: `evt_${randomUUID()}`,
  event_type: 'form.completed',
  account_id: ACCOUNT_ON,
  form_id: `frm_${++seq}_${randomUUID().slice(0, 8)}`,
  project_id: 'prj_site_a',
  revision: 3,
  occurred_at: '2026-11-27T18:00:00Z',
  ...changes,
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Delivery {
  /** the bytes sent (a string as UTF-8) */
  raw: string | Buffer;
  /** the bytes signed, when not `raw` */
  signed?: string | Buffer;
  timestamp?: number | string | null;
  signature?: string | null;
  secret?: string;
  contentType?: string | null;
  target?: FastifyInstance;
}

/** Signed over the bytes sent unless told otherwise; `null` leaves a header out. */
function deliver(d: Delivery) {
  const timestamp = d.timestamp === undefined ? nowSeconds() : d.timestamp;
  const signature =
    d.signature !== undefined ? d.signature : timestamp === null ? null : signCorfixWebhook(d.secret ?? CORFIX_WEBHOOK_SECRET, Number(timestamp), d.signed ?? d.raw);
  const headers: Record<string, string> = {};
  if (d.contentType !== null) headers['content-type'] = d.contentType ?? 'application/json';
  if (timestamp !== null) headers['corfix-timestamp'] = String(timestamp);
  if (signature !== null) headers['corfix-signature'] = signature;
  return (d.target ?? h.api).inject({ method: 'POST', url: '/webhooks/corfix', headers, payload: d.raw });
}
const deliverEvent = (body: object, target?: FastifyInstance) => deliver({ raw: JSON.stringify(body), ...(target ? { target } : {}) });

const inboxRows = (eventId: string) =>
  h.t.db('webhook_events').where({ source: 'corfix', event_id: eventId }).select('integration_id', 'event_type', 'payload', 'processed_at');

const formWorkflowId = (formId: string, i: Integration = on) => formUploadWorkflowId(i.id, formId);

/** The FormUploadWithRetry workflows of this file's task queue (visibility: may lag a moment behind a start). */
async function formWorkflows(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query: `WorkflowType = 'FormUploadWithRetry' AND TaskQueue = '${h.taskQueue}'` })) {
    ids.push(w.workflowId);
  }
  return ids.sort();
}

async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(h.temporal.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The history's event types up to the first workflow task, and the signals with their inputs. */
async function historyOf(workflowId: string) {
  const events = (await h.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const signals = events.flatMap((e) => {
    const a = e.workflowExecutionSignaledEventAttributes;
    if (!a) return [];
    const input = (a.input?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data ?? new Uint8Array()).toString('utf8')) as unknown);
    return [{ name: a.signalName, input }];
  });
  const typeName = (e: (typeof events)[number]) => proto.api.enums.v1.EventType[e.eventType ?? 0];
  return { first: events.slice(0, 2).map(typeName), signals, events };
}

/** A refusal: the status, the API's error format, nothing in the inbox, no workflow for the form. */
async function expectRefused(
  response: { statusCode: number; json(): any },
  status: number,
  code: string,
  body: { event_id?: unknown; form_id?: unknown },
): Promise<void> {
  expect(response.statusCode).toBe(status);
  const json = response.json();
  expect(json).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(Object.keys(json.error).every((k) => ['code', 'message', 'fields'].includes(k))).toBe(true);
  if (typeof body.event_id === 'string') expect(await inboxRows(body.event_id)).toEqual([]);
  if (typeof body.form_id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(body.form_id)) await expectNoWorkflow(formWorkflowId(body.form_id));
}

describe('the signature (401, before the body is read; nothing recorded, nothing started)', () => {
  test.each([
    ['signed with another secret', { secret: 'not-the-corfix-webhook-secret' }, 'does not match'],
    ['a signature of zeros', { signature: `v1=${'0'.repeat(64)}` }, 'does not match'],
    ['a truncated signature', { signature: 'v1=abcdef' }, 'does not match'],
    ['no Corfix-Signature', { signature: null }, 'Corfix-Signature header is missing'],
    ['an empty Corfix-Signature', { signature: '' }, 'Corfix-Signature header is missing'],
    ['no Corfix-Timestamp', { timestamp: null, signature: `v1=${'a'.repeat(64)}` }, 'Corfix-Timestamp header is missing'],
    ['neither header', { timestamp: null, signature: null }, 'Corfix-Timestamp header is missing'],
    ['a timestamp in milliseconds', { timestamp: Date.now() }, 'not unix seconds'],
    ['an ISO timestamp', { timestamp: new Date().toISOString() }, 'not unix seconds'],
    ['a negative timestamp', { timestamp: '-5' }, 'not unix seconds'],
  ] as Array<[string, Partial<Delivery>, string]>)('%s', async (_case, change, message) => {
    const body = event();
    const response = await deliver({ raw: JSON.stringify(body), ...change });
    await expectRefused(response, 401, 'invalid_signature', body);
    expect(response.json().error.message).toContain(message);
  });

  test('the right HMAC under another scheme or none is refused; during a rotation the right one among two is accepted', async () => {
    const body = event();
    const raw = JSON.stringify(body);
    const timestamp = nowSeconds();
    const hex = signCorfixWebhook(CORFIX_WEBHOOK_SECRET, timestamp, raw).slice('v1='.length);
    for (const signature of [`v2=${hex}`, hex, `V1=${hex}`, `v1=${hex}0`]) {
      await expectRefused(await deliver({ raw, timestamp, signature }), 401, 'invalid_signature', body);
    }
    const rotated = `${signCorfixWebhook('the-old-corfix-webhook-secret', timestamp, raw)}, v1=${hex}`;
    expect((await deliver({ raw, timestamp, signature: rotated })).json()).toEqual({ received: true, duplicate: false, queued: false });
  });

  test.each([
    // (the future one with a few seconds to spare: the server reads its clock a moment after the test)
    ['301 s in the past', -301],
    ['305 s in the future', 305],
    ['an hour in the past', -3600],
    ['a day in the future', 86_400],
  ])('a correctly signed timestamp %s is stale', async (_case, offset) => {
    const body = event();
    const response = await deliver({ raw: JSON.stringify(body), timestamp: nowSeconds() + offset });
    await expectRefused(response, 401, 'invalid_signature', body);
    expect(response.json().error.message).toBe('the Corfix-Timestamp is more than 300 s from now');
  });

  test.each([
    ['290 s in the past', -290],
    ['290 s in the future', 290],
  ])('a timestamp %s is within the window (the account is unknown: 404 shows the signature passed)', async (_case, offset) => {
    const body = event({ account_id: 'acc_never_connected' });
    const response = await deliver({ raw: JSON.stringify(body), timestamp: nowSeconds() + offset });
    await expectRefused(response, 404, 'unknown_account', body);
  });

  test('a bad signature is refused before the JSON and the schema are looked at', async () => {
    for (const raw of ['{"event_id":', JSON.stringify({ revision: 'x' }), '']) {
      const response = await deliver({ raw, secret: 'another-secret' });
      await expectRefused(response, 401, 'invalid_signature', {});
    }
  });

  describe('over the raw bytes: the same JSON serialised differently fails', () => {
    const body = event();
    const compact = JSON.stringify(body);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()));
    const pretty = JSON.stringify(body, null, 2);
    test.each([
      ['signed compact, sent pretty-printed', pretty, compact],
      ['signed pretty-printed, sent compact', compact, pretty],
      ['signed compact, sent with its keys reordered', reordered, compact],
      ['signed compact, sent with a trailing newline', `${compact}\n`, compact],
      ['signed compact, sent with a \\u escape for a letter', compact.replace('"form.completed"', '"form.\\u0063ompleted"'), compact],
      ['signed as UTF-8, sent as UTF-16', Buffer.from(compact, 'utf16le'), compact],
    ])('%s', async (_case, sent, signed) => {
      expect(JSON.parse(Buffer.isBuffer(sent) ? compact : sent)).toEqual(body);
      await expectRefused(await deliver({ raw: sent, signed }), 401, 'invalid_signature', body);
    });

    test('the same differently serialised bytes, signed as sent, are accepted', async () => {
      const fancy = event();
      const raw = `\n  ${JSON.stringify(Object.fromEntries(Object.entries(fancy).reverse()), null, '\t')}  \n`;
      const response = await deliver({ raw });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ received: true, duplicate: false, queued: false });
      expect(await inboxRows(fancy.event_id)).toHaveLength(1);
    });
  });
});

describe('the body (400 in the API error format; nothing recorded, nothing started)', () => {
  test.each([
    ['a cut-off object', '{"event_id":"evt_1","revision":'],
    ['not JSON at all', 'event_id=evt_1&revision=3'],
    ['JSON with a trailing comma', '{"event_id":"evt_1",}'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b, 0x00])],
  ])('malformed JSON (%s): invalid_json', async (_case, raw) => {
    const response = await deliver({ raw });
    await expectRefused(response, 400, 'invalid_json', {});
    expect(response.json().error.message).toBe('the body is not valid JSON');
  });

  test.each([
    ['revision', { revision: 0 }],
    ['revision', { revision: -1 }],
    ['revision', { revision: 2.5 }],
    ['revision', { revision: '3' }],
    ['revision', { revision: null }],
    ['revision', { revision: undefined }],
    ['revision', { revision: 2_147_483_648 }],
    ['event_id', { event_id: '' }],
    ['event_id', { event_id: 42 }],
    ['event_id', { event_id: 'e'.repeat(256) }],
    ['event_type', { event_type: 'form.deleted' }],
    ['account_id', { account_id: '' }],
    ['account_id', { account_id: '../acc' }],
    ['form_id', { form_id: 'frm/1' }],
    ['form_id', { form_id: '-frm' }],
    ['project_id', { project_id: 7 }],
    ['occurred_at', { occurred_at: 'yesterday' }],
    ['occurred_at', { occurred_at: '2026-11-27 18:00' }],
  ])('400 naming %s', async (field, changes) => {
    const body = event(changes);
    const response = await deliverEvent(body);
    await expectRefused(response, 400, 'invalid_request', body);
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toContain(field);
    expect(response.json().error.message).toContain(field);
  });

  test.each([
    ['null', 'null'],
    ['an array', JSON.stringify([event()])],
    ['a string', JSON.stringify(JSON.stringify(event()))],
    ['a number', '3'],
    ['an empty body', ''],
  ])('not an object (%s): 400 invalid_request', async (_case, raw) => {
    const response = await deliver({ raw });
    await expectRefused(response, 400, 'invalid_request', {});
    expect(response.json().error.fields.length).toBeGreaterThan(0);
  });

  test('a revision beyond 2^53 as a JSON number: 400 naming revision, not rounded', async () => {
    const body = event();
    const raw = JSON.stringify(body).replace('"revision":3', '"revision":9007199254740993');
    const response = await deliver({ raw });
    await expectRefused(response, 400, 'invalid_request', body);
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['revision']);
  });

  test('an event_id Postgres cannot store (a NUL character): 400 naming event_id', async () => {
    const body = event({ event_id: 'evt_\u0000_1' });
    const response = await deliverEvent(body);
    await expectRefused(response, 400, 'invalid_request', { form_id: body.form_id });
    expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['event_id']);
  });

  test('event_ids with lone surrogates (which Postgres would store as the same replacement character) are refused, not merged into one event', async () => {
    const stem = `evt_${randomUUID()}_`;
    for (const eventId of [`${stem}\ud800`, `${stem}\udfff`, `\ud83d${stem}`]) {
      const body = event({ event_id: eventId });
      const response = await deliverEvent(body);
      expect(response.statusCode).toBe(400);
      expect(response.json().error.fields.map((f: { field: string }) => f.field)).toEqual(['event_id']);
      await expectNoWorkflow(formWorkflowId(body.form_id));
    }
    expect(await h.t.db('webhook_events').whereLike('event_id', `%${stem}%`)).toEqual([]);
  });

  test('an event_id with any other character, an emoji included, is accepted as given', async () => {
    const body = event({ event_id: `evt_${randomUUID()}_é_😀_\t "quoted" \\` });
    expect((await deliverEvent(body)).json()).toEqual({ received: true, duplicate: false, queued: false });
    expect(await inboxRows(body.event_id)).toHaveLength(1);
  });
});

describe('the account', () => {
  test.each([
    ['never connected', 'acc_never_connected'],
    ['disconnected', 'acc_forms_gone'],
  ])('%s: 404 unknown_account, nothing recorded, nothing started', async (_case, account) => {
    const body = event({ account_id: account });
    const response = await deliverEvent(body);
    await expectRefused(response, 404, 'unknown_account', body);
    expect(response.json().error.message).toBe('no live integration for this Corfix account');
    await expectNoWorkflow(formWorkflowId(body.form_id, gone));
  });
});

describe('a good delivery', () => {
  test('200, recorded once (ids only), the form noted, its workflow started by signalWithStart; a redelivery is a duplicate and starts nothing', async () => {
    const body = event({ some_field_corfix_added: { nested: true } });
    const response = await deliverEvent(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, duplicate: false, queued: false });
    expect(await inboxRows(body.event_id)).toEqual([
      {
        integration_id: on.id,
        event_type: 'form.completed',
        payload: { form_id: body.form_id, project_id: 'prj_site_a', revision: 3 },
        processed_at: expect.any(Date),
      },
    ]);

    const workflowId = `form-upload/${on.id}/${body.form_id}`;
    expect(formWorkflowId(body.form_id)).toBe(workflowId);
    const described = await h.temporal.client.workflow.getHandle(workflowId).describe();
    expect(described).toMatchObject({ type: 'FormUploadWithRetry', taskQueue: h.taskQueue, status: { name: 'RUNNING' } });
    const history = await historyOf(workflowId);
    // signalWithStart: the signal is recorded with the start, before the first workflow task.
    expect(history.first).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED']);
    expect(history.signals).toEqual([{ name: 'formChanged', input: [{ revision: 3 }] }]);

    const again = await deliverEvent(body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: true, duplicate: true, queued: false });
    expect(await inboxRows(body.event_id)).toHaveLength(1);
    expect((await historyOf(workflowId)).signals).toHaveLength(1);
    expect((await h.temporal.client.workflow.getHandle(workflowId).describe()).runId).toBe(described.runId);

    // The form is known (pending) with the revision announced.
    const form = await h.api.inject({ method: 'GET', url: `/v1/integrations/${on.corfixAccountId}/forms/${body.form_id}`, headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(form.json()).toMatchObject({ form_id: body.form_id, state: 'pending', latest_revision: 3, workflow_id: workflowId });
  });

  test("a new event of the same form (form.updated) signals the form's running workflow", async () => {
    const first = event();
    const second = event({ form_id: first.form_id, event_type: 'form.updated', revision: 4 });
    expect((await deliverEvent(first)).json()).toEqual({ received: true, duplicate: false, queued: false });
    expect((await deliverEvent(second)).json()).toEqual({ received: true, duplicate: false, queued: false });
    const workflowId = formWorkflowId(first.form_id);
    const history = await historyOf(workflowId);
    expect(history.signals).toEqual([
      { name: 'formChanged', input: [{ revision: 3 }] },
      { name: 'formChanged', input: [{ revision: 4 }] },
    ]);
    expect(history.events.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
  });

  test('the content type does not matter, one fastify cannot parse included: the body is read as bytes', async () => {
    for (const contentType of ['text/plain', 'application/octet-stream', 'application/json; charset=utf-8', null, '', 'garbage', ';;;', 'a/b c']) {
      const body = event();
      const response = await deliver({ raw: JSON.stringify(body), contentType });
      expect({ contentType, status: response.statusCode, json: response.json() }).toEqual({
        contentType,
        status: 200,
        json: { received: true, duplicate: false, queued: false },
      });
    }
  });

  test("Sync Forms off: 200 ignored, no workflow, the event not left waiting for the reconciler", async () => {
    const body = event({ account_id: off.corfixAccountId });
    const response = await deliverEvent(body);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, ignored: 'sync_forms_off' });
    await expectNoWorkflow(formWorkflowId(body.form_id, off));
    const rows = await inboxRows(body.event_id);
    expect(rows).toHaveLength(1);
    expect(rows[0].processed_at).toBeInstanceOf(Date);
    expect(await h.t.db('form_links').where({ integration_id: off.id, corfix_form_id: body.form_id })).toEqual([]);
    // A redelivery is a duplicate.
    expect((await deliverEvent(body)).json()).toEqual({ received: true, duplicate: true, queued: false });
  });
});

describe('a Temporal that cannot be reached', () => {
  /** An API like the harness's whose Temporal client points at `address`. */
  async function apiOn(address: string, lines: string[]): Promise<{ api: FastifyInstance; close(): Promise<void> }> {
    const connection = Connection.lazy({ address });
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const api = await buildApi({
      db: h.t.db,
      temporal: new Client({ connection }),
      taskQueue: h.taskQueue,
      logger: captured,
      clients: h.clients,
      apiToken: 'unreachable-temporal-api-token',
      corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
    });
    return {
      api,
      close: async () => {
        await api.close();
        await connection.close();
      },
    };
  }

  /** A port where nothing listens (connections refused), or a server that accepts and never answers. */
  async function deadAddress(kind: 'refused' | 'silent'): Promise<{ address: string; stop(): void }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    if (kind === 'refused') await new Promise<void>((resolve) => server.close(() => resolve()));
    return {
      address,
      stop: () => {
        for (const socket of sockets) socket.destroy();
        if (kind === 'silent') server.close();
      },
    };
  }

  test.each(['refused', 'silent'] as const)(
    'Temporal %s: 200 queued within a second, the event waits in the inbox; the hand-over starts its workflow later; a redelivery then changes nothing',
    async (kind) => {
      const dead = await deadAddress(kind);
      const lines: string[] = [];
      const stalled = await apiOn(dead.address, lines);
      const body = event({ revision: 7 });
      const workflowId = formWorkflowId(body.form_id);
      try {
        const begun = Date.now();
        const response = await deliverEvent(body, stalled.api);
        const took = Date.now() - begun;
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ received: true, duplicate: false, queued: true });
        expect(took).toBeLessThan(1_000);
        expect(await inboxRows(body.event_id)).toEqual([expect.objectContaining({ integration_id: on.id, processed_at: null })]);
        await expectNoWorkflow(workflowId);

        // Corfix delivers again while Temporal is still away: the same event, still queued.
        expect((await deliverEvent(body, stalled.api)).json()).toEqual({ received: true, duplicate: true, queued: true });
        expect(await inboxRows(body.event_id)).toHaveLength(1);
      } finally {
        // Closing the API waits for the hand-overs still trying after their answers (their deadline: 10 s).
        await stalled.close();
        dead.stop();
      }
      // Each hand-over that found no Temporal said so, with ids only, once it gave up.
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => typeof l.msg === 'string' && l.msg.includes('could not hand a Corfix form event'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatchObject({ level: 40, integrationId: on.id, eventId: body.event_id, formId: body.form_id });
      expect(lines.join('\n')).not.toContain(CORFIX_WEBHOOK_SECRET);

      // Within its grace period (as if it had just been recorded) the event is left to the request that recorded it.
      await h.t.db('webhook_events').where({ source: 'corfix', event_id: body.event_id }).update({ received_at: h.t.db.fn.now() });
      const early = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(early.failed).toBe(0);
      await expectNoWorkflow(workflowId);

      // Later (as if the grace period had passed), the reconciler's hand-over delivers it.
      await h.t.db('webhook_events').where({ source: 'corfix', event_id: body.event_id }).update({ received_at: h.t.db.raw(`now() - interval '1 minute'`) });
      const handed = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(handed.handedOver).toBeGreaterThanOrEqual(1);
      expect(handed.failed).toBe(0);
      const history = await historyOf(workflowId);
      expect(history.first).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED']);
      expect(history.signals).toEqual([{ name: 'formChanged', input: [{ revision: 7 }] }]);
      expect((await inboxRows(body.event_id))[0].processed_at).toBeInstanceOf(Date);

      // Handed over once: another pass and a redelivery change nothing.
      await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect((await deliverEvent(body)).json()).toEqual({ received: true, duplicate: true, queued: false });
      expect((await historyOf(workflowId)).signals).toHaveLength(1);
    },
  );
});

describe('a Temporal slower than the answer', () => {
  /** A TCP proxy to Temporal that holds each new connection for `delayMs` before passing bytes on. */
  async function slowProxy(target: string, delayMs: number): Promise<{ address: string; stop(): Promise<void> }> {
    const [host, port] = target.split(':') as [string, string];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      client.pause();
      const upstream = net.connect(Number(port), host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
      }
      setTimeout(() => {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      stop: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('answered within a second as queued, the hand-over goes on and starts the workflow without the reconciler', async () => {
    // The bench's burst: Temporal takes a second or two to answer, beyond the 500 ms the answer waits.
    const proxy = await slowProxy(process.env['TEMPORAL_ADDRESS'] as string, 1_500);
    const connection = Connection.lazy({ address: proxy.address });
    const api = await buildApi({
      db: h.t.db,
      temporal: new Client({ connection }),
      taskQueue: h.taskQueue,
      logger,
      clients: h.clients,
      apiToken: 'slow-temporal-api-token',
      corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
    });
    const body = event({ revision: 3 });
    try {
      const begun = Date.now();
      const response = await deliverEvent(body, api);
      expect(Date.now() - begun).toBeLessThan(1_000);
      expect(response.json()).toEqual({ received: true, duplicate: false, queued: true });
      // No reconciler pass: the request's own hand-over, still going, delivers it.
      const processed = async () => ((await inboxRows(body.event_id))[0]?.processed_at ? true : undefined);
      await eventually(processed, 15_000);
      expect((await historyOf(formWorkflowId(body.form_id))).signals).toEqual([{ name: 'formChanged', input: [{ revision: 3 }] }]);
    } finally {
      await api.close();
      await connection.close();
      await proxy.stop();
    }
  });
});

test('the workflows of this file are exactly those of the accepted deliveries (visibility checked last)', async () => {
  // Every refused delivery above checked its own form's workflow by id; this
  // checks the task queue as a whole, once visibility has caught up.
  const expected = (await h.t.db('form_links').where({ integration_id: on.id }).pluck('corfix_form_id')).map((id: string) => formWorkflowId(id)).sort();
  const deadline = Date.now() + 10_000;
  let listed = await formWorkflows();
  while (JSON.stringify(listed) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    listed = await formWorkflows();
  }
  expect(expected.length).toBeGreaterThan(5);
  expect(listed).toEqual(expected);
  expect(listed.every((id) => id.startsWith(`form-upload/${on.id}/`))).toBe(true);
});
