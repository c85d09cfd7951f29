// The initial sync reads each Corfix record once: the account's lists are
// walked page by page when the sync begins (the snapshot), never again per
// Procore page, and nothing is looked up one by one. The decisions stay
// exactly those of the rules: existing numbers and emails (held before the
// sync, or made by an earlier page) are skipped, the rest created once.
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT = 'acc_snapshot';
const HELD_WORKERS = 1_100; // 3 Corfix pages of 500
const HELD_PROJECTS = 520; // 2 Corfix pages of 500
const PROJECTS = 350; // 2 Procore pages of 300
const USERS = 2_100; // 3 Procore pages of 1,000
const SHARED_EMAILS = 30; // Procore users whose email a held worker has
const SHARED_NUMBERS = 10; // Procore projects whose number a held project has

let h: SyncHarness;
let companyId: string;
const listings: Record<'projects' | 'workers', number> = { projects: 0, workers: 0 };
const lookups: string[] = [];

/** A Corfix list request: a walk of the list (page and size only) or a lookup (any filter). */
function countCorfixList(event: ObservedRequest): void {
  if (event.phase !== 'request' || event.request.method !== 'GET') return;
  const list = /^\/v1\/accounts\/[^/]+\/(projects|workers)$/.exec(event.request.url.split('?')[0] ?? '')?.[1] as 'projects' | 'workers' | undefined;
  if (!list) return;
  const filters = Object.keys(event.request.query as Record<string, unknown>).filter((k) => k !== 'page' && k !== 'per_page');
  if (filters.length === 0) listings[list] += 1;
  else lookups.push(`${list}?${filters.join(',')}`);
}

beforeAll(async () => {
  h = await startSyncHarness({ name: 'snapshot', corfixAccounts: [ACCOUNT] });
  const company = h.procore.state.addCompany({ name: 'Snapshot Builders' });
  companyId = String(company.id);
  const corfix = h.corfix.state;
  for (let i = 0; i < HELD_PROJECTS; i += 1) corfix.createProject(ACCOUNT, { name: `Held site ${i}`, project_number: `H-${i}`, status: 'active' });
  for (let i = 0; i < HELD_WORKERS; i += 1) corfix.createWorker(ACCOUNT, { first_name: `Held${i}`, last_name: 'Worker', email: `held${i}@snapshot.example` }, false);

  h.procore.state.addProjects(
    company.id,
    Array.from({ length: PROJECTS }, (_, i) => ({
      name: `Site ${i}`,
      // The first few carry a number Corfix holds already.
      project_number: i < SHARED_NUMBERS ? `H-${i * 7}` : `S-${i}`,
      active: true,
      template: false,
    })),
  );
  h.procore.state.addUsers(
    company.id,
    Array.from({ length: USERS }, (_, i) => ({
      first_name: `Worker${i}`,
      last_name: 'Snapshot',
      // Every 70th shares an email with a held worker; user 1,500 (page 2) shares user 5's (page 1).
      email_address: i % 70 === 0 ? `HELD${i / 70}@snapshot.example` : i === 1_500 ? 'worker5@snapshot.example' : `worker${i}@snapshot.example`,
      mobile_phone: null,
      business_phone: null,
      employee_id: null,
      is_employee: true,
      is_active: true,
      job_title: null,
    })),
  );
  h.corfix.faults.observe(countCorfixList);
  await h.startWorker();
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

test('the Corfix lists are walked once, when the sync begins, and every decision is still the rules\' own', async () => {
  const connected = await h.connect({ corfix_account_id: ACCOUNT, procore_company_id: companyId, sync_employees_only: false, auto_activate_workers: false });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);

  // The pages of what the account held before the sync, not a multiple of the sync's pages.
  expect(listings).toEqual({ projects: Math.ceil(HELD_PROJECTS / 500), workers: Math.ceil(HELD_WORKERS / 500) });
  expect(lookups).toEqual([]);

  const reasons = async (entity: 'project' | 'user') =>
    Object.fromEntries(
      (
        await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity }).groupBy('reason').select('reason').count<{ reason: string; count: string }[]>('* as count')
      ).map((r) => [r.reason, Number(r.count)]),
    );
  expect(await reasons('project')).toEqual({ created: PROJECTS - SHARED_NUMBERS, number_exists: SHARED_NUMBERS });
  // The company's own service account (the simulator adds it) is never synced.
  expect(await reasons('user')).toEqual({ created: USERS - SHARED_EMAILS - 1, email_exists: SHARED_EMAILS + 1, service_account: 1 });
  // The pair across pages is decided in order: page 1's user made the worker, page 2's found it taken.
  const pair = h.procore.state.usersOf(Number(companyId)).filter((u) => u.email_address === 'worker5@snapshot.example');
  const pairReasons = await Promise.all(
    pair.map(async (u) => (await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user', procore_id: String(u.id) }).first('reason'))?.reason),
  );
  expect(pairReasons).toEqual(['created', 'email_exists']);

  // Each created once in Corfix, and the snapshot went with the sync.
  const workers = [...h.corfix.state.snapshot().workers].filter((w) => w.account_id === ACCOUNT);
  expect(workers).toHaveLength(HELD_WORKERS + USERS - SHARED_EMAILS - 1);
  expect(new Set(workers.map((w) => w.email?.toLowerCase())).size).toBe(workers.length);
  expect(await h.t.db('corfix_snapshots').where({ owner_id: integrationId })).toEqual([]);
  expect(await h.t.db('corfix_snapshot_keys').where({ owner_id: integrationId })).toEqual([]);
}, 240_000);
