// What the Temporal Web UI tells an operator, read back through the client
// as the Web UI reads it: the list the demo's query gives, each workflow's
// static summary, its current details (the SDK's metadata query, which the
// Web UI shows above the history), and the summaries of activities and timers.
import { defaultPayloadConverter } from '@temporalio/common';
import { initialSyncProgress } from '../../src/client.js';
import type { temporal } from '@temporalio/proto';
import { connectWorkflowId, initialSyncWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { integrationWorkflowsQuery } from '../../src/temporal/web-ui.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;

/**
 * Waits as long as a loaded CI machine may take (two suites running workers at
 * once made a 429's retry show after 20 s); the tests get the time to match.
 */
const WAIT_MS = 60_000;
const TEST_MS = 150_000;
const shown = <T>(probe: () => Promise<T | undefined>) => eventually(probe, WAIT_MS);

beforeAll(async () => {
  h = await startSyncHarness({ name: 'web-ui-words', corfixAccounts: ['acc_words', 'acc_wait', 'acc_fail'] });
  await h.startWorker();
});
afterAll(async () => h?.stop());

/** Clean-ups a test registers for itself; they run after it whether it passed or not. */
const cleanups: Array<() => Promise<void>> = [];
const afterThis = (cleanup: () => Promise<void>) => cleanups.push(cleanup);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids.sort();
}

/** The current details the Web UI shows: the SDK's built-in metadata query. */
async function currentDetails(workflowId: string): Promise<string> {
  const metadata = await h.temporal.client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

const summaryOf = (event: temporal.api.history.v1.IHistoryEvent): string | undefined =>
  event.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(event.userMetadata.summary) : undefined;

async function history(workflowId: string) {
  return (await h.temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

test("the demo's query lists every workflow of the integration, each saying what it is for, for which account and company", async () => {
  const company = h.procore.state.addCompany({ name: 'Words' });
  h.procore.state.generateProjects(company.id, 3);
  h.procore.state.generateUsers(company.id, 4, { is_active: true, is_employee: true });
  const connected = await h.connect({ corfix_account_id: 'acc_words', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);

  const expected = [connectWorkflowId, initialSyncWorkflowId, userSyncWorkflowId, projectSyncWorkflowId].map((id) => id(integrationId)).sort();
  const listed = await shown(async () => {
    const ids = await listIds(integrationWorkflowsQuery(integrationId));
    return expected.every((id) => ids.includes(id)) ? ids : undefined;
  });
  expect(listed).toEqual(expected);

  // Each was started with its static summary (a continuous sync's first run; later runs are its continue-as-new).
  for (const workflowId of expected) {
    const latest = await h.temporal.client.workflow.getHandle(workflowId).describe();
    const first = await h.temporal.client.workflow.getHandle(workflowId, latest.raw.workflowExecutionInfo?.firstRunId ?? undefined).describe();
    const summary = await first.staticSummary();
    expect(summary).toContain('Corfix account acc_words');
    expect(summary).toContain(`Procore company ${company.id}`);
  }
  // Continue-as-new starts a run without a static summary (Temporal carries none over): every run's
  // current details begin with what the workflow is for.
  await shown(async () => {
    const description = await h.temporal.client.workflow.getHandle(userSyncWorkflowId(integrationId)).describe();
    return description.runId !== description.raw.workflowExecutionInfo?.firstRunId ? description : undefined;
  });
  const userDetails = await shown(async () => {
    const text = await currentDetails(userSyncWorkflowId(integrationId));
    return text.includes('Waiting for the next cycle') ? text : undefined;
  });
  expect(userDetails).toMatch(/^Keeps the workers of Corfix account acc_words in step with the users of Procore company \d+\nWaiting for the next cycle/);
  expect(userDetails).toMatch(/\nCycles: 1\. Last cycle at \S+: \d+ read, \d+ created/);

  const initial = await currentDetails(initialSyncWorkflowId(integrationId));
  expect(initial).toContain('Initial sync: every project and user of');
  const { projects, users } = await initialSyncProgress(h.temporal.client, integrationId);
  expect(projects.entitiesDone).toBe(3);
  expect(initial).toContain(
    `Projects: 3 decided, ${projects.created} created (1 page). Users: ${users.entitiesDone} decided, ${users.created} created (2 pages)`,
  );
  expect(initial).toContain('State: ok');
  // Each page's activity is named by its list and page (a list's length is known from its first page's Total on: test/workflows/sync-words.test.ts).
  const summaries = (await history(initialSyncWorkflowId(integrationId))).map(summaryOf).filter(Boolean);
  expect(summaries).toEqual(expect.arrayContaining(['Corfix snapshot', 'projects page 1', 'active users page 1', 'inactive users page 1']));
  expect(await currentDetails(connectWorkflowId(integrationId))).toContain('done: the integration is live');
}, TEST_MS);

test("a 429 shows the wait and its reason in the sync's current details and on its timer", async () => {
  const company = h.procore.state.addCompany({ name: 'Rate limited words' });
  h.procore.state.generateProjects(company.id, 2);
  h.procore.faults.setFaults([{ route: 'GET /rest/v1.1/projects', errors: [{ status: 429, rate: 1, retry_after: 600 }] }]);
  const connected = await h.connect({ corfix_account_id: 'acc_wait', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;
  const workflowId = initialSyncWorkflowId(integrationId);
  // The fault answers every company's project list: it must not outlive this test, even a failed one.
  afterThis(async () => {
    h.procore.faults.clearFaults();
    await h.temporal.client.workflow.getHandle(connectWorkflowId(integrationId)).cancel();
  });

  const retrying = await shown(async () => {
    const ids = await listIds(`SyncState = "retrying" AND ${integrationWorkflowsQuery(integrationId)}`);
    return ids.length > 0 ? ids : undefined;
  });
  expect(retrying).toEqual([workflowId]);
  const details = await shown(async () => {
    const text = await currentDetails(workflowId);
    return text.includes('State: retrying') ? text : undefined;
  });
  // Which call, which status, what happens next, and until when.
  expect(details).toContain('Now: projects page 1');
  expect(details).toMatch(/State: retrying\. Procore GET \/rest\/v1\.1\/projects answered 429; the server asked to wait 600 s/);
  expect(details).toMatch(/Next: waiting for Procore's rate-limit window to reset at \d\d:\d\d:\d\d UTC/);
  // The timer starts once the problem is saved to Postgres (an activity), a workflow task after the details change.
  const timer = await shown(async () => (await history(workflowId)).find((event) => event.timerStartedEventAttributes));
  expect(summaryOf(timer)).toMatch(/^waiting for Procore's rate-limit window to reset at \d\d:\d\d:\d\d UTC$/);
}, TEST_MS);

test('a sync that cannot go on is listed under SyncState = "failed", its details saying why and that it waits for an operator', async () => {
  const company = h.procore.state.addCompany({ name: 'Uninstalls' });
  h.procore.state.generateUsers(company.id, 2);
  const stopObserving = h.procore.faults.observe(({ phase, route, request }) => {
    if (phase === 'response' && route === 'GET /rest/v1.0/companies' && request.headers['procore-company-id'] === String(company.id)) {
      h.procore.state.setAppInstalled(company.id, false);
    }
  });
  const connected = await h.connect({ corfix_account_id: 'acc_fail', procore_company_id: String(company.id) });
  const integrationId = connected.json['integration_id'] as string;
  await expect(h.connectResult(integrationId)).rejects.toThrow();
  stopObserving();

  const failed = await shown(async () => {
    const ids = await listIds(`SyncState = "failed" AND ${integrationWorkflowsQuery(integrationId)}`);
    return ids.length === 2 ? ids : undefined;
  });
  expect(failed).toEqual([connectWorkflowId(integrationId), initialSyncWorkflowId(integrationId)].sort());
  const details = await currentDetails(initialSyncWorkflowId(integrationId));
  expect(details).toContain(`State: failed. Procore says the Corfix app is not connected to company ${company.id}`);
  expect(details).toContain('Next: nothing until an operator acts');
}, TEST_MS);
