// Refusals and timeouts end to end, with both simulators and a real worker:
// a permission granted after connecting, a list too large to answer in one
// page, and a Corfix refusal whose words must not reach history or Postgres.
import { initialSyncWorkflowId, connectWorkflowId } from '../../src/temporal/workflow-ids.js';
import { progressQuery } from '../../src/workflows/initial-sync.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

/** Short, so the test sees a retry; the service's default is 5 minutes. */
const ACCESS_RETRY_MS = 2_000;
const USERS_ROUTE = 'GET /rest/v1.3/companies/:company_id/users';

let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'refusals',
    corfixAccounts: ['acc_perm', 'acc_large', 'acc_email'],
    accessRetryMs: ACCESS_RETRY_MS,
  });
  await h.startWorker();
});
afterAll(async () => h?.stop());
afterEach(() => {
  h.procore.faults.clearFaults();
  h.corfix.faults.clearFaults();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a 403 on the users list waits, naming the missing permission, and the sync finishes once it is granted', async () => {
  const company = h.procore.state.addCompany({ name: 'Permissions come later' });
  h.procore.state.generateUsers(company.id, 3, { is_active: true, is_employee: true });
  h.procore.faults.setFaults([{ route: USERS_ROUTE, errors: [{ status: 403, rate: 1 }] }]);
  const connected = await h.connect({ corfix_account_id: 'acc_perm', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;
  const handle = h.temporal.client.workflow.getHandle(initialSyncWorkflowId(integrationId));

  const waiting = await eventually(async () => {
    const progress = await handle.query(progressQuery);
    return progress.state === 'retrying' ? progress : undefined;
  });
  const sentence = `Procore refused GET /rest/v1.3/companies/${company.id}/users (403): the app's service account needs the Directory tool's read permission in this company; retrying every 2 s`;
  expect(waiting.problem).toMatch(/ \(attempt \d+; next try in 2 s\)$/);
  expect(waiting.problem?.startsWith(sentence)).toBe(true);
  // The query answers as soon as the workflow decided to wait; the sentence reaches Postgres by the activity after.
  const lastError = await eventually(async () => (await h.status('acc_perm'))['last_error'] as { message: string } | null ?? undefined);
  expect(lastError.message).toContain(sentence);

  // The company admin grants the permission.
  h.procore.faults.clearFaults();
  await h.connectResult(integrationId);
  expect(await h.status('acc_perm')).toMatchObject({ status: 'active', initial_sync: { state: 'completed' } });
  const created = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user', outcome: 'created' });
  expect(created).toHaveLength(3);
}, 60_000);

test('a 408 on a large users page halves the page size mid-list, skips nobody, and the integration remembers the size', async () => {
  const company = h.procore.state.addCompany({ name: 'Huge directory' });
  // Non-employees with Sync Employees Only: each user is decided (skipped) without a Corfix call.
  h.procore.state.generateUsers(company.id, 2_400, { is_active: true, is_employee: false });
  const total = h.procore.state.usersOf(company.id).filter((u) => u.is_active).length;
  const served: Array<{ page: number; perPage: number; status: number }> = [];
  const stopObserving = h.procore.faults.observe(({ phase, route, status, request }) => {
    if (phase !== 'response' || route !== USERS_ROUTE) return;
    const query = request.query as Record<string, string>;
    // This company's initial sync only: not another test's continuous syncs, nor this one's cycles after it (filtered by updated_at).
    if ((request.params as Record<string, string>)['company_id'] !== String(company.id) || query['filters[updated_at]'] !== undefined) return;
    served.push({ page: Number(query['page']), perPage: Number(query['per_page']), status });
    // From the second page on, pages of 1000 take too long.
    if (served.length === 1) h.procore.pageTimeouts.users = 500;
  });
  try {
    const connected = await h.connect({
      corfix_account_id: 'acc_large',
      procore_company_id: String(company.id),
      sync_employees_only: true,
    });
    const integrationId = connected.json['integration_id'] as string;
    // Bounded, so that a sync stuck on 408s (as before the fix) fails on what was asked, not on a timeout.
    await Promise.race([h.connectResult(integrationId), sleep(60_000)]);

    expect(served.slice(0, 3)).toEqual([
      { page: 1, perPage: 1000, status: 200 },
      { page: 2, perPage: 1000, status: 408 },
      // Page 2 at 1000 starts at record 1000: page 3 at 500.
      { page: 3, perPage: 500, status: 200 },
    ]);
    // Every user exactly once: the pages answered cover 0..total without overlap.
    const covered = served
      .filter((s) => s.status === 200)
      .flatMap((s) => Array.from({ length: Math.max(0, Math.min(s.page * s.perPage, total) - (s.page - 1) * s.perPage) }, (_, i) => (s.page - 1) * s.perPage + i));
    expect(covered).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(await h.status('acc_large')).toMatchObject({ status: 'active' });
    const users = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user' }).count<{ count: string }[]>('* as count');
    expect(Number(users[0]?.count)).toBe(h.procore.state.usersOf(company.id).length);
    const row = await h.t.db('integrations').where({ id: integrationId }).first();
    expect(row.procore_page_sizes).toEqual({ active: 500 });

    // A later sync of the same integration starts at the remembered size.
    served.length = 0;
    delete h.procore.pageTimeouts.users;
    await h.temporal.client.workflow.execute('InitialSync', {
      taskQueue: h.taskQueue,
      workflowId: `again-${integrationId}`,
      args: [{ integrationId }],
    });
    expect(served[0]).toEqual({ page: 1, perPage: 500, status: 200 });
  } finally {
    stopObserving();
    delete h.procore.pageTimeouts.users;
  }
}, 120_000);

/**
 * History as text with its payloads decoded, without what names the worker
 * process or its code rather than the sync (identities and sticky queues are
 * pid@host, build ids @temporalio/worker@version, stack traces paths under
 * node_modules/@temporalio).
 */
function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) => {
    if (['identity', 'taskQueue', 'workerVersion', 'stackTrace'].includes(key)) return undefined;
    if (key === 'data' && typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
    return value;
  });
}

test("a Corfix refusal whose words hold an email leaves no email in workflow history or last_error", async () => {
  const company = h.procore.state.addCompany({ name: 'Refused by Corfix' });
  h.procore.state.generateUsers(company.id, 2, { is_active: true, is_employee: true });
  h.corfix.faults.setFaults([
    {
      route: 'POST /v1/accounts/:account_id/workers',
      errors: [{ status: 403, rate: 1, message: 'ann.lee@example.com may not be added to this account' }],
    },
  ]);
  const connected = await h.connect({ corfix_account_id: 'acc_email', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;
  await expect(h.connectResult(integrationId)).rejects.toThrow();

  const lastError = ((await h.status('acc_email'))['last_error'] as { message: string }).message;
  expect(lastError).toContain('403');
  expect(lastError).not.toContain('@');
  for (const workflowId of [initialSyncWorkflowId(integrationId), connectWorkflowId(integrationId)]) {
    const text = historyText(await h.temporal.client.workflow.getHandle(workflowId).fetchHistory());
    expect(text).toContain('403');
    expect(text).not.toContain('@');
  }
}, 60_000);
