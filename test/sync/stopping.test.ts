// A page in progress is not a reason to stay alive or to keep going:
// an activity stuck on the database times out by its heartbeat, a terminated
// sync stops creating Corfix records at its next entity, and a worker asked to
// shut down hands its page back instead of finishing it.
import { findIntegration } from '../../src/db/repositories/integrations.js';
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import { initialSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import type { InitialSyncProgress } from '../../src/workflows/initial-sync.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNTS = ['acc_db_stuck', 'acc_terminated_mid_page', 'acc_shutdown_mid_page'];
const CREATE_PROJECT = /^POST \/v1\/accounts\/:account_id\/projects$/;
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'stopping', corfixAccounts: ACCOUNTS });
  await h.startWorker();
});
afterAll(async () => h?.stop());
afterEach(() => h.corfix.faults.clearFaults());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A company with `count` new projects (one page of up to 300), each one a Corfix create. */
function companyWithProjects(name: string, count: number): string {
  const company = h.procore.state.addCompany({ name });
  h.procore.state.addProjects(
    company.id,
    Array.from({ length: count }, (_, i) => ({ name: `${name} site ${i}`, project_number: `${name.slice(0, 3)}-${i}`, active: true, template: false })),
  );
  return String(company.id);
}

/** Every Corfix project create request for `account` as it arrives. */
function countCreates(account: string): { count(): number; stop(): void } {
  let n = 0;
  const stop = h.corfix.faults.observe((event: ObservedRequest) => {
    const params = event.request.params as { account_id?: string };
    if (event.phase === 'request' && CREATE_PROJECT.test(event.route) && params.account_id === account) n += 1;
  });
  return { count: () => n, stop };
}

/** Corfix creates answer after `ms`: a page of many projects takes many seconds. */
function slowCreates(ms: number): void {
  h.corfix.faults.setFaults([{ route: 'POST /v1/accounts/:account_id/projects', latency_ms: ms }]);
}

async function connect(account: string, companyId: string): Promise<string> {
  const connected = await h.connect({ corfix_account_id: account, procore_company_id: companyId });
  expect(connected.statusCode).toBe(202);
  return connected.json['integration_id'] as string;
}

const progressOf = (integrationId: string) =>
  h.temporal.client.workflow.getHandle(initialSyncWorkflowId(integrationId)).query<InitialSyncProgress>('progress');

const corfixProjectsOf = (companyId: string) =>
  [...h.corfix.state.projects.values()].filter((p) => p.external_ref?.startsWith(`procore:${companyId}:project:`));

test('a page whose database write waits on a lock held elsewhere fails by its heartbeat timeout, not after an hour', async () => {
  slowCreates(300);
  const companyId = companyWithProjects('Locked', 6);
  const integrationId = await connect('acc_db_stuck', companyId);
  // Hold the integration's row as soon as the sync has begun: the page's progress write must wait on it.
  await eventually(async () => ((await findIntegration(h.t.db, integrationId))?.status === 'initial_sync' ? true : undefined));
  const holder = await h.t.db.transaction();
  try {
    await holder('integrations').where({ id: integrationId }).forUpdate().first();
    const retrying = await eventually(async () => {
      const progress = await progressOf(integrationId);
      return progress.state === 'retrying' ? progress : undefined;
    }, 40_000);
    expect(retrying.problem).toBeTruthy();
  } finally {
    await holder.rollback();
  }
  // Once the lock is gone, the sync finishes with every project created once.
  await h.connectResult(integrationId);
  expect(corfixProjectsOf(companyId)).toHaveLength(6);
}, 90_000);

/** A sync of 200 projects (one page, creates slowed to 1 s) that has sent its first 16 creates. */
async function midPage(account: string, name: string): Promise<{ integrationId: string; companyId: string; creates: () => number }> {
  slowCreates(1_000);
  const companyId = companyWithProjects(name, 200);
  const creates = countCreates(account);
  stopCounting.push(creates.stop);
  const integrationId = await connect(account, companyId);
  await eventually(async () => (creates.count() >= 16 ? true : undefined), 30_000);
  return { integrationId, companyId, creates: creates.count };
}

const stopCounting: Array<() => void> = [];
afterEach(() => stopCounting.splice(0).forEach((stop) => stop()));

test('a sync terminated mid-page stops creating Corfix projects within seconds', async () => {
  const { integrationId, creates } = await midPage('acc_terminated_mid_page', 'Terminated');
  await h.temporal.client.workflow.getHandle(initialSyncWorkflowId(integrationId)).terminate('operator stopped it');
  const atTerminate = creates();
  await sleep(6_000);
  const settled = creates();
  await sleep(4_000);
  const later = creates();
  console.log(`creates: ${atTerminate} at terminate, ${settled} 6 s later, ${later} 10 s later (page of 200)`);
  expect(later).toBe(settled);
  expect(later).toBeLessThan(atTerminate + 40);
}, 60_000);

test('a worker asked to shut down mid-page hands the page back within its grace time; a new worker resumes it', async () => {
  const { integrationId, companyId, creates } = await midPage('acc_shutdown_mid_page', 'Shutdown');
  // 200 creates, 8 at a time, 1 s each: the page has about 23 s to go.
  const started = Date.now();
  await h.stopWorker();
  const stoppedMs = Date.now() - started;
  console.log(`worker stopped ${stoppedMs} ms after shutdown was asked, ${creates()} creates sent`);
  expect(stoppedMs).toBeLessThan(10_000);
  expect(creates()).toBeLessThan(120);

  h.corfix.faults.clearFaults();
  await h.startWorker();
  await h.connectResult(integrationId);
  expect(corfixProjectsOf(companyId)).toHaveLength(200);
}, 120_000);
