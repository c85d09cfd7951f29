// POST /webhooks/corfix against a real Postgres and Temporal (the sync
// harness of corfix-webhook-support.ts; no worker runs on its task queue, so
// a FormUploadWithRetry the route starts stays as signalWithStart left it):
// the signature over the raw bytes and its 300 s window, the JSON, the
// schema, the account, the inbox (once per event_id) and the form's workflow
// started by signalWithStart, and Sync Forms off. A Temporal that does not
// answer: corfix-webhooks-temporal-away.test.ts.
import { randomUUID } from 'node:crypto';
import { signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { API_TOKEN, CORFIX_WEBHOOK_SECRET } from '../support/sync-harness.js';
import {
  deliver,
  deliverEvent,
  event,
  expectNoWorkflow,
  expectRefused,
  formWorkflowId,
  gone,
  h,
  historyOf,
  inboxRows,
  nowSeconds,
  off,
  on,
  testWorkflowsOfThisFile,
  useCorfixWebhookHarness,
  type Delivery,
} from './corfix-webhook-support.js';

useCorfixWebhookHarness('corfix-webhooks');

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

testWorkflowsOfThisFile(5);
