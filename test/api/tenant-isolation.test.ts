// One customer's requests never reach another's data. Two accounts, A and B,
// connected to Procore companies X and Y, each with Sync Forms on and a form
// of the same id, and their continuous syncs started (no worker runs: what
// reaches a workflow stays in its history):
//   - a signed Corfix webhook naming A's account with B's form id is A's
//     form: no inbox row, link row or workflow of B's changes;
//   - a Procore webhook for company X records and signals A's integration
//     only, and one for an unknown company nobody's;
//   - every route behind credentials, enumerated from the OpenAPI document
//     (so a new route is covered by itself), answers 401 to no credentials,
//     a wrong token, the other secrets, and the other scheme, and changes
//     nothing.
import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { startContinuousSyncs } from '../../src/client.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { createPreview, type Preview } from '../../src/db/repositories/previews.js';
import { formUploadWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { TOGGLES_OFF } from '../support/database.js';
import { API_TOKEN, CORFIX_WEBHOOK_SECRET, PROCORE_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
let a: Integration;
let b: Integration;
/** A's account's preview of a connect: the preview routes are enumerated with its id */
let aPreview: Preview;
const SHARED_FORM = 'frm_same_id';
const B_FORM = 'frm_of_b_only';

beforeAll(async () => {
  h = await startSyncHarness({ name: 'tenant-isolation', corfixAccounts: [] });
  const connected = async (account: string, company: string) => {
    const i = await createIntegration(h.t.db, { corfixAccountId: account, procoreCompanyId: company, ...TOGGLES_OFF, syncForms: true });
    await updateIntegration(h.t.db, i.id, { status: 'active', initialSyncState: 'completed' });
    await startContinuousSyncs(h.temporal.client, h.taskQueue, i);
    return i;
  };
  a = await connected('acc_tenant_a', '4400000701');
  b = await connected('acc_tenant_b', '4400000702');
  aPreview = await createPreview(h.t.db, { corfixAccountId: 'acc_tenant_a', procoreCompanyId: '4400000701', ...TOGGLES_OFF, syncForms: true });
  for (const [integration, form] of [[a, SHARED_FORM], [b, SHARED_FORM], [b, B_FORM]] as const) {
    await h.t.db('form_links').insert({ integration_id: integration.id, corfix_form_id: form, state: 'pending', latest_revision: 1 });
  }
});
afterAll(async () => {
  if (h) {
    for await (const w of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) {
      await h.temporal.client.workflow.getHandle(w.workflowId).terminate('test over').catch(() => undefined);
    }
  }
  await h?.stop();
});

/** B's rows and workflows as they stand: none of A's requests may change them. */
async function stateOfB() {
  const db = h.t.db;
  return {
    integration: await db('integrations').where({ id: b.id }).first(),
    formLinks: await db('form_links').where({ integration_id: b.id }).orderBy('corfix_form_id').select(),
    inbox: await db('webhook_events').where({ integration_id: b.id }).select(),
    audit: await db('audit_log').where({ integration_id: b.id }).select(),
    signals: { users: await signalsOf(userSyncWorkflowId(b.id)), projects: await signalsOf(projectSyncWorkflowId(b.id)) },
  };
}

async function signalsOf(workflowId: string): Promise<string[]> {
  const events = (await h.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  return events.flatMap((e) => (e.eventType === proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED ? [e.workflowExecutionSignaledEventAttributes?.signalName ?? ''] : []));
}

const expectNoWorkflow = async (workflowId: string) =>
  expect(h.temporal.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

let seq = 0;
function corfixDelivery(changes: Record<string, unknown>) {
  seq += 1;
  const raw = JSON.stringify({
    event_id: `evt_tenant_${seq}_${Date.now()}`,
    event_type: 'form.completed',
    account_id: a.corfixAccountId,
    form_id: SHARED_FORM,
    project_id: 'prj_site',
    revision: 2,
    occurred_at: '2026-11-27T18:00:00Z',
    ...changes,
  });
  const timestamp = Math.floor(Date.now() / 1000);
  return h.api.inject({
    method: 'POST',
    url: '/webhooks/corfix',
    headers: { 'content-type': 'application/json', 'corfix-timestamp': String(timestamp), 'corfix-signature': signCorfixWebhook(CORFIX_WEBHOOK_SECRET, timestamp, raw) },
    payload: raw,
  });
}

describe("a Corfix webhook for account A never touches B's forms", () => {
  test("A's account with a form id only B has: A's form (A's inbox, A's workflow), nothing of B's", async () => {
    const before = await stateOfB();
    const response = await corfixDelivery({ form_id: B_FORM });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: true, duplicate: false, queued: false });
    expect(await stateOfB()).toEqual(before);
    await expectNoWorkflow(formUploadWorkflowId(b.id, B_FORM));
    expect((await h.temporal.client.workflow.getHandle(formUploadWorkflowId(a.id, B_FORM)).describe()).type).toBe('FormUploadWithRetry');
    const inbox = await h.t.db('webhook_events').where({ source: 'corfix' }).select('integration_id');
    expect(inbox.map((row: { integration_id: string }) => row.integration_id)).toEqual([a.id]);
  });

  test("a form id both accounts have: only A's link and workflow", async () => {
    const before = await stateOfB();
    expect((await corfixDelivery({ form_id: SHARED_FORM, revision: 3 })).statusCode).toBe(200);
    expect(await stateOfB()).toEqual(before);
    await expectNoWorkflow(formUploadWorkflowId(b.id, SHARED_FORM));
    expect((await h.temporal.client.workflow.getHandle(formUploadWorkflowId(a.id, SHARED_FORM)).describe()).type).toBe('FormUploadWithRetry');
  });

  test("B's form under an account nobody connected: 404, nothing recorded", async () => {
    const before = await stateOfB();
    expect((await corfixDelivery({ account_id: 'acc_tenant_nobody', form_id: B_FORM })).statusCode).toBe(404);
    expect(await stateOfB()).toEqual(before);
  });
});

describe('a Procore webhook for company X changes only X’s integration', () => {
  const event = (companyId: string, resource: string) => ({
    ulid: `01JD3R4P5Q6S7T8V9W0XYZ${String(++seq).padStart(4, '0')}`,
    timestamp: '2026-11-27T18:00:00Z',
    company_id: companyId,
    api_version: 'v2',
    event_type: 'update',
    resource_name: resource,
    resource_id: '123',
  });
  const post = (body: object) =>
    h.api.inject({ method: 'POST', url: '/webhooks/procore', headers: { authorization: `Bearer ${PROCORE_WEBHOOK_SECRET}` }, payload: body });

  test("company X's user and project changes: A's inbox and A's loops, none of B's", async () => {
    const before = await stateOfB();
    for (const resource of ['Company Users', 'Projects']) {
      const response = await post(event(a.procoreCompanyId, resource));
      expect(response.json()).toEqual({ received: true, duplicate: false });
    }
    expect(await stateOfB()).toEqual(before);
    expect(await h.t.db('webhook_events').where({ source: 'procore' }).pluck('integration_id')).toEqual([a.id, a.id]);
    expect((await signalsOf(userSyncWorkflowId(a.id))).length).toBe(1);
    expect((await signalsOf(projectSyncWorkflowId(a.id))).length).toBe(1);
  });

  test('a company nobody connected: ignored, nothing recorded or signalled', async () => {
    const before = await stateOfB();
    const signalsOfA = await signalsOf(userSyncWorkflowId(a.id));
    expect((await post(event('4400000799', 'Company Users'))).json()).toEqual({ received: true, ignored: 'no_integration' });
    expect(await stateOfB()).toEqual(before);
    expect(await signalsOf(userSyncWorkflowId(a.id))).toEqual(signalsOfA);
    expect(await h.t.db('webhook_events').where({ source: 'procore' }).count({ n: '*' }).first()).toEqual({ n: '2' });
  });
});

describe('every route behind credentials answers 401 without the right ones, and changes nothing', () => {
  interface Route {
    method: string;
    url: string;
    scheme: string;
  }
  let routes: Route[] = [];
  const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

  beforeAll(async () => {
    const spec = (await h.api.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      security: Array<Record<string, unknown>>;
      paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
    };
    routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, op]) => {
        const security = op.security ?? spec.security;
        if (security.length === 0) return [];
        const url = path.replace('{corfix_account_id}', a.corfixAccountId).replace('{form_id}', SHARED_FORM).replace('{preview_id}', aPreview.id);
        return [{ method: method.toUpperCase(), url, scheme: Object.keys(security[0] ?? {})[0] ?? '' }];
      }),
    );
  });

  test('the document names the routes: every /v1 route but the callback, the status page, the Procore webhook', () => {
    expect(routes.filter((r) => r.scheme === 'bearer').length).toBeGreaterThanOrEqual(11);
    expect(routes.filter((r) => r.scheme === 'bearer').every((r) => r.url.startsWith('/v1/'))).toBe(true);
    expect(routes.filter((r) => r.scheme === 'basic').map((r) => r.url).sort()).toEqual(['/', `/status/${a.corfixAccountId}`, `/status/previews/${aPreview.id}`]);
    expect(routes.filter((r) => r.scheme === 'procoreWebhook').map((r) => r.url)).toEqual(['/webhooks/procore']);
  });

  test.each([
    ['no Authorization header', undefined],
    ['an empty one', ''],
    ['a wrong token', 'Bearer not-the-api-token-0123456789'],
    ['the token without its scheme', API_TOKEN],
    ['the Procore webhook secret', `Bearer ${PROCORE_WEBHOOK_SECRET}`],
    ['the Corfix webhook secret', `Bearer ${CORFIX_WEBHOOK_SECRET}`],
    ['the token as Basic password (bearer routes) / as bearer (Basic routes)', 'swap'],
    ['a token with one character more', `Bearer ${API_TOKEN}x`],
  ])('%s', async (_what, authorization) => {
    const db = h.t.db;
    const snapshot = async () =>
      JSON.stringify({
        integrations: await db('integrations').orderBy('id').select(),
        formLinks: await db('form_links').orderBy('id').select(),
        inbox: await db('webhook_events').count({ n: '*' }).first(),
        audit: await db('audit_log').count({ n: '*' }).first(),
        previews: await db('integration_previews').orderBy('id').select(),
      });
    const before = await snapshot();
    for (const route of routes) {
      // that one is the Procore webhook's own credential
      if (route.scheme === 'procoreWebhook' && authorization === `Bearer ${PROCORE_WEBHOOK_SECRET}`) continue;
      const header =
        authorization === 'swap'
          ? route.scheme === 'basic'
            ? `Bearer ${API_TOKEN}`
            : route.scheme === 'bearer'
              ? basic(API_TOKEN)
              : `Bearer ${API_TOKEN}` // the Procore webhook: the API token is not its secret
          : authorization;
      const response = await h.api.inject({
        method: route.method as 'GET',
        url: route.url,
        headers: { 'content-type': 'application/json', ...(header !== undefined ? { authorization: header } : {}) },
        ...(['POST', 'PATCH', 'DELETE'].includes(route.method) ? { payload: '{}' } : {}),
      });
      expect([route.method, route.url, response.statusCode]).toEqual([route.method, route.url, 401]);
      const challenge = route.scheme === 'basic' ? /^Basic realm=/ : /^Bearer$/;
      expect([route.url, response.headers['www-authenticate']]).toEqual([route.url, expect.stringMatching(challenge)]);
    }
    expect(await snapshot()).toEqual(before);
  });
});
