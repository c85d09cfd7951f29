// What an operator sees while a sync runs, waits or fails: the progress
// query, search attributes in the Web UI's list, and sentences in the API.
import { initialSyncProgress } from '../../src/client.js';
import { initialSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'operator', corfixAccounts: ['acc_run', 'acc_gone', 'acc_slow'] });
  await h.startWorker();
});
afterAll(async () => h?.stop());

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

test('while users sync, the progress query answers and SyncPhase = "users" finds the sync', async () => {
  const company = h.procore.state.addCompany({ name: 'Busy' });
  h.procore.state.generateUsers(company.id, 150, { is_active: true, is_employee: true });
  // Slow Corfix creates down so the users phase lasts a few seconds.
  h.corfix.faults.setFaults([{ route: 'POST /v1/accounts/:account_id/workers', latency_ms: 200 }]);
  const connected = await h.connect({ corfix_account_id: 'acc_run', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;

  const listed = await eventually(async () => {
    const ids = await listIds(`SyncPhase = "users" AND IntegrationId = "${integrationId}"`);
    return ids.length > 0 ? ids : undefined;
  });
  expect(listed).toEqual([initialSyncWorkflowId(integrationId)]);
  const progress = await initialSyncProgress(h.temporal.client, integrationId);
  expect(progress.phase).toBe('users');
  expect(progress.state).toBe('ok');
  expect(progress.projects.pagesDone).toBe(1);

  const byAccount = await listIds(`CorfixAccountId = "acc_run" AND ProcoreCompanyId = "${company.id}"`);
  expect(byAccount.sort()).toEqual([`connect/${integrationId}`, initialSyncWorkflowId(integrationId)].sort());

  await h.connectResult(integrationId);
  h.corfix.faults.clearFaults();
  const done = await initialSyncProgress(h.temporal.client, integrationId);
  const createdRows = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user', outcome: 'created' });
  expect(createdRows.length).toBeGreaterThan(100);
  expect(done).toMatchObject({ phase: 'done', state: 'ok', users: { entitiesDone: 151, created: createdRows.length } });
});

test('a company that answers 403 "App is not connected" fails the sync at once, with that sentence', async () => {
  const company = h.procore.state.addCompany({ name: 'Uninstalls the app' });
  h.procore.state.generateUsers(company.id, 5);
  // The app is removed right after Connect checked it, before the sync reads anything.
  const stopObserving = h.procore.faults.observe(({ phase, route, request }) => {
    if (phase === 'response' && route === 'GET /rest/v1.0/companies' && request.headers['procore-company-id'] === String(company.id)) {
      h.procore.state.setAppInstalled(company.id, false);
    }
  });
  const connected = await h.connect({ corfix_account_id: 'acc_gone', procore_company_id: String(company.id) });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;

  await expect(h.connectResult(integrationId)).rejects.toThrow();
  const failed = await eventually(async () => {
    const ids = await listIds(`SyncState = "failed" AND IntegrationId = "${integrationId}"`);
    return ids.includes(initialSyncWorkflowId(integrationId)) ? ids : undefined;
  });
  expect(failed).toContain(initialSyncWorkflowId(integrationId));

  const status = await h.status('acc_gone');
  expect(status).toMatchObject({ status: 'error', initial_sync: { state: 'failed' } });
  const lastError = (status['last_error'] as { message: string }).message;
  expect(lastError).toContain(`not connected to company ${company.id}`);
  // It failed at once: one attempt, no waiting.
  const history = await h.temporal.client.workflow.getHandle(initialSyncWorkflowId(integrationId)).fetchHistory();
  expect(history.events?.filter((e) => e.timerStartedEventAttributes)).toHaveLength(0);
  stopObserving();
});

test('a 429 with Retry-After: 7 is retried no sooner than 7 s later, and the sync says it is retrying', async () => {
  const company = h.procore.state.addCompany({ name: 'Rate limited' });
  h.procore.state.generateProjects(company.id, 3);
  const projectRequests: Array<{ at: number; status: number }> = [];
  const route = 'GET /rest/v1.1/projects';
  h.procore.faults.setFaults([{ route, errors: [{ status: 429, rate: 1, retry_after: 7 }] }]);
  // The retry's request waits until the test has looked: on a busy machine visibility may lag past the 7 s.
  let looked!: () => void;
  const lookedAt = new Promise<void>((resolve) => (looked = resolve));
  const stopObserving = h.procore.faults.observe((event) => {
    if (event.route !== route) return undefined;
    if (event.phase === 'request') return projectRequests.length === 1 ? lookedAt : undefined;
    if (event.phase !== 'send') return undefined;
    projectRequests.push({ at: Date.now(), status: event.status });
    if (event.status === 429) h.procore.faults.clearFaults();
    return undefined;
  });
  const connected = await h.connect({ corfix_account_id: 'acc_slow', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;

  const retrying = await eventually(async () => {
    const ids = await listIds(`SyncState = "retrying" AND IntegrationId = "${integrationId}"`);
    return ids.length > 0 ? ids : undefined;
  });
  expect(retrying).toEqual([initialSyncWorkflowId(integrationId)]);
  // The workflow shows "retrying" first, then records the sentence (an activity): the API has it a moment later.
  const waiting = await eventually(async () => {
    const status = await h.status('acc_slow');
    return status['last_error'] === null ? undefined : status;
  }).finally(looked);
  expect((waiting['last_error'] as { message: string }).message).toMatch(/429.*wait 7 s/);
  // Postgres tells a waiting sync from a healthy one: since when, and when it tries again.
  const state = waiting['sync_state'] as { state: string; since: string; next_try_at: string };
  expect(state.state).toBe('retrying');
  expect(Date.parse(state.next_try_at) - Date.parse(state.since)).toBeGreaterThanOrEqual(6_000);

  await h.connectResult(integrationId);
  // Recovered: the stale sentence is gone.
  expect(await h.status('acc_slow')).toMatchObject({
    status: 'active',
    last_error: null,
    sync_state: { state: 'ok', since: null, next_try_at: null },
  });
  expect(projectRequests.map((r) => r.status)).toEqual([429, 200]);
  const [first, second] = projectRequests as unknown as [{ at: number }, { at: number }];
  expect(second.at - first.at).toBeGreaterThanOrEqual(7_000);
  stopObserving();
}, 60_000);

test('after a failed first sync the account can connect again, as a new generation', async () => {
  const before = await h.status('acc_gone');
  expect(before).toMatchObject({ status: 'error', generation: 1 });
  const company = h.procore.state.addCompany({ name: 'Installed this time' });
  const again = await h.connect({ corfix_account_id: 'acc_gone', procore_company_id: String(company.id) });
  expect(again.statusCode).toBe(202);
  await h.connectResult(again.json['integration_id'] as string);
  expect(await h.status('acc_gone')).toMatchObject({ status: 'active', generation: 2 });
  const old = await h.t.db('integrations').where({ id: before['integration_id'] as string }).first();
  expect(old.status).toBe('disconnected');
});
