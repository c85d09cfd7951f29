// What the initial sync knows of the Corfix account must include what the
// sync itself made, a SIGKILLed worker's makings too, and must never turn a
// user's own worker into a clash with itself. The worker is its own process
// (node on the built worker), SIGKILLed at three points the simulators pick
// and restarted:
//   - during the projects page, as Corfix answers a project create (the
//     answer is held until the process is dead: nobody reads it);
//   - mid users page 2, as Corfix answers the create of the first of two
//     users sharing an email (that answer lost the same way);
//   - mid users page 3, after ~100 creates of that page: the test holds a
//     lock on worker_links from the moment Corfix answers the create of the
//     first of two users sharing an email, waits until every create answered
//     since is stuck writing its link (whatever the sync notes of a create
//     before its link, e.g. the Corfix snapshot, is written by then), kills
//     the worker there, and ends the Postgres backends it left waiting (else
//     they would write the links after its death) before letting go.
// Afterwards every user the rules allow has exactly one Corfix worker, one
// link and a `created` report row; no user whose own worker exists is
// reported `email_exists`; same-email users are decided in Procore's order.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PAGE_SIZES } from '../../src/procore/client.js';
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import type { SimUser, UserFields } from '../../src/simulators/procore/state.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { connectWithWorker, killableWorker } from '../support/worker-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = 'acc_snapshot_crash';
const PROJECTS = 12; // one page
const ACTIVE_USERS = 2_400; // with the service account (first in Procore's order): pages of 1,000, 1,000 and 401
const INACTIVE_USERS = 6;
const PAGE = PAGE_SIZES.activeUsers;
/** the project create whose answer the first kill loses */
const PROJECT_CREATE_KILLED = 5;

// Users by their index among the active users added (0-based; the service account comes before them).
const CROSS_PAGE_PAIR = [150, 2_250] as const; // page 1 and page 3
const PAGE_2_PAIR = [1_500, 1_503] as const; // the kill mid page 2 loses the first one's create answer
const PAGE_3_PAIR = [2_100, 2_104] as const; // the kill mid page 3 comes while the first one's link is being written
const CLASHES_WITH_CORFIX = 600; // a worker made in Corfix by hand has this email
const INVALID = [333, 1_777]; // blank first name
const PREEXISTING_EMAIL = 'already.there@snapshot.example';

const KILL_PROJECTS = 'during the projects page, a project create answered to nobody';
const KILL_PAGE_2 = 'mid users page 2, the create of a same-email pair first answered to nobody';
const KILL_PAGE_3 = 'mid users page 3, creates answered, their links not written';

function activeUser(i: number): Partial<UserFields> {
  let email: string | null = `user${i}@snapshot.example`;
  if (i % 300 === 77) email = null;
  if (i % 300 === 227) email = '   '; // blank: no email
  if (i === CROSS_PAGE_PAIR[0]) email = 'Cross.Page@snapshot.example';
  if (i === CROSS_PAGE_PAIR[1]) email = 'cross.page@SNAPSHOT.example';
  if (i === PAGE_2_PAIR[0]) email = 'same.page2@snapshot.example';
  if (i === PAGE_2_PAIR[1]) email = 'Same.Page2@snapshot.example';
  if (i === PAGE_3_PAIR[0]) email = 'same.page3@snapshot.example';
  if (i === PAGE_3_PAIR[1]) email = 'SAME.page3@snapshot.example';
  if (i === CLASHES_WITH_CORFIX) email = 'Already.There@snapshot.example';
  return {
    first_name: INVALID.includes(i) ? '' : `User${i}`,
    last_name: 'Snapshot',
    email_address: email,
    is_active: true,
    is_employee: true,
    employee_id: `S${i}`,
    mobile_phone: null,
    business_phone: null,
    job_title: null,
  };
}

let h: SyncHarness;
let companyId: number;
let added: SimUser[];
const workerProcess = killableWorker(() => ({ ...h.env }));
const { kills, killOnce } = workerProcess;
const refOf = (userId: number) => `procore:${companyId}:user:${userId}`;
const userAt = (i: number) => added[i] as SimUser;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
  h = await startSyncHarness({ name: 'snapshot-crash', corfixAccounts: [ACCOUNT] });
  const company = h.procore.state.addCompany({ name: 'Snapshot Crash Builders' });
  companyId = company.id;
  h.procore.state.addProjects(
    company.id,
    Array.from({ length: PROJECTS }, (_, i) => ({ name: `Yard ${i}`, project_number: `Y-${i}`, active: true, template: false })),
  );
  added = h.procore.state.addUsers(company.id, [
    ...Array.from({ length: ACTIVE_USERS }, (_, i) => activeUser(i)),
    ...Array.from({ length: INACTIVE_USERS }, (_, i) => ({
      first_name: `Gone${i}`,
      last_name: 'Snapshot',
      email_address: `gone${i}@snapshot.example`,
      is_active: false,
      is_employee: true,
      employee_id: null,
      mobile_phone: null,
      business_phone: null,
      job_title: null,
    })),
  ]);
  h.corfix.state.seedWorker(ACCOUNT, { first_name: 'Already', last_name: 'There', email: PREEXISTING_EMAIL, status: 'active' });
}, 120_000);

afterAll(async () => {
  workerProcess.stop();
  await h?.stop();
});

/** The backends (pids) of this test's database waiting for a lock on `table`. */
async function waitingOn(table: string): Promise<number[]> {
  const result = await h.t.db.raw<{ rows: Array<{ pid: number }> }>(
    `SELECT l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND c.relname = ? AND NOT l.granted`,
    [table],
  );
  return result.rows.map((r) => r.pid);
}

/**
 * Ends the backends a killed worker left waiting: Postgres does not notice
 * that their client died, and would otherwise write what they wait to write
 * (the links) once the lock is released, after the death.
 */
async function terminateBackends(pids: number[]): Promise<void> {
  if (pids.length === 0) return;
  await h.t.db.raw('SELECT pg_terminate_backend(pid) FROM unnest(?::int[]) AS pid', [pids]);
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const alive = await h.t.db.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_stat_activity WHERE pid = ANY(?::int[])', [pids]);
    if (alive.rows.length === 0) return;
    await sleep(50);
  }
  throw new Error(`backends ${pids.join(', ')} of the killed worker did not end`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('SIGKILLs after creates answered but not noted or not linked: each user linked to its own worker, none email_exists with itself', async () => {
  // Where the users fall in Procore's active list (the order the sync reads them in).
  const activeList = h.procore.state.usersOf(companyId).filter((u) => u.is_active);
  const pageOf = (userId: number) => Math.floor(activeList.findIndex((u) => u.id === userId) / PAGE) + 1;
  expect(activeList).toHaveLength(ACTIVE_USERS + 1);
  expect([CROSS_PAGE_PAIR.map((i) => pageOf(userAt(i).id)), PAGE_2_PAIR.map((i) => pageOf(userAt(i).id)), PAGE_3_PAIR.map((i) => pageOf(userAt(i).id))]).toEqual([
    [1, 3],
    [2, 2],
    [3, 3],
  ]);

  const workerCreate = (e: ObservedRequest) => e.route === 'POST /v1/accounts/:account_id/workers';
  const projectCreate = (e: ObservedRequest) => e.route === 'POST /v1/accounts/:account_id/projects';
  const answered201 = (e: ObservedRequest) => e.phase === 'send' && e.status === 201;
  const bodyRef = (e: ObservedRequest) => String((e.request.body as { external_ref?: unknown }).external_ref);

  // Which active-users page the sync was reading at each kill.
  let activePage = 0;
  const activePageAtKill: Record<string, number> = {};
  const stopProcore = h.procore.faults.observe((e) => {
    if (e.phase === 'request' && e.route === 'GET /rest/v1.3/companies/:company_id/users') {
      activePage = Number((e.request.query as Record<string, string>)['page'] ?? 1);
    }
  });

  // Kills 1 and 2: a create answered, the answer held until the worker is dead.
  let projectCreates = 0;
  const killDuringProjects = killOnce(KILL_PROJECTS, (e) => projectCreate(e) && answered201(e) && projectCreates === PROJECT_CREATE_KILLED);
  const killMidPage2 = killOnce(KILL_PAGE_2, (e) => workerCreate(e) && answered201(e) && bodyRef(e) === refOf(userAt(PAGE_2_PAIR[0]).id));
  const lost: Array<{ kill: string; key: string; externalRef: string; heldUntilDeath: boolean }> = [];

  // Kill 3: links held (a lock on worker_links) from the first of the page-3 pair's answer on.
  const killMidPage3 = killOnce(KILL_PAGE_3, () => true);
  let linksHeld: { answered: string[]; closed: boolean; waitingAtKill: number[]; answeredAtKill: string[] } | undefined;
  const observerErrors: unknown[] = [];
  const killWhenLinksWait = async (event: ObservedRequest, held: NonNullable<typeof linksHeld>, release: () => Promise<unknown>) => {
    try {
      const deadline = Date.now() + 8_000; // the worker's lock timeout is 10 s
      let last: number[] = [];
      let stableSince = Date.now();
      for (;;) {
        const waiting = await waitingOn('worker_links');
        if (waiting.length !== last.length) [last, stableSince] = [waiting, Date.now()];
        if ((waiting.length >= held.answered.length && Date.now() - stableSince >= 300) || Date.now() > deadline) break;
        await sleep(50);
      }
      held.closed = true;
      held.waitingAtKill = last;
      held.answeredAtKill = [...held.answered];
      activePageAtKill[KILL_PAGE_3] = activePage;
      await killMidPage3(event);
      await terminateBackends(last);
    } catch (error) {
      observerErrors.push(error);
    } finally {
      await release();
    }
  };

  const sameKeyLater: Array<{ kill: string; status: number }> = [];
  const stopCorfix = h.corfix.faults.observe(async (e) => {
    if (projectCreate(e) && answered201(e)) projectCreates += 1;
    if ((workerCreate(e) || projectCreate(e)) && e.phase === 'send') {
      const key = String(e.request.headers['idempotency-key']);
      for (const l of lost) if (l.heldUntilDeath && l.key === key) sameKeyLater.push({ kill: l.kill, status: e.status });
    }
    if (linksHeld && !linksHeld.closed && workerCreate(e) && answered201(e)) linksHeld.answered.push(bodyRef(e));

    for (const [name, killer] of [
      [KILL_PROJECTS, killDuringProjects],
      [KILL_PAGE_2, killMidPage2],
    ] as const) {
      const killed = killer(e);
      if (!killed) continue;
      const held = { kill: name, key: String(e.request.headers['idempotency-key']), externalRef: bodyRef(e), heldUntilDeath: false };
      lost.push(held);
      activePageAtKill[name] = activePage;
      await killed;
      held.heldUntilDeath = true;
    }

    if (!linksHeld && workerCreate(e) && answered201(e) && bodyRef(e) === refOf(userAt(PAGE_3_PAIR[0]).id)) {
      // The answer leaves only once the lock is held: this create's link, and every later one's, waits.
      const trx = await h.t.db.transaction();
      await trx.raw('LOCK TABLE worker_links IN SHARE MODE');
      const held = { answered: [bodyRef(e)], closed: false, waitingAtKill: [] as number[], answeredAtKill: [] as string[] };
      linksHeld = held;
      void killWhenLinksWait(e, held, () => trx.rollback());
    }
  });

  const started = Date.now();
  const integrationId = await connectWithWorker(h, workerProcess, {
    corfix_account_id: ACCOUNT,
    procore_company_id: String(companyId),
    sync_employees_only: false,
    auto_activate_workers: true,
  }).finally(() => {
    stopProcore();
    stopCorfix();
  });
  const seconds = (Date.now() - started) / 1000;

  // The kills happened, where they were meant to.
  expect(observerErrors).toEqual([]);
  expect(kills).toEqual([KILL_PROJECTS, KILL_PAGE_2, KILL_PAGE_3]);
  expect(activePageAtKill).toEqual({ [KILL_PROJECTS]: 0, [KILL_PAGE_2]: 2, [KILL_PAGE_3]: 3 });
  expect(lost.map((l) => [l.kill, l.heldUntilDeath])).toEqual([
    [KILL_PROJECTS, true],
    [KILL_PAGE_2, true],
  ]);
  expect(lost[1]?.externalRef).toBe(refOf(userAt(PAGE_2_PAIR[0]).id));
  // A create asked again under a lost answer's key is Corfix's replay, never a second record or a refusal.
  expect(sameKeyLater.filter((s) => s.status !== 201)).toEqual([]);
  // Kill 3 came while every create answered since the lock (the page-3 pair's first among them) waited on its link.
  const window = linksHeld as NonNullable<typeof linksHeld>;
  expect(window.answeredAtKill[0]).toBe(refOf(userAt(PAGE_3_PAIR[0]).id));
  expect(window.waitingAtKill.length).toBeGreaterThanOrEqual(window.answeredAtKill.length);

  const integration = await h.t.db('integrations').where({ id: integrationId }).first();
  expect(integration).toMatchObject({ status: 'active', initial_sync_state: 'completed' });

  // What the rules say, in Procore's order: the service account never, inactive never, a blank
  // name invalid, an email already in Corfix (by hand, or by an earlier user of this sync) a clash.
  const expected = new Map<string, string>();
  const emailsInCorfix = new Set([PREEXISTING_EMAIL]);
  for (const u of activeList) {
    const email = u.email_address?.trim().toLowerCase() || null;
    if (u.id === h.procore.state.serviceAccount.id) expected.set(String(u.id), 'service_account');
    else if (email !== null && emailsInCorfix.has(email)) expected.set(String(u.id), 'email_exists');
    else if (!u.first_name?.trim()) expected.set(String(u.id), 'invalid_record');
    else {
      expected.set(String(u.id), 'created');
      if (email !== null) emailsInCorfix.add(email);
    }
  }
  for (const u of h.procore.state.usersOf(companyId).filter((x) => !x.is_active)) expected.set(String(u.id), 'inactive_not_in_corfix');
  const createdIds = [...expected].filter(([, reason]) => reason === 'created').map(([id]) => id);
  expect(createdIds.length).toBeGreaterThan(2_300);

  // Corfix: exactly one worker per user the rules allow, none other, no external_ref or email twice.
  const corfix = h.corfix.state.snapshot();
  const workers = corfix.workers.filter((w) => w.account_id === ACCOUNT);
  const synced = workers.filter((w) => w.external_ref !== null);
  const workerByUser = new Map(synced.map((w) => [String(w.external_ref).split(':').pop() as string, w]));
  const twice = (values: string[]) => {
    const seen = new Set<string>();
    return values.filter((v) => seen.size === seen.add(v).size);
  };
  expect({
    missing: createdIds.filter((id) => !workerByUser.has(id)),
    unexpected: [...workerByUser.keys()].filter((id) => expected.get(id) !== 'created'),
    refTwice: twice(synced.map((w) => String(w.external_ref))),
    emailTwice: twice(workers.flatMap((w) => (w.email ? [w.email.trim().toLowerCase()] : []))),
    foreignRefs: synced.filter((w) => !String(w.external_ref).startsWith(`procore:${companyId}:user:`)).map((w) => w.external_ref),
    count: synced.length,
  }).toEqual({ missing: [], unexpected: [], refTwice: [], emailTwice: [], foreignRefs: [], count: createdIds.length });

  // The report: one row per user, each as the rules say; every user whose own worker exists is `created`.
  const rows: Array<{ procore_id: string; outcome: string; reason: string; corfix_id: string | null }> = await h.t
    .db('sync_outcomes')
    .where({ integration_id: integrationId, entity: 'user' });
  expect(rows).toHaveLength(expected.size);
  const row = new Map(rows.map((r) => [String(r.procore_id), r]));
  const misreported = [...expected].flatMap(([id, reason]) => {
    const r = row.get(id);
    const want = reason === 'created' ? { outcome: 'created', reason: 'created' } : { outcome: 'skipped', reason };
    return r?.outcome === want.outcome && r.reason === want.reason ? [] : [{ procoreId: id, want, got: r && { outcome: r.outcome, reason: r.reason } }];
  });
  expect(misreported).toEqual([]);
  // In particular no user whose own worker exists is reported anything but created, with that worker.
  const ownWorkerNotCreated = [...workerByUser]
    .filter(([id, w]) => row.get(id)?.outcome !== 'created' || row.get(id)?.corfix_id !== w.id)
    .map(([id, w]) => ({ procoreId: id, worker: w.id, got: row.get(id) && { reason: row.get(id)?.reason, corfixId: row.get(id)?.corfix_id } }));
  expect(ownWorkerNotCreated).toEqual([]);

  // One link per created worker, to that worker (by Procore user id: missing, extra or pointing elsewhere).
  const links: Array<{ procore_user_id: string; corfix_worker_id: string }> = await h.t.db('worker_links').where({ integration_id: integrationId });
  const linkOf = new Map(links.map((l) => [String(l.procore_user_id), l.corfix_worker_id]));
  expect({
    missing: createdIds.filter((id) => !linkOf.has(id)),
    extra: [...linkOf.keys()].filter((id) => expected.get(id) !== 'created'),
    elsewhere: [...linkOf].filter(([id, workerId]) => expected.get(id) === 'created' && workerByUser.get(id)?.id !== workerId).map(([id]) => id),
    rows: links.length,
  }).toEqual({ missing: [], extra: [], elsewhere: [], rows: createdIds.length });

  // The same-email users, decided in order: the first created, the second email_exists (no worker).
  for (const [first, second] of [CROSS_PAGE_PAIR, PAGE_2_PAIR, PAGE_3_PAIR]) {
    const [a, b] = [String(userAt(first).id), String(userAt(second).id)];
    expect([row.get(a)?.reason, row.get(b)?.reason]).toEqual(['created', 'email_exists']);
    expect([workerByUser.has(a), workerByUser.has(b)]).toEqual([true, false]);
  }
  expect(row.get(String(userAt(CLASHES_WITH_CORFIX).id))?.reason).toBe('email_exists');
  expect(workers.find((w) => w.email === PREEXISTING_EMAIL)).toMatchObject({ external_ref: null, first_name: 'Already' });

  // The users the kills hit: created, their own worker linked.
  const hit = [lost[1]?.externalRef, ...window.answeredAtKill].map((ref) => String(ref).split(':').pop() as string);
  for (const id of hit) {
    expect({ id, outcome: row.get(id)?.outcome, linked: linkOf.has(id) }).toEqual({
      id,
      outcome: 'created',
      linked: true,
    });
  }

  // Projects: each made once (the one whose answer was lost included), linked once, reported created.
  const projects = corfix.projects.filter((p) => p.account_id === ACCOUNT);
  expect(projects).toHaveLength(PROJECTS);
  expect(new Set(projects.map((p) => p.external_ref)).size).toBe(PROJECTS);
  expect(projects.map((p) => p.external_ref)).toContain(lost[0]?.externalRef);
  const projectLinks = await h.t.db('project_links').where({ integration_id: integrationId });
  expect(new Set(projectLinks.map((l: { corfix_project_id: string }) => l.corfix_project_id))).toEqual(new Set(projects.map((p) => p.id)));
  const projectRows = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'project' });
  expect(projectRows.map((r: { outcome: string }) => r.outcome)).toEqual(Array(PROJECTS).fill('created'));

  console.log(`snapshot-crash: sync with three kills took ${seconds.toFixed(1)} s; links held at kill 3: ${window.waitingAtKill.length} (${window.answeredAtKill.length} answered since the lock)`);
}, 150_000);
