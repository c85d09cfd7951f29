// The harness and helpers of the POST /webhooks/corfix tests
// (corfix-webhooks*.test.ts): a real Postgres and Temporal (the sync harness;
// no worker runs on its task queue, so a FormUploadWithRetry the route starts
// stays as signalWithStart left it), three integrations (Sync Forms on, off,
// and on but disconnected), deliveries signed as Corfix signs them, and what a
// test reads back: the inbox, the form's workflow and its history. Each test
// file calls useCorfixWebhookHarness once: a harness of its own (its database,
// its task queue), read through the live bindings below once beforeAll ran.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { temporal as proto } from '@temporalio/proto';
import { signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { CORFIX_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT_ON = 'acc_forms_on';
export let h: SyncHarness;
/** Sync Forms on, active */
export let on: Integration;
/** Sync Forms off, active */
export let off: Integration;
/** Sync Forms on, disconnected */
export let gone: Integration;

async function integration(account: string, company: string, syncForms: boolean, status: Integration['status']): Promise<Integration> {
  const created = await createIntegration(h.t.db, { corfixAccountId: account, procoreCompanyId: company, syncEmployeesOnly: false, autoActivateWorkers: false, syncForms });
  await updateIntegration(h.t.db, created.id, { status, initialSyncState: 'completed' });
  return created;
}

/** Call at the top of a test file: its harness and integrations, and at the end the workflows it started terminated. */
export function useCorfixWebhookHarness(name: string): void {
  beforeAll(async () => {
    h = await startSyncHarness({ name, corfixAccounts: [] });
    on = await integration(ACCOUNT_ON, '4400000201', true, 'active');
    off = await integration('acc_forms_off', '4400000202', false, 'active');
    gone = await integration('acc_forms_gone', '4400000203', true, 'disconnected');
  });
  afterAll(async () => {
    if (h) for (const id of await formWorkflows()) await h.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
    await h?.stop();
  });
}

let seq = 0;
/** A delivery as Corfix sends it, for the Sync-Forms-on account, a form of its own, with `changes` applied. */
export const event = (changes: Record<string, unknown> = {}) => ({
  event_id: `evt_${randomUUID()}`,
  event_type: 'form.completed',
  account_id: ACCOUNT_ON,
  form_id: `frm_${++seq}_${randomUUID().slice(0, 8)}`,
  project_id: 'prj_site_a',
  revision: 3,
  occurred_at: '2026-11-27T18:00:00Z',
  ...changes,
});

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export interface Delivery {
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
export function deliver(d: Delivery) {
  const timestamp = d.timestamp === undefined ? nowSeconds() : d.timestamp;
  const signature =
    d.signature !== undefined ? d.signature : timestamp === null ? null : signCorfixWebhook(d.secret ?? CORFIX_WEBHOOK_SECRET, Number(timestamp), d.signed ?? d.raw);
  const headers: Record<string, string> = {};
  if (d.contentType !== null) headers['content-type'] = d.contentType ?? 'application/json';
  if (timestamp !== null) headers['corfix-timestamp'] = String(timestamp);
  if (signature !== null) headers['corfix-signature'] = signature;
  return (d.target ?? h.api).inject({ method: 'POST', url: '/webhooks/corfix', headers, payload: d.raw });
}
export const deliverEvent = (body: object, target?: FastifyInstance) => deliver({ raw: JSON.stringify(body), ...(target ? { target } : {}) });

export const inboxRows = (eventId: string) =>
  h.t.db('webhook_events').where({ source: 'corfix', event_id: eventId }).select('integration_id', 'event_type', 'payload', 'processed_at');

export const formWorkflowId = (formId: string, i: Integration = on) => formUploadWorkflowId(i.id, formId);

/** The FormUploadWithRetry workflows of this file's task queue (visibility: may lag a moment behind a start). */
export async function formWorkflows(): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query: `WorkflowType = 'FormUploadWithRetry' AND TaskQueue = '${h.taskQueue}'` })) {
    ids.push(w.workflowId);
  }
  return ids.sort();
}

export async function expectNoWorkflow(workflowId: string): Promise<void> {
  await expect(h.temporal.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The history's event types up to the first workflow task, and the signals with their inputs. */
export async function historyOf(workflowId: string) {
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
export async function expectRefused(
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

/**
 * Call at the end of a test file whose tests start workflows: its last test,
 * which checks its task queue as a whole (more than `moreThan` workflows,
 * exactly those of the forms its accepted deliveries noted).
 */
export function testWorkflowsOfThisFile(moreThan: number): void {
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
    expect(expected.length).toBeGreaterThan(moreThan);
    expect(listed).toEqual(expected);
    expect(listed.every((id) => id.startsWith(`form-upload/${on.id}/`))).toBe(true);
  });
}
