// After the connect, each change in Procore (docs/rules.md: "After the
// initial sync", "User changes", "Project changes") reaches Corfix through
// both ways the continuous syncs learn of it:
//  - webhook: the API listens on a real port, the connect registers a hook in
//    the Procore simulator, and the loops poll once an hour: only the
//    webhook can wake them;
//  - polling (the webhooks lost): no hook, a poll every second and a full
//    reconciliation every two (deletions are seen only by the full pass).
// One harness per way; each test has a Procore company and a Corfix account
// of its own, so the tests run concurrently (jest's maxConcurrency at a time).
import { randomBytes } from 'node:crypto';
import { continuousSyncStatus } from '../../src/client.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../../src/domain/external-ref.js';
import type { ProcoreState, SimProject, SimUser } from '../../src/simulators/procore/state.js';
import { eventually } from '../support/eventually.js';
import { API_TOKEN, PROCORE_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

type Path = 'webhook' | 'polling';
const PATHS: Path[] = ['webhook', 'polling'];
const HOUR = 60 * 60_000;
/** each test's limit: its waits are generous (until), so the test's must be too */
const TEST_MS = 150_000;
const ACCOUNTS_PER_PATH = 24;
const accountsOf = (path: Path) => Array.from({ length: ACCOUNTS_PER_PATH }, (_, i) => `acc_${path}_${i}`);

const harnesses = {} as Record<Path, SyncHarness>;
const accountsUsed: Record<Path, number> = { webhook: 0, polling: 0 };

beforeAll(async () => {
  const [webhook, polling] = await Promise.all([
    startSyncHarness({ name: 'transitions-webhook', corfixAccounts: accountsOf('webhook') }),
    startSyncHarness({ name: 'transitions-polling', corfixAccounts: accountsOf('polling') }),
  ]);
  harnesses.webhook = webhook;
  harnesses.polling = polling;
  const publicUrl = await webhook.listenApi();
  await Promise.all([
    webhook.startWorker({ pollIntervalMs: HOUR, fullSyncIntervalMs: 24 * HOUR, webhooks: { publicUrl, secret: PROCORE_WEBHOOK_SECRET } }),
    polling.startWorker({ pollIntervalMs: 1_000, fullSyncIntervalMs: 2_000 }),
  ]);
});
afterAll(async () => {
  await Promise.allSettled(Object.values(harnesses).map((h) => h.stop()));
});

// --- helpers ---------------------------------------------------------------------------

interface Connected {
  path: Path;
  h: SyncHarness;
  procore: ProcoreState;
  /** the Procore company id, as a number and as the service spells it */
  company: number;
  companyId: string;
  account: string;
  integrationId: string;
}

const auth = { authorization: `Bearer ${API_TOKEN}` };

/** Polls `probe` (through `eventually`) until `ok`; on timeout says what it last saw. */
// Up to 48 loops polling every second share the test worker's few activity slots: under a loaded CI
// machine a cycle can wait its turn for a while, so the waits are generous (each test's own limit is TEST_MS).
async function until<T>(what: string, probe: () => T | Promise<T>, ok: (value: T) => boolean, timeoutMs = 45_000): Promise<T> {
  let last: T | undefined;
  try {
    return await eventually(async () => {
      last = await probe();
      return ok(last) ? last : undefined;
    }, timeoutMs);
  } catch {
    throw new Error(`${what}: not reached within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** Both loops ran a cycle and wait for the next: nothing pending that a change made now could be mistaken for. */
async function loopsSettled(h: SyncHarness, integrationId: string): Promise<void> {
  for (const entity of ['users', 'projects'] as const) {
    await until(
      `${entity} loop settled`,
      () => continuousSyncStatus(h.temporal.client, integrationId, entity),
      (s) => s.cycles >= 1 && s.phase === 'waiting' && !s.cycleRequested,
    );
  }
}

/** A new Procore company (seeded by `setup`) connected to the path's next Corfix account, its first cycles done. */
async function connectNew(
  path: Path,
  setup: (procore: ProcoreState, company: number) => void,
  toggles: { sync_employees_only?: boolean; auto_activate_workers?: boolean } = {},
): Promise<Connected> {
  const h = harnesses[path];
  const account = `acc_${path}_${accountsUsed[path]++}`;
  const company = h.procore.state.addCompany({ name: `Transitions ${account}` }).id;
  setup(h.procore.state, company);
  const answer = await h.connect({ corfix_account_id: account, procore_company_id: String(company), auto_activate_workers: true, ...toggles });
  expect(answer.statusCode).toBe(202);
  const integrationId = answer.json['integration_id'] as string;
  await h.connectResult(integrationId);
  await loopsSettled(h, integrationId);
  const c: Connected = { path, h, procore: h.procore.state, company, companyId: String(company), account, integrationId };
  // The way under test: a hook only where webhooks are configured.
  expect(h.procore.state.hooksOf(company)).toHaveLength(path === 'webhook' ? 1 : 0);
  expect((await integrationStatus(c))['webhooks']).toEqual({ registered: path === 'webhook' });
  return c;
}

const workersOf = (c: Connected) => [...c.h.corfix.state.workers.values()].filter((w) => w.account_id === c.account);
const projectsOf = (c: Connected) => [...c.h.corfix.state.projects.values()].filter((p) => p.account_id === c.account);
const workerOf = (c: Connected, userId: number) =>
  workersOf(c).find((w) => w.external_ref === procoreUserExternalRef(c.companyId, String(userId)));
const projectOf = (c: Connected, projectId: number) =>
  projectsOf(c).find((p) => p.external_ref === procoreProjectExternalRef(c.companyId, String(projectId)));

interface OutcomeRow {
  outcome: string;
  reason: string;
  field: string | null;
  corfix_id: string | null;
}

async function outcomeOf(c: Connected, entity: 'user' | 'project', procoreId: number, integrationId = c.integrationId): Promise<OutcomeRow | undefined> {
  return c.h.t
    .db('sync_outcomes')
    .where({ integration_id: integrationId, entity, procore_id: String(procoreId) })
    .first('outcome', 'reason', 'field', 'corfix_id');
}

/** Waits for the record's report row to say `outcome`/`reason`. */
function untilOutcome(c: Connected, entity: 'user' | 'project', procoreId: number, outcome: string, reason: string): Promise<OutcomeRow | undefined> {
  return until(
    `${c.path}: ${entity} ${procoreId} reported ${outcome}/${reason}`,
    () => outcomeOf(c, entity, procoreId),
    (row) => row?.outcome === outcome && row.reason === reason,
  );
}

/** On the webhook way, Procore's deliveries to this company's hook did arrive (each answered 200). */
async function expectWebhooksDelivered(c: Connected): Promise<void> {
  if (c.path !== 'webhook') return;
  const deliveries = () => c.h.procore.webhooks.deliveries.filter((d) => d.payload.company_id === c.company);
  // An answer may still be on its way back to the simulator.
  await until('the deliveries answered', () => deliveries().map((d) => d.state), (states) => states.every((s) => s !== 'pending'));
  expect(deliveries().length).toBeGreaterThan(0);
  expect(deliveries().map((d) => [d.state, d.attempts.map((a) => a.status)])).toEqual(deliveries().map(() => ['delivered', [200]]));
}

async function integrationStatus(c: Connected): Promise<Record<string, any>> {
  const response = await c.h.api.inject({ method: 'GET', url: `/v1/integrations/${c.account}`, headers: auth });
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function control(c: Connected, method: 'POST' | 'DELETE', suffix = ''): Promise<{ statusCode: number; json: Record<string, any> }> {
  const response = await c.h.api.inject({ method, url: `/v1/integrations/${c.account}${suffix}`, headers: auth });
  return { statusCode: response.statusCode, json: response.json() };
}

/**
 * A test's last step: its integration disconnected, so that its loops stop
 * (the polling ones would otherwise cycle every second for the rest of the file).
 */
async function retire(c: Connected): Promise<void> {
  const answer = await control(c, 'DELETE');
  expect(answer.statusCode).toBe(200);
}

const addUser = (procore: ProcoreState, company: number, fields: Partial<SimUser>): SimUser =>
  procore.addUsers(company, [fields])[0] as SimUser;
const addProject = (procore: ProcoreState, company: number, fields: Partial<SimProject>): SimProject =>
  procore.addProjects(company, [fields])[0] as SimProject;

// --- users -------------------------------------------------------------------------------------

test.concurrent.each(PATHS)('users: deactivated -> blocked; reactivated -> unblocked, back to its status before the block (%s)', async (path) => {
  let ann!: SimUser;
  const c = await connectNew(path, (p, co) => {
    ann = addUser(p, co, { first_name: 'Ann', last_name: 'Active', email_address: 'ann@example.com' });
  });
  expect(workerOf(c, ann.id)?.status).toBe('pending_email_verification');
  // The worker moved on in Corfix since it was made: the unblock must bring back this status, not the one at creation.
  const worker = workerOf(c, ann.id)!;
  c.h.corfix.state.verifyWorkerEmail(c.account, worker.id);
  expect(workerOf(c, ann.id)?.status).toBe('active');

  c.procore.setUserActive(c.company, ann.id, false);
  expect(await untilOutcome(c, 'user', ann.id, 'blocked', 'deactivated')).toMatchObject({ field: null, corfix_id: worker.id });
  expect(workerOf(c, ann.id)?.status).toBe('blocked');

  c.procore.setUserActive(c.company, ann.id, true);
  await untilOutcome(c, 'user', ann.id, 'unblocked', 'reactivated');
  expect(workerOf(c, ann.id)?.status).toBe('active');
  expect(workersOf(c)).toHaveLength(1);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: deactivated while still pending account activation -> left pending, reported pending_activation (%s)', async (path) => {
  let paul!: SimUser;
  const c = await connectNew(
    path,
    (p, co) => {
      paul = addUser(p, co, { first_name: 'Paul', last_name: 'Pending', email_address: 'paul@example.com' });
    },
    { auto_activate_workers: false },
  );
  expect(workerOf(c, paul.id)?.status).toBe('pending_account_activation');

  c.procore.setUserActive(c.company, paul.id, false);
  await untilOutcome(c, 'user', paul.id, 'skipped', 'pending_activation');
  expect(workerOf(c, paul.id)?.status).toBe('pending_account_activation');
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: Sync Employees Only: no longer an employee -> blocked; an employee again -> unblocked; newly an employee -> created (%s)', async (path) => {
  let emma!: SimUser;
  let nick!: SimUser;
  const c = await connectNew(
    path,
    (p, co) => {
      emma = addUser(p, co, { first_name: 'Emma', last_name: 'Employee', email_address: 'emma@example.com', is_employee: true });
      nick = addUser(p, co, { first_name: 'Nick', last_name: 'Nonemployee', email_address: 'nick@example.com', is_employee: false });
    },
    { sync_employees_only: true },
  );
  expect(workerOf(c, emma.id)?.status).toBe('pending_email_verification');
  expect(workerOf(c, nick.id)).toBeUndefined();
  expect(await outcomeOf(c, 'user', nick.id)).toMatchObject({ outcome: 'skipped', reason: 'not_employee' });

  c.procore.updateUser(c.company, emma.id, { is_employee: false });
  await untilOutcome(c, 'user', emma.id, 'blocked', 'no_longer_employee');
  expect(workerOf(c, emma.id)?.status).toBe('blocked');

  c.procore.updateUser(c.company, emma.id, { is_employee: true });
  c.procore.updateUser(c.company, nick.id, { is_employee: true });
  await untilOutcome(c, 'user', emma.id, 'unblocked', 'employee_again');
  expect(workerOf(c, emma.id)?.status).toBe('pending_email_verification');
  const created = await untilOutcome(c, 'user', nick.id, 'created', 'created');
  expect(workerOf(c, nick.id)).toMatchObject({ id: created?.corfix_id, first_name: 'Nick', status: 'pending_email_verification' });
  expect(workersOf(c)).toHaveLength(2);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: a new active user, and an inactive user who becomes active -> created (%s)', async (path) => {
  let ivy!: SimUser;
  const c = await connectNew(path, (p, co) => {
    ivy = addUser(p, co, { first_name: 'Ivy', last_name: 'Inactive', email_address: 'ivy@example.com', is_active: false });
  });
  expect(await outcomeOf(c, 'user', ivy.id)).toMatchObject({ outcome: 'skipped', reason: 'inactive_not_in_corfix' });
  expect(workersOf(c)).toHaveLength(0);

  const nora = addUser(c.procore, c.company, { first_name: 'Nora', last_name: 'New', email_address: 'nora@example.com', employee_id: '0042' });
  c.procore.setUserActive(c.company, ivy.id, true);
  const noraRow = await untilOutcome(c, 'user', nora.id, 'created', 'created');
  const ivyRow = await untilOutcome(c, 'user', ivy.id, 'created', 'created');
  expect(workerOf(c, nora.id)).toMatchObject({ id: noraRow?.corfix_id, first_name: 'Nora', employee_number: '0042', email: 'nora@example.com' });
  expect(workerOf(c, ivy.id)).toMatchObject({ id: ivyRow?.corfix_id, first_name: 'Ivy', status: 'pending_email_verification' });
  expect(workersOf(c)).toHaveLength(2);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: changed name, phones, employee id and email -> the worker is updated (%s)', async (path) => {
  let fred!: SimUser;
  const c = await connectNew(path, (p, co) => {
    fred = addUser(p, co, {
      first_name: 'Fred',
      last_name: 'Field',
      email_address: 'fred@example.com',
      mobile_phone: null,
      business_phone: '+15550100',
      employee_id: 'E-1',
    });
  });
  expect(workerOf(c, fred.id)).toMatchObject({ phone_number: '+15550100', employee_number: 'E-1', email: 'fred@example.com' });

  c.procore.updateUser(c.company, fred.id, {
    first_name: 'Frederick',
    last_name: 'Fields',
    mobile_phone: '+15550199',
    employee_id: '00042',
    email_address: 'frederick@example.com',
  });
  const row = await untilOutcome(c, 'user', fred.id, 'updated', 'fields_changed');
  expect(row).toMatchObject({ field: null, corfix_id: workerOf(c, fred.id)?.id });
  expect(workerOf(c, fred.id)).toMatchObject({
    first_name: 'Frederick',
    last_name: 'Fields',
    phone_number: '+15550199',
    employee_number: '00042',
    email: 'frederick@example.com',
    status: 'pending_email_verification',
  });
  expect(workersOf(c)).toHaveLength(1);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: a changed email another Corfix worker has -> the other fields updated, not the email (%s)', async (path) => {
  let tom!: SimUser;
  const c = await connectNew(path, (p, co) => {
    tom = addUser(p, co, { first_name: 'Tom', last_name: 'Before', email_address: 'tom@example.com' });
  });
  // Someone in Corfix has the address already.
  const other = c.h.corfix.state.seedWorker(c.account, { first_name: 'Other', last_name: 'Person', email: 'taken@example.com', status: 'active' });

  c.procore.updateUser(c.company, tom.id, { last_name: 'After', email_address: 'taken@example.com' });
  expect(await untilOutcome(c, 'user', tom.id, 'updated', 'email_taken')).toMatchObject({ field: 'email' });
  expect(workerOf(c, tom.id)).toMatchObject({ first_name: 'Tom', last_name: 'After', email: 'tom@example.com' });
  expect(c.h.corfix.state.workers.get(other.id)).toMatchObject({ first_name: 'Other', email: 'taken@example.com', status: 'active' });
  expect(workersOf(c).filter((w) => w.email === 'taken@example.com')).toHaveLength(1);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('users: a user deleted in Procore -> blocked (%s)', async (path) => {
  let dan!: SimUser;
  let kim!: SimUser;
  const c = await connectNew(path, (p, co) => {
    dan = addUser(p, co, { first_name: 'Dan', last_name: 'Deleted', email_address: 'dan@example.com' });
    kim = addUser(p, co, { first_name: 'Kim', last_name: 'Kept', email_address: 'kim@example.com' });
  });

  c.procore.deleteUser(c.company, dan.id);
  await untilOutcome(c, 'user', dan.id, 'blocked', 'deleted');
  expect(workerOf(c, dan.id)?.status).toBe('blocked');
  // The user still listed is not taken for deleted.
  expect(workerOf(c, kim.id)?.status).toBe('pending_email_verification');
  expect(await outcomeOf(c, 'user', kim.id)).toMatchObject({ outcome: 'created', reason: 'created' });
  // The report as the API gives it.
  const report = await c.h.api.inject({ method: 'GET', url: `/v1/integrations/${c.account}/outcomes?entity=user&outcome=blocked`, headers: auth });
  expect(report.statusCode).toBe(200);
  expect(report.json()).toMatchObject({
    total: 1,
    data: [{ entity: 'user', procore_id: String(dan.id), outcome: 'blocked', reason: 'deleted', field: null, corfix_id: workerOf(c, dan.id)?.id }],
  });
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

// --- projects ----------------------------------------------------------------------------------

test.concurrent.each(PATHS)('projects: a new active or upcoming project -> created; a new completed one -> never created (%s)', async (path) => {
  const c = await connectNew(path, () => undefined);
  const active = addProject(c.procore, c.company, { name: 'New Active', project_number: 'NA-1', active: true });
  const upcoming = addProject(c.procore, c.company, { name: 'New Upcoming', project_number: 'NU-1', active: false, start_date: day(30) });
  const completed = addProject(c.procore, c.company, { name: 'New Completed', project_number: 'NC-1', active: false, start_date: day(-30) });

  const activeRow = await untilOutcome(c, 'project', active.id, 'created', 'created');
  const upcomingRow = await untilOutcome(c, 'project', upcoming.id, 'created', 'created');
  await untilOutcome(c, 'project', completed.id, 'skipped', 'completed_not_in_corfix');
  expect(projectOf(c, active.id)).toMatchObject({ id: activeRow?.corfix_id, name: 'New Active', project_number: 'NA-1', status: 'active' });
  expect(projectOf(c, upcoming.id)).toMatchObject({ id: upcomingRow?.corfix_id, name: 'New Upcoming', status: 'upcoming' });
  expect(projectOf(c, completed.id)).toBeUndefined();
  expect(projectsOf(c)).toHaveLength(2);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('projects: a completed project never created becomes active (or upcoming) -> created (%s)', async (path) => {
  let old!: SimProject;
  let later!: SimProject;
  const c = await connectNew(path, (p, co) => {
    old = addProject(p, co, { name: 'Old Job', active: false, start_date: day(-100) });
    later = addProject(p, co, { name: 'Later Job', active: false, start_date: null });
  });
  expect(await outcomeOf(c, 'project', old.id)).toMatchObject({ outcome: 'skipped', reason: 'completed_not_in_corfix' });
  expect(await outcomeOf(c, 'project', later.id)).toMatchObject({ outcome: 'skipped', reason: 'completed_not_in_corfix' });
  expect(projectsOf(c)).toHaveLength(0);

  c.procore.updateProject(old.id, { active: true });
  c.procore.updateProject(later.id, { start_date: day(10) });
  await untilOutcome(c, 'project', old.id, 'created', 'created');
  await untilOutcome(c, 'project', later.id, 'created', 'created');
  expect(projectOf(c, old.id)).toMatchObject({ name: 'Old Job', status: 'active' });
  expect(projectOf(c, later.id)).toMatchObject({ name: 'Later Job', status: 'upcoming' });
  expect(projectsOf(c)).toHaveLength(2);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('projects: the status follows the rule on every change (%s)', async (path) => {
  let job!: SimProject;
  const c = await connectNew(path, (p, co) => {
    job = addProject(p, co, { name: 'Status Job', active: true, start_date: day(-10) });
  });
  expect(projectOf(c, job.id)?.status).toBe('active');

  const statusIs = (status: string) =>
    until(`project ${job.id} ${status} in Corfix`, () => projectOf(c, job.id)?.status, (s) => s === status);

  // active -> inactive, start date past: completed
  c.procore.updateProject(job.id, { active: false });
  await statusIs('completed');
  // The report row is written just after Corfix answered.
  await untilOutcome(c, 'project', job.id, 'updated', 'status_changed');
  // inactive, start date moved to the future: upcoming
  c.procore.updateProject(job.id, { start_date: day(20) });
  await statusIs('upcoming');
  // active again
  c.procore.updateProject(job.id, { active: true });
  await statusIs('active');
  expect(await outcomeOf(c, 'project', job.id)).toMatchObject({ outcome: 'updated', reason: 'status_changed' });
  expect(projectsOf(c)).toHaveLength(1);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

test.concurrent.each(PATHS)('projects: changed fields -> the project is updated (%s)', async (path) => {
  let job!: SimProject;
  const c = await connectNew(path, (p, co) => {
    job = addProject(p, co, { name: 'Field Job', project_number: 'F-1', active: true, city: 'Wellington' });
  });
  expect(projectOf(c, job.id)).toMatchObject({ name: 'Field Job', project_number: 'F-1', city: 'Wellington' });

  c.procore.updateProject(job.id, {
    name: 'Field Job (renamed)',
    project_number: 'F-2',
    description: 'private words',
    public_notes: 'public words',
    address: '1 Quay Street',
    city: 'Auckland',
    state_code: 'AUK',
    country_code: 'NZ',
    zip: '1010',
  });
  await untilOutcome(c, 'project', job.id, 'updated', 'fields_changed');
  expect(projectOf(c, job.id)).toMatchObject({
    name: 'Field Job (renamed)',
    project_number: 'F-2',
    private_description: 'private words',
    public_info: 'public words',
    street_address: '1 Quay Street',
    city: 'Auckland',
    state: 'AUK',
    country: 'NZ',
    zip: '1010',
    status: 'active',
  });
  expect(projectsOf(c)).toHaveLength(1);
  await expectWebhooksDelivered(c);
  await retire(c);
}, TEST_MS);

// --- webhooks delivered more than once, out of order ------------------------------------------

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
function newUlid(): string {
  let time = '';
  let t = Date.now();
  for (let i = 0; i < 10; i += 1) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time + [...randomBytes(16)].map((b) => CROCKFORD[b % 32]).join('');
}

test.concurrent('webhooks: the same webhook three times, and webhooks out of order, end as one clean delivery does', async () => {
  const seed = (p: ProcoreState, co: number) => ({
    ann: addUser(p, co, { first_name: 'Ann', last_name: 'Again', email_address: 'ann@example.com' }),
    bob: addUser(p, co, { first_name: 'Bob', last_name: 'Gone', email_address: 'bob@example.com' }),
    cat: addUser(p, co, { first_name: 'Cat', last_name: 'Changes', email_address: 'cat@example.com' }),
    job: addProject(p, co, { name: 'Order Job', project_number: 'O-1', active: true }),
  });
  let clean!: ReturnType<typeof seed>;
  let messy!: ReturnType<typeof seed>;
  // Clean: Procore's own deliveries, each event once and in order.
  const c1 = await connectNew('webhook', (p, co) => {
    clean = seed(p, co);
  });
  // Messy: no hook in Procore; the deliveries are ours, repeated and reordered.
  const c2 = await connectNew('webhook', (p, co) => {
    messy = seed(p, co);
  });
  const [hook] = c2.procore.hooksOf(c2.company);
  const authorization = Object.entries(hook!.destination_headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1];
  expect(authorization).toBe(`Bearer ${PROCORE_WEBHOOK_SECRET}`);
  const destination = hook!.destination_url;
  c2.procore.deleteHook(c2.company, hook!.id);

  const changes = (c: Connected, s: ReturnType<typeof seed>) => {
    c.procore.updateUser(c.company, s.ann.id, { last_name: 'Once' });
    c.procore.updateUser(c.company, s.bob.id, { last_name: 'Before delete' });
    c.procore.deleteUser(c.company, s.bob.id);
    c.procore.updateUser(c.company, s.cat.id, { last_name: 'First' });
    c.procore.updateUser(c.company, s.cat.id, { last_name: 'Second' });
    c.procore.updateProject(s.job.id, { name: 'Order Job one' });
    c.procore.updateProject(s.job.id, { name: 'Order Job two', active: false, start_date: day(-5) });
  };
  changes(c1, clean);
  changes(c2, messy);

  const event = (resource: 'Company Users' | 'Projects', eventType: 'update' | 'delete', resourceId: number) => ({
    id: Math.floor(Math.random() * 1e9),
    ulid: newUlid(),
    timestamp: new Date().toISOString(),
    user_id: 1234,
    company_id: c2.company,
    project_id: resource === 'Projects' ? resourceId : null,
    api_version: 'v2',
    event_type: eventType,
    resource_name: resource,
    resource_id: resourceId,
    metadata: { source_application_id: null },
  });
  const post = async (body: ReturnType<typeof event>) => {
    const response = await fetch(destination, {
      method: 'POST',
      headers: { authorization: authorization!, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };
  const annUpdate = event('Company Users', 'update', messy.ann.id);
  const bobUpdate = event('Company Users', 'update', messy.bob.id);
  const bobDelete = event('Company Users', 'delete', messy.bob.id);
  const catFirst = event('Company Users', 'update', messy.cat.id);
  const catSecond = event('Company Users', 'update', messy.cat.id);
  const jobFirst = event('Projects', 'update', messy.job.id);
  const jobSecond = event('Projects', 'update', messy.job.id);

  // The same event three times: recorded once.
  expect(await post(annUpdate)).toEqual({ received: true, duplicate: false });
  expect(await post(annUpdate)).toEqual({ received: true, duplicate: true });
  expect(await post(annUpdate)).toEqual({ received: true, duplicate: true });
  // Out of order: the delete before the update; the newer change before the older; and each again.
  for (const e of [bobDelete, bobUpdate, catSecond, jobSecond, catFirst, jobFirst, bobDelete, catFirst]) await post(e);

  const snapshot = async (c: Connected, s: ReturnType<typeof seed>) => ({
    workers: [s.ann, s.bob, s.cat].map((u) => {
      const w = workerOf(c, u.id);
      return { first_name: w?.first_name, last_name: w?.last_name, email: w?.email, status: w?.status };
    }),
    project: (({ name, project_number, status }) => ({ name, project_number, status }))(projectOf(c, s.job.id)!),
    outcomes: await Promise.all(
      [...[s.ann, s.bob, s.cat].map((u) => outcomeOf(c, 'user', u.id)), outcomeOf(c, 'project', s.job.id)].map(async (row) => {
        const r = await row;
        return r && { outcome: r.outcome, reason: r.reason, field: r.field };
      }),
    ),
    workerCount: workersOf(c).length,
    projectCount: projectsOf(c).length,
  });
  const expected = {
    workers: [
      { first_name: 'Ann', last_name: 'Once', email: 'ann@example.com', status: 'pending_email_verification' },
      { first_name: 'Bob', last_name: 'Gone', email: 'bob@example.com', status: 'blocked' },
      { first_name: 'Cat', last_name: 'Second', email: 'cat@example.com', status: 'pending_email_verification' },
    ],
    project: { name: 'Order Job two', project_number: 'O-1', status: 'completed' },
    outcomes: [
      { outcome: 'updated', reason: 'fields_changed', field: null },
      { outcome: 'blocked', reason: 'deleted', field: null },
      { outcome: 'updated', reason: 'fields_changed', field: null },
      { outcome: 'updated', reason: 'status_changed', field: null },
    ],
    workerCount: 3,
    projectCount: 1,
  };
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const cleanState = await until('the clean delivery applied', () => snapshot(c1, clean), (s) => same(s, expected));
  const messyState = await until('the messy deliveries applied', () => snapshot(c2, messy), (s) => same(s, expected));
  // Nothing left to do, and still the same after the loops went through every event.
  await loopsSettled(c2.h, c2.integrationId);
  expect(await snapshot(c2, messy)).toEqual(messyState);
  expect(messyState).toEqual(cleanState);

  // The inbox: one row per ulid, each answered.
  const inbox = await c2.h.t.db('webhook_events').where({ source: 'procore', integration_id: c2.integrationId }).select('event_id', 'processed_at');
  const ulids = [annUpdate, bobUpdate, bobDelete, catFirst, catSecond, jobFirst, jobSecond].map((e) => e.ulid);
  expect(inbox.map((r) => r.event_id).sort()).toEqual([...ulids].sort());
  await until(
    'every inbox event processed',
    () => c2.h.t.db('webhook_events').where({ integration_id: c2.integrationId }).whereNull('processed_at').count<{ count: string }[]>('* as count'),
    (rows) => Number(rows[0]?.count) === 0,
  );
  // The clean company's inbox holds Procore's ulids once each too.
  const cleanInbox = await c1.h.t.db('webhook_events').where({ integration_id: c1.integrationId }).select('event_id');
  const delivered = new Set(c1.h.procore.webhooks.deliveries.filter((d) => d.payload.company_id === c1.company).map((d) => d.payload.ulid));
  expect(cleanInbox.map((r) => r.event_id).sort()).toEqual([...delivered].sort());
  await retire(c1);
  await retire(c2);
}, TEST_MS);

// --- disconnect, then connect again ----------------------------------------------------------

test.concurrent.each(PATHS)('reconnect: disconnect then connect the same account to the same company: nothing made twice, links taken over (%s)', async (path) => {
  let users!: SimUser[];
  let projects!: SimProject[];
  const c = await connectNew(path, (p, co) => {
    users = [
      addUser(p, co, { first_name: 'Rae', last_name: 'One', email_address: 'rae@example.com' }),
      addUser(p, co, { first_name: 'Rex', last_name: 'Two', email_address: 'rex@example.com' }),
    ];
    projects = [
      addProject(p, co, { name: 'Re Active', project_number: 'R-1', active: true }),
      addProject(p, co, { name: 'Re Upcoming', project_number: 'R-2', active: false, start_date: day(40) }),
    ];
  });
  const db = c.h.t.db;
  const oldWorkerLinks = await db('worker_links').where({ integration_id: c.integrationId }).select('procore_user_id', 'corfix_worker_id');
  const oldProjectLinks = await db('project_links').where({ integration_id: c.integrationId }).select('procore_project_id', 'corfix_project_id');
  expect(oldWorkerLinks).toHaveLength(2);
  expect(oldProjectLinks).toHaveLength(2);

  const off = await control(c, 'DELETE');
  expect(off.statusCode).toBe(200);
  expect(off.json['status']).toBe('disconnected');
  if (path === 'webhook') await until('the hook removed from Procore', () => c.procore.hooksOf(c.company).length, (n) => n === 0);
  // A change while disconnected: the new integration must still bring it.
  c.procore.updateUser(c.company, users[1]!.id, { last_name: 'Renamed offline' });

  const again = await c.h.connect({ corfix_account_id: c.account, procore_company_id: c.companyId, auto_activate_workers: true });
  expect(again.statusCode).toBe(202);
  const integrationId = again.json['integration_id'] as string;
  expect(integrationId).not.toBe(c.integrationId);
  await c.h.connectResult(integrationId);
  await loopsSettled(c.h, integrationId);
  const c2: Connected = { ...c, integrationId };
  expect(c.procore.hooksOf(c.company)).toHaveLength(path === 'webhook' ? 1 : 0);

  // Nothing twice in Corfix.
  expect(workersOf(c)).toHaveLength(2);
  expect(projectsOf(c)).toHaveLength(2);
  for (const u of users) expect(workersOf(c).filter((w) => w.external_ref === procoreUserExternalRef(c.companyId, String(u.id)))).toHaveLength(1);
  for (const p of projects) expect(projectsOf(c).filter((x) => x.external_ref === procoreProjectExternalRef(c.companyId, String(p.id)))).toHaveLength(1);
  // The new integration's links name what the old one made.
  const newWorkerLinks = await db('worker_links').where({ integration_id: integrationId }).select('procore_user_id', 'corfix_worker_id');
  const newProjectLinks = await db('project_links').where({ integration_id: integrationId }).select('procore_project_id', 'corfix_project_id');
  const byId = <T extends Record<string, unknown>>(rows: T[], key: keyof T) => [...rows].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
  expect(byId(newWorkerLinks, 'procore_user_id')).toEqual(byId(oldWorkerLinks, 'procore_user_id'));
  expect(byId(newProjectLinks, 'procore_project_id')).toEqual(byId(oldProjectLinks, 'procore_project_id'));
  // Reported as linked (the user changed meanwhile, as updated by the loop after).
  expect(await outcomeOf(c2, 'user', users[0]!.id)).toMatchObject({ outcome: 'linked', reason: 'linked', corfix_id: workerOf(c, users[0]!.id)?.id });
  await untilOutcome(c2, 'user', users[1]!.id, 'updated', 'fields_changed');
  expect(workerOf(c, users[1]!.id)).toMatchObject({ last_name: 'Renamed offline', status: 'pending_email_verification' });
  for (const p of projects) expect(await outcomeOf(c2, 'project', p.id)).toMatchObject({ outcome: 'linked', reason: 'linked', corfix_id: projectOf(c, p.id)?.id });

  // And the new integration keeps them in step.
  c.procore.setUserActive(c.company, users[0]!.id, false);
  await untilOutcome(c2, 'user', users[0]!.id, 'blocked', 'deactivated');
  expect(workerOf(c, users[0]!.id)?.status).toBe('blocked');
  expect(workersOf(c)).toHaveLength(2);
  await retire(c2);
}, TEST_MS);

// --- the app removed from the company ------------------------------------------------------------

test.concurrent.each(PATHS)('app removed: 403 App is not connected: the integration errs and stops calling Procore; after reinstall and resume it goes on (%s)', async (path) => {
  let una!: SimUser;
  let job!: SimProject;
  const c = await connectNew(path, (p, co) => {
    una = addUser(p, co, { first_name: 'Una', last_name: 'Installed', email_address: 'una@example.com' });
    job = addProject(p, co, { name: 'Removed Job', active: true });
  });
  const admin = (what: 'uninstall' | 'reinstall') =>
    fetch(`${c.h.procore.url}/__admin/companies/${c.company}/${what}`, { method: 'POST' }).then((r) => expect(r.status).toBe(200));
  const calls: string[] = [];
  const unobserve = c.h.procore.faults.observe((e) => {
    if (e.phase === 'request' && e.request.headers['procore-company-id'] === c.companyId) calls.push(e.route);
  });
  try {
    await admin('uninstall');
    // Changes in both lists (on the webhook way, what wakes each loop).
    c.procore.setUserActive(c.company, una.id, false);
    c.procore.updateProject(job.id, { name: 'Removed Job (renamed)' });

    const failed = await until(
      'the integration in error',
      () => integrationStatus(c),
      (s) => s['status'] === 'error' && s['sync_state']?.state === 'failed',
    );
    expect(failed['last_error']?.message).toMatch(/app is not connected/i);
    expect(failed['last_error']?.message).toContain(c.companyId);
    for (const entity of ['users', 'projects'] as const) {
      await until(
        `${entity} loop stopped`,
        () => continuousSyncStatus(c.h.temporal.client, c.integrationId, entity),
        (s) => s.phase === 'paused' && s.state === 'failed',
      );
    }
    // Stopped means no more calls to Procore: not on the polls, not on the full passes, not on webhooks.
    const callsWhenStopped = calls.length;
    c.procore.updateUser(c.company, una.id, { last_name: 'Still removed' });
    c.procore.updateProject(job.id, { name: 'Removed Job (again)' });
    await sleep(3_500);
    expect(calls.slice(callsWhenStopped)).toEqual([]);
    expect(workerOf(c, una.id)?.status).toBe('pending_email_verification');

    await admin('reinstall');
    const resumed = await control(c, 'POST', '/resume');
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json['status']).toBe('active');
    // What changed meanwhile arrives, and so does a later change.
    await untilOutcome(c, 'user', una.id, 'blocked', 'deactivated');
    expect(workerOf(c, una.id)).toMatchObject({ status: 'blocked', last_name: 'Still removed' });
    await until('the project renamed', () => projectOf(c, job.id)?.name, (n) => n === 'Removed Job (again)');
    const late = addUser(c.procore, c.company, { first_name: 'Lou', last_name: 'Later', email_address: 'lou@example.com' });
    await untilOutcome(c, 'user', late.id, 'created', 'created');
    expect(workerOf(c, late.id)?.status).toBe('pending_email_verification');
    const after = await integrationStatus(c);
    expect(after).toMatchObject({ status: 'active', last_error: null });
    expect(after['sync_state']?.state).toBe('ok');
    expect(calls.length).toBeGreaterThan(callsWhenStopped);
    await retire(c);
  } finally {
    unobserve();
  }
}, TEST_MS);
