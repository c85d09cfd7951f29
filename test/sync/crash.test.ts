// The worker as its own process (node on the built worker), SIGKILLed at
// three points the simulators pick by their request counts, and restarted
// each time. Afterwards: no duplicate, nothing missing, one link per worker.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { connectWithWorker, killableWorker } from '../support/worker-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = 'acc_crash';
const PROJECTS = 650; // three pages of 300
const ACTIVE_USERS = 2_000; // two pages of 1,000
const INACTIVE_USERS = 40;

let h: SyncHarness;
let companyId: number;
const workerProcess = killableWorker(() => ({ ...h.env }));
const { kills, killOnce } = workerProcess;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
  h = await startSyncHarness({ name: 'crash', corfixAccounts: [ACCOUNT] });
  const company = h.procore.state.addCompany({ name: 'Crash Test Builders' });
  companyId = company.id;
  h.procore.state.addProjects(
    company.id,
    Array.from({ length: PROJECTS }, (_, i) => ({ name: `Site ${i}`, project_number: `S-${i}`, active: true, template: false })),
  );
  h.procore.state.addUsers(company.id, [
    ...Array.from({ length: ACTIVE_USERS }, (_, i) => ({
      first_name: `Worker${i}`,
      last_name: 'Crash',
      email_address: `worker${i}@crash.example`,
      is_active: true,
      is_employee: true,
      employee_id: `C${i}`,
      mobile_phone: null,
      business_phone: null,
      job_title: null,
    })),
    ...Array.from({ length: INACTIVE_USERS }, (_, i) => ({
      first_name: `Former${i}`,
      last_name: 'Crash',
      email_address: `former${i}@crash.example`,
      is_active: false,
      is_employee: true,
      employee_id: null,
      mobile_phone: null,
      business_phone: null,
      job_title: null,
    })),
  ]);
}, 120_000);

afterAll(async () => {
  workerProcess.stop();
  await h?.stop();
});

test('three SIGKILLs of the worker during a 2,000-user sync lose nothing and duplicate nothing', async () => {
  let projectPageRequests = 0;
  let workerCreates = 0;
  const duringProjectPages = killOnce(
    'during the project pages (as page 2 is asked for)',
    (e) => e.phase === 'request' && e.route === 'GET /rest/v1.1/projects' && projectPageRequests === 2,
  );
  const stopProcore = h.procore.faults.observe((e) => {
    if (e.phase === 'request' && e.route === 'GET /rest/v1.1/projects') projectPageRequests += 1;
    duringProjectPages(e);
    return duringLastPage(e);
  });
  const createdWorker = (e: ObservedRequest) =>
    e.phase === 'send' && e.route === 'POST /v1/accounts/:account_id/workers' && e.status === 201;
  const betweenCreateAndNext = killOnce(
    'between a Corfix create and the next request (its answer lost)',
    (e) => createdWorker(e) && workerCreates === 1_234,
  );
  // Inactive users make no Corfix call (none is created): the page is cut as Procore answers it.
  const duringLastPage = killOnce(
    'during the last user page (inactive users)',
    (e) => e.phase === 'send' && e.route === 'GET /rest/v1.0/companies/:company_id/users/inactive',
  );
  // The lost answer: the 201 is held at 'send' until the worker that asked is dead, so no
  // process ever read it; afterwards that create is never asked again under its key (the
  // record is re-found by external_ref) or, if it is, Corfix answers it by replay.
  let lostAnswer: { key: string; externalRef: string; heldUntilDeath: boolean } | undefined;
  const sameKeyLater: number[] = [];
  const stopCorfix = h.corfix.faults.observe(async (e) => {
    if (createdWorker(e)) workerCreates += 1;
    if (e.phase === 'send' && e.route === 'POST /v1/accounts/:account_id/workers' && lostAnswer && !createdWorker(e)) {
      if (e.request.headers['idempotency-key'] === lostAnswer.key) sameKeyLater.push(e.status);
    }
    const killed = betweenCreateAndNext(e);
    if (killed) {
      lostAnswer = {
        key: String(e.request.headers['idempotency-key']),
        externalRef: String((e.request.body as { external_ref: string }).external_ref),
        heldUntilDeath: false,
      };
      await killed;
      lostAnswer.heldUntilDeath = true;
    }
  });

  const integrationId = await connectWithWorker(h, workerProcess, {
    corfix_account_id: ACCOUNT,
    procore_company_id: String(companyId),
    sync_employees_only: true,
    auto_activate_workers: false,
  });
  stopProcore();
  stopCorfix();
  expect(kills).toEqual([
    'during the project pages (as page 2 is asked for)',
    'between a Corfix create and the next request (its answer lost)',
    'during the last user page (inactive users)',
  ]);

  // The answer of the killed create was held until the worker process had exited: it was lost.
  expect(lostAnswer).toMatchObject({ heldUntilDeath: true });
  expect(sameKeyLater.every((status) => status === 201)).toBe(true); // a replay, never a second worker

  const corfix = h.corfix.state.snapshot();
  const workers = corfix.workers.filter((w) => w.account_id === ACCOUNT);
  const projects = corfix.projects.filter((p) => p.account_id === ACCOUNT);

  // Every expected worker, none twice (by external_ref and by email).
  expect(workers).toHaveLength(ACTIVE_USERS);
  expect(new Set(workers.map((w) => w.external_ref)).size).toBe(ACTIVE_USERS);
  expect(new Set(workers.map((w) => w.email?.toLowerCase())).size).toBe(ACTIVE_USERS);
  const activeUsers = h.procore.state.usersOf(companyId).filter((u) => u.is_active && u.last_name === 'Crash');
  const expectedRefs = new Set(activeUsers.map((u) => `procore:${companyId}:user:${u.id}`));
  expect(new Set(workers.map((w) => w.external_ref))).toEqual(expectedRefs);
  expect(projects).toHaveLength(PROJECTS);
  expect(new Set(projects.map((p) => p.external_ref)).size).toBe(PROJECTS);

  // One link row per created worker, each pointing at a distinct Corfix worker.
  const links = await h.t.db('worker_links').where({ integration_id: integrationId });
  expect(links).toHaveLength(ACTIVE_USERS);
  expect(new Set(links.map((l: { corfix_worker_id: string }) => l.corfix_worker_id))).toEqual(new Set(workers.map((w) => w.id)));

  // Every "linked" outcome is a user the rules would have created; every entity has one row.
  const outcomes = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user' });
  expect(outcomes).toHaveLength(ACTIVE_USERS + INACTIVE_USERS + 1);
  const activeIds = new Set(activeUsers.map((u) => String(u.id)));
  for (const o of outcomes.filter((r: { outcome: string }) => r.outcome === 'linked')) {
    expect(activeIds.has(String(o.procore_id))).toBe(true);
  }
  expect(outcomes.filter((r: { outcome: string; reason: string }) => r.outcome !== 'skipped')).toHaveLength(ACTIVE_USERS);
  // This integration made every one of them, those whose answer or link a kill lost included: all `created`.
  const lostUserId = lostAnswer?.externalRef.split(':').pop();
  expect(outcomes.find((o: { procore_id: string }) => String(o.procore_id) === lostUserId)).toMatchObject({ outcome: 'created' });
  expect(outcomes.filter((r: { outcome: string }) => r.outcome === 'created')).toHaveLength(ACTIVE_USERS);
  const projectOutcomes = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'project' });
  expect(projectOutcomes.filter((r: { outcome: string }) => r.outcome === 'created')).toHaveLength(PROJECTS);
}, 300_000);
