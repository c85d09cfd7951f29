// GET /metrics of the service as production runs it (`npm start`: API and
// worker in one process): after a real sync with Procore answering 429 now
// and then, a form whose upload Procore refuses with 503, and webhooks
// received and rejected, each counter shows what happened, and the Temporal
// SDK's own metrics and the process's are there too. Needs `npm run build`.
import { randomInt, randomUUID } from 'node:crypto';
import { eventually } from '../support/eventually.js';
import { ACCOUNT, startServiceRun, type ServiceRun } from './service-process.js';

let run: ServiceRun;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

beforeAll(async () => {
  run = await startServiceRun({
    name: 'metrics',
    logLevel: 'warn',
    // The users list answers 429 twice (a wait of 1 s each time) while the initial sync runs.
    procoreFaults: [{ fault: { route: 'GET /rest/v1.3/companies/:company_id/users', errors: [{ status: 429, rate: 1, retry_after: 1 }] }, times: 2 }],
  });
}, 90_000);
afterAll(async () => run?.stop());

/** The value of the sample `name{labels}` (labels in the order prom-client writes them), or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const rendered = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  const prefix = rendered ? `${name}{${rendered}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

test('/metrics wants METRICS_TOKEN as its bearer token', async () => {
  expect((await run.metrics(null)).status).toBe(401);
  expect((await run.metrics('not-the-metrics-token')).status).toBe(401);
  const served = await run.metrics();
  expect(served.status).toBe(200);
});

test('entities synced count every row of the sync report, by entity, outcome and reason', async () => {
  const { text } = await run.metrics();
  const report = await run.api('GET', `/v1/integrations/${ACCOUNT}/outcomes?per_page=200`);
  const rows = report.json['data'] as Array<{ entity: string; outcome: string; reason: string }>;
  const byKey = new Map<string, { entity: string; outcome: string; reason: string; count: number }>();
  for (const r of rows) {
    const key = `${r.entity}/${r.outcome}/${r.reason}`;
    byKey.set(key, { ...r, count: (byKey.get(key)?.count ?? 0) + 1 });
  }
  // Created, linked or skipped (the template, the service account, ...): at least two kinds of decision.
  expect(byKey.size).toBeGreaterThanOrEqual(3);
  expect([...byKey.values()].some((k) => k.outcome === 'skipped')).toBe(true);
  for (const { entity, outcome, reason, count } of byKey.values()) {
    // Each row was written at least once (a retried page writes its rows again).
    const counted = sample(text, 'corfix_procore_entities_synced_total', { entity, outcome, reason });
    expect({ entity, outcome, reason, counted: (counted ?? 0) >= count }).toEqual({ entity, outcome, reason, counted: true });
  }
  expect(sample(text, 'corfix_procore_entities_synced_total', { entity: 'project', outcome: 'skipped', reason: 'template' })).toBe(1);
  expect(sample(text, 'corfix_procore_entities_synced_total', { entity: 'user', outcome: 'skipped', reason: 'service_account' })).toBe(1);
});

test("every 429 Procore answered is counted once, under the company's id", async () => {
  const counts = run.procore.faults.requestCounts();
  const answered429 = Object.values(counts).reduce((sum, c) => sum + (c.by_status['429'] ?? 0), 0);
  expect(answered429).toBe(2);
  const { text } = await run.metrics();
  expect(sample(text, 'corfix_procore_procore_rate_limited_total', { company_id: String(run.companyId), status: '429' })).toBe(answered429);
});

test('webhooks received and rejected are counted by source, result and reason', async () => {
  const formEvent = () => ({
    event_id: `evt_${randomUUID()}`,
    event_type: 'form.completed',
    account_id: ACCOUNT,
    form_id: `frm_${randomUUID().slice(0, 8)}`,
    project_id: run.corfixProjectId,
    revision: 1,
    occurred_at: new Date().toISOString(),
  });
  expect(await run.postCorfixWebhook(formEvent(), 'v1=0000')).toBe(401);
  expect(await run.postCorfixWebhook({ ...formEvent(), revision: 'one' })).toBe(400);
  expect(await run.postCorfixWebhook({ ...formEvent(), account_id: 'acc_nobody' })).toBe(404);
  const procoreEvent = (companyId: string) => ({
    ulid: Array.from({ length: 26 }, () => CROCKFORD[randomInt(32)]).join(''),
    timestamp: new Date().toISOString(),
    company_id: companyId,
    api_version: 'v2',
    event_type: 'update',
    resource_name: 'Projects',
    resource_id: '5000000001',
  });
  expect(await run.postProcoreWebhook(procoreEvent(String(run.companyId)), 'not-the-hook-secret')).toBe(401);
  expect(await run.postProcoreWebhook(procoreEvent(String(run.companyId)))).toBe(200);
  expect(await run.postProcoreWebhook(procoreEvent('4499999999'))).toBe(200);

  const { text } = await run.metrics();
  const events = (labels: Record<string, string>) => sample(text, 'corfix_procore_webhook_events_total', labels);
  expect(events({ source: 'corfix', result: 'rejected', reason: 'bad_signature' })).toBe(1);
  expect(events({ source: 'corfix', result: 'rejected', reason: 'invalid_body' })).toBe(1);
  expect(events({ source: 'corfix', result: 'rejected', reason: 'unknown_account' })).toBe(1);
  expect(events({ source: 'procore', result: 'rejected', reason: 'unauthorized' })).toBe(1);
  expect(events({ source: 'procore', result: 'received', reason: '' })).toBe(1);
  expect(events({ source: 'procore', result: 'ignored', reason: 'no_integration' })).toBe(1);
});

test('a form whose upload Procore refuses (503) counts as an upload failure, with the webhook that announced it', async () => {
  run.procore.faults.setFaults([{ route: 'POST /rest/v1.1/projects/:project_id/uploads', errors: [{ status: 503, rate: 1 }] }]);
  const form = run.corfix.state.createForm(ACCOUNT, {
    project_id: run.corfixProjectId,
    template_name: 'Daily site inspection',
    form_date: '2026-11-20',
    status: 'completed',
  });
  const event = {
    event_id: `evt_${randomUUID()}`,
    event_type: 'form.completed',
    account_id: ACCOUNT,
    form_id: form.id,
    project_id: form.project_id,
    revision: form.revision,
    occurred_at: new Date().toISOString(),
  };
  expect(await run.postCorfixWebhook(event)).toBe(200);
  const failures = await eventually(async () => {
    const value = sample((await run.metrics()).text, 'corfix_procore_form_upload_failures_total', { reason: 'unavailable' });
    return value !== undefined && value >= 1 ? value : undefined;
  }, 30_000);
  expect(failures).toBeGreaterThanOrEqual(1);
  const { text } = await run.metrics();
  expect(sample(text, 'corfix_procore_webhook_events_total', { source: 'corfix', result: 'received', reason: '' })).toBe(1);
  run.procore.faults.clearFaults();
});

test("the Temporal SDK's metrics of the worker in the process, and the process's own, are on the same /metrics", async () => {
  const { text } = await run.metrics();
  expect(text).toMatch(/^# TYPE temporal_worker_task_slots_available gauge$/m);
  expect(text).toMatch(/^temporal_workflow_task_execution_latency_count\{.*workflow_type="InitialSync".*\} [1-9]/m);
  expect(text).toMatch(/^temporal_activity_execution_latency_count\{.*\} [1-9]/m);
  expect(text).toMatch(/^temporal_workflow_completed\{.*workflow_type="InitialSync".*\} 1$/m);
  expect(text).toMatch(/^process_cpu_user_seconds_total [0-9.]+$/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds [0-9.e-]+$/m);
  // Ids and codes only in labels: no name, email or message of anyone synced.
  for (const user of run.procore.state.usersOf(run.companyId)) {
    if (user.email_address) expect(text).not.toContain(user.email_address);
    if (user.last_name) expect(text).not.toContain(`"${user.last_name}"`);
  }
});
