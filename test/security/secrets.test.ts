// No secret leaves where it belongs. A full run of the service (the real API
// on a real port, the real worker, both simulators) with distinctive secret
// values: a connect with Sync Forms on and Procore webhooks registered (so the
// hook's secret travels to Procore), the initial sync through a forced 429
// and a refused token request, Procore and Corfix webhooks, a form filed
// through a failing upload, and the refusals a client can provoke. Then every
// workflow history of the task queue (fetched through the client, payloads
// decoded), every log line the service wrote (at debug) and every answer the
// API gave (bodies and headers) are searched for the Procore client secret,
// the API token, the Corfix token, both webhook secrets, the sign-in's state
// secret, and every access token the Procore simulator issued: none is there.
import { temporal as proto } from '@temporalio/proto';
import type { FaultInput } from '../../src/simulators/common/faults.js';
import { captureLogs, leakedIn } from '../support/captured-logs.js';
import { eventually } from '../support/eventually.js';
import {
  API_TOKEN,
  CORFIX_WEBHOOK_SECRET,
  PROCORE_WEBHOOK_SECRET,
  startSyncHarness,
  type SyncHarness,
} from '../support/sync-harness.js';

const ACCOUNT = 'acc_secrets';
const PROCORE_CLIENT_SECRET = 'procore-client-secret-Zq8vLw3T';
const logs = captureLogs();
let h: SyncHarness;
let apiUrl: string;
/** every answer of the API seen in this test: status, headers and body */
const answers: string[] = [];
const happened = { rateLimited: 0, tokenRefused: 0, uploadFailed: 0 };

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'secrets',
    corfixAccounts: [ACCOUNT],
    logger: logs.logger,
    accessRetryMs: 200,
    procore: { clientSecret: PROCORE_CLIENT_SECRET },
  });
  apiUrl = await h.listenApi();
  await h.startWorker({ reconcileIntervalMs: 2_000, webhooks: { publicUrl: apiUrl, secret: PROCORE_WEBHOOK_SECRET } });
}, 60_000);
afterAll(async () => {
  if (h) {
    h.corfix.webhooks.stop();
    for await (const w of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}' AND ExecutionStatus = 'Running'` })) {
      await h.temporal.client.workflow.getHandle(w.workflowId).terminate('test over').catch(() => undefined);
    }
  }
  await h?.stop();
});

const USERS = 'GET /rest/v1.3/companies/:company_id/users';
const TOKEN = 'POST /oauth/token';
const FILES = 'POST /rest/v1.0/files';
/** the faults in force, by route; each is lifted once it answered */
const faults = new Map<string, FaultInput>();
function failOnce(...added: FaultInput[]): void {
  for (const fault of added) faults.set(fault.route, fault);
  h.procore.faults.setFaults([...faults.values()]);
}

/** A request to the API on its real port, its answer kept for the search. */
async function call(method: string, path: string, options: { body?: unknown; authorization?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (options.authorization !== null) headers['authorization'] = options.authorization ?? `Bearer ${API_TOKEN}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${apiUrl}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}), redirect: 'manual' });
  const text = await response.text();
  answers.push(`${method} ${path} ${response.status} ${JSON.stringify([...response.headers])} ${text}`);
  return { status: response.status, json: () => JSON.parse(text) as Record<string, any> };
}

/**
 * A history as text with every payload (inputs, results, signals, failure
 * details, memo, search attributes) decoded: the protos serialize their bytes
 * as base64, where a plain search would never find a secret.
 */
function historyText(history: proto.api.history.v1.IHistory): string {
  const decode = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(decode);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value).map(([key, v]) => {
      // a Payload: { metadata: { encoding: base64 }, data: base64 }
      if (key === 'data' && typeof v === 'string' && 'metadata' in value) return [key, Buffer.from(v, 'base64').toString('utf8')];
      if (key === 'metadata' && typeof v === 'object' && v !== null) {
        return [key, Object.fromEntries(Object.entries(v).map(([k, m]) => [k, typeof m === 'string' ? Buffer.from(m, 'base64').toString('utf8') : m]))];
      }
      return [key, decode(v)];
    });
    return Object.fromEntries(entries);
  };
  return JSON.stringify(decode(JSON.parse(JSON.stringify(history))));
}

test('a full run: no secret in any workflow history, log line or answer', async () => {
  // --- Procore: a company, and the faults the run must go through ---
  const company = h.procore.state.addCompany({ name: 'Secrets Builders' });
  const [project] = h.procore.state.addProjects(company.id, [{ name: 'Secret Site', project_number: 'S-1', active: true, template: false }]);
  h.procore.state.addUsers(company.id, [
    { first_name: 'Tane', last_name: 'Ngata', email_address: 'tane@secrets.example' },
    { first_name: 'Isla', last_name: 'Brown', email_address: 'isla@secrets.example' },
  ]);
  const stopObserving = h.procore.faults.observe(({ phase, route, status }) => {
    if (phase !== 'response') return;
    if (route === USERS && status === 429) happened.rateLimited += 1;
    if (route === TOKEN && status === 401) happened.tokenRefused += 1;
    if (route === FILES && status === 503) happened.uploadFailed += 1;
    if (faults.get(route)?.errors?.[0]?.status === status) {
      // each fault once: then the run goes on
      faults.delete(route);
      h.procore.faults.setFaults([...faults.values()]);
    }
  });

  let formId = '';
  try {
    // --- the connect, through the API ---
    const connected = await call('POST', '/v1/integrations', {
      body: { corfix_account_id: ACCOUNT, procore_company_id: String(company.id), sync_forms: true, auto_activate_workers: true },
    });
    expect(connected.status).toBe(202);
    const integrationId = connected.json()['integration_id'] as string;
    // The initial sync's users list answers 429 once; every token stops working and the next token request is refused once.
    failOnce({ route: USERS, errors: [{ status: 429, rate: 1, retry_after: 1 }] }, { route: TOKEN, errors: [{ status: 401, rate: 1, message: 'invalid_client' }] });
    h.procore.state.expireTokens();
    await h.connectResult(integrationId);
    expect(happened.rateLimited).toBeGreaterThan(0);
    expect(happened.tokenRefused).toBeGreaterThan(0);
    const status = await eventually(async () => {
      const s = (await call('GET', `/v1/integrations/${ACCOUNT}`)).json();
      return s['status'] === 'active' && s['webhooks']['registered'] === true ? s : undefined;
    }, 30_000);
    expect(status['initial_sync']['state']).toBe('completed');

    // --- a form, filed through a failing upload (Corfix's signed webhook, to the API's port) ---
    h.corfix.state.webhookUrls.set(ACCOUNT, `${apiUrl}/webhooks/corfix`);
    const corfixProject = [...h.corfix.state.projects.values()].find((p) => p.account_id === ACCOUNT && p.name === project?.name);
    if (!corfixProject) throw new Error('the initial sync made no Corfix project');
    failOnce({ route: FILES, errors: [{ status: 503, rate: 1 }] });
    const form = h.corfix.state.createForm(ACCOUNT, { project_id: corfixProject.id, template_name: 'Toolbox Talk', form_date: '2026-05-06', status: 'completed' });
    formId = form.id;
    const filed = await eventually(async () => {
      const f = await call('GET', `/v1/integrations/${ACCOUNT}/forms/${form.id}`);
      return f.status === 200 && f.json()['state'] === 'uploaded' ? f.json() : undefined;
    }, 60_000);
    expect(filed['uploaded_revision']).toBe(form.revision);
    expect(happened.uploadFailed).toBeGreaterThan(0);

    // --- a Procore change, delivered by Procore's hook to the API (Bearer <the hook's secret>) ---
    h.procore.state.addUsers(company.id, [{ first_name: 'Late', last_name: 'Joiner', email_address: 'late@secrets.example' }]);
    await eventually(async () => ((await h.t.db('webhook_events').where({ source: 'procore', integration_id: integrationId }).first()) ? true : undefined), 30_000);

    // --- what a client can provoke: every refusal, and the reads ---
    await call('GET', `/v1/integrations/${ACCOUNT}`, { authorization: null });
    await call('GET', `/v1/integrations/${ACCOUNT}`, { authorization: `Bearer ${PROCORE_WEBHOOK_SECRET}` });
    await call('GET', '/', { authorization: `Basic ${Buffer.from(`ops:${CORFIX_WEBHOOK_SECRET}`).toString('base64')}` });
    await call('GET', '/', { authorization: `Basic ${Buffer.from(`ops:${API_TOKEN}`).toString('base64')}` });
    await call('GET', `/status/${ACCOUNT}`, { authorization: `Basic ${Buffer.from(`ops:${API_TOKEN}`).toString('base64')}` });
    await call('POST', '/v1/integrations', { body: { corfix_account_id: ACCOUNT, procore_company_id: String(company.id) } });
    await call('POST', '/v1/integrations', { body: { corfix_account_id: 'acc_nobody', procore_company_id: String(company.id + 1000) } });
    await call('POST', '/v1/integrations', { body: { corfix_account_id: '../x', procore_company_id: 'x', token: API_TOKEN.length } });
    await call('POST', '/v1/integrations/authorizations', { body: { corfix_account_id: 'acc_signin', procore_company_id: String(company.id + 1) } });
    await call('GET', '/v1/oauth/procore/callback?state=forged.state&code=abc', { authorization: null });
    await call('PATCH', `/v1/integrations/${ACCOUNT}`, { body: { sync_employees_only: true } });
    await call('POST', `/v1/integrations/${ACCOUNT}/resync`);
    await call('POST', `/v1/integrations/${ACCOUNT}/forms/${form.id}/retry`);
    await call('GET', `/v1/integrations/${ACCOUNT}/outcomes?entity=user`);
    await call('GET', '/health', { authorization: null });
    await call('POST', '/webhooks/procore', { authorization: `Bearer ${API_TOKEN}`, body: {} });
    await call('POST', '/webhooks/corfix', { authorization: null, body: { account_id: ACCOUNT } });
  } finally {
    stopObserving();
  }

  // --- where no secret may be ---
  const secrets = h.secrets();
  const accessTokens = h.procore.state.issuedAccessTokens();
  expect(accessTokens.length).toBeGreaterThan(0);
  accessTokens.forEach((token, i) => (secrets[`procore access token ${i + 1}`] = token));

  const histories: Array<{ workflowId: string; text: string }> = [];
  for await (const w of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) {
    const history = await h.temporal.client.workflow.getHandle(w.workflowId, w.runId).fetchHistory();
    histories.push({ workflowId: w.workflowId, text: historyText(history) });
  }
  // the connect, the initial sync, both continuous syncs, the form's upload, the reconciler
  const kinds = new Set(histories.map((x) => x.workflowId.split('/')[0]));
  expect([...kinds].sort()).toEqual(expect.arrayContaining(['connect', 'form-upload', 'initial-sync', 'project-sync', 'reconcile', 'user-sync']));
  // The search reaches into the payloads (decoded JSON, its quotes escaped in the text): the account id is only
  // there (inputs, search attributes), never in a workflow id; the form's id is in its upload's input.
  const connectHistory = histories.find((x) => x.workflowId.startsWith('connect/'));
  expect(connectHistory?.text).toContain(ACCOUNT);
  expect(histories.some((x) => x.workflowId.startsWith('form-upload/') && x.text.includes(`\\"${formId}\\"`))).toBe(true);

  const leaks = [
    ...histories.flatMap((x) => leakedIn(x.text, secrets).map((name) => `${name} in the history of ${x.workflowId}`)),
    ...logs.lines.flatMap((line) => leakedIn(line, secrets).map((name) => `${name} in the log line ${line.slice(0, 300)}`)),
    ...answers.flatMap((answer) => leakedIn(answer, secrets).map((name) => `${name} in the answer ${answer.slice(0, 300)}`)),
  ];
  expect(leaks).toEqual([]);
  expect(logs.lines.length).toBeGreaterThan(50);
  expect(answers.length).toBeGreaterThan(20);
}, 150_000);
