// End to end: Connect through the API, the initial sync on a real worker and
// Temporal server, against both simulators and a real Postgres. A company with
// every reason code, and a Corfix account that already holds records.
import type { ProjectReason, SyncEntity, UserReason } from '../../src/domain/sync-outcome.js';
import type { SimProject, SimUser } from '../../src/simulators/procore/state.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT = 'acc_e2e';
let h: SyncHarness;
let companyId: string;

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const today = day(0);

const expectedProjects = new Map<string, { reason: ProjectReason | 'one_created'; field?: string; sim: SimProject }>();
const expectedUsers = new Map<string, { reason: UserReason | 'created_or_email_exists'; field?: string; sim: SimUser }>();
let preExisting: { projects: unknown[]; workers: unknown[] };

function baseProject(n: number) {
  return {
    name: `Project ${n}`,
    project_number: `P-${String(n).padStart(3, '0')}`,
    description: `Private notes ${n}`,
    public_notes: `Public info ${n}`,
    address: `${n} Quay Street`,
    city: 'Auckland',
    state_code: 'AUK',
    country_code: 'NZ',
    zip: `10${String(n).padStart(2, '0')}`,
    active: true,
    start_date: day(-30),
    template: false,
  };
}

function baseUser(n: number) {
  return {
    first_name: `First${n}`,
    last_name: `Last${n}`,
    email_address: `worker${n}@harbour.example`,
    mobile_phone: `+64 21 000 ${String(n).padStart(4, '0')}`,
    business_phone: `+64 9 000 ${String(n).padStart(4, '0')}`,
    employee_id: `E${n}`,
    is_employee: true,
    is_active: true,
  };
}

beforeAll(async () => {
  h = await startSyncHarness({ name: 'e2e', corfixAccounts: [ACCOUNT] });
  const { state: procore } = h.procore;
  const corfix = h.corfix.state;
  const company = procore.addCompany({ name: 'Harbour Construction' });
  companyId = String(company.id);

  // --- Procore projects: 40, every reason code ------------------------------
  const addProject = (fields: Partial<SimProject>, reason: ProjectReason | 'one_created', field?: string) => {
    const [sim] = procore.addProjects(company.id, [fields]) as [SimProject];
    expectedProjects.set(String(sim.id), { reason, ...(field ? { field } : {}), sim });
    return sim;
  };
  const linkedProject = addProject({ ...baseProject(1) }, 'linked');
  addProject({ ...baseProject(2), template: true }, 'template');
  addProject({ ...baseProject(3), template: true, project_number: 'EX-100' }, 'template'); // template beats number_exists
  addProject({ ...baseProject(4), project_number: 'EX-100' }, 'number_exists');
  addProject({ ...baseProject(5), project_number: 'EX-101', active: false, start_date: day(-400) }, 'number_exists'); // beats completed
  addProject({ ...baseProject(6), project_number: null, name: 'Harbour Tower' }, 'name_exists');
  addProject({ ...baseProject(7), project_number: '', name: 'harbour TOWER', active: false, start_date: day(-10) }, 'name_exists'); // beats completed
  addProject({ ...baseProject(8), project_number: 'NEW-8', name: 'Harbour Tower' }, 'created'); // a number: never skipped for its name
  addProject({ ...baseProject(9), active: false, start_date: day(-1) }, 'completed_not_in_corfix');
  addProject({ ...baseProject(10), active: false, start_date: null }, 'completed_not_in_corfix');
  addProject({ ...baseProject(11), active: false, start_date: today }, 'completed_not_in_corfix');
  addProject({ ...baseProject(12), project_number: 'X'.repeat(101) }, 'invalid_record', 'project_number');
  addProject({ ...baseProject(13), name: 'N'.repeat(256) }, 'invalid_record', 'name');
  addProject({ ...baseProject(14), name: '   ', project_number: 'BLANK-14' }, 'invalid_record', 'name');
  // Two new projects sharing a number, two sharing a name without a number:
  // one of each pair is created, the other sees it as existing.
  addProject({ ...baseProject(15), project_number: 'DUP-1' }, 'one_created');
  addProject({ ...baseProject(16), project_number: 'DUP-1' }, 'one_created');
  addProject({ ...baseProject(17), project_number: null, name: 'Twin Site' }, 'one_created');
  addProject({ ...baseProject(18), project_number: null, name: 'TWIN SITE' }, 'one_created');
  for (let n = 19; n <= 32; n += 1) addProject({ ...baseProject(n) }, 'created');
  for (let n = 33; n <= 40; n += 1) addProject({ ...baseProject(n), active: false, start_date: day(n - 30) }, 'created'); // upcoming
  addProject({ ...baseProject(41), description: null, public_notes: null, address: null, city: null, zip: null }, 'created');

  // --- Procore users: about 300, every reason code ---------------------------
  const addUser = (fields: Partial<SimUser>, reason: UserReason | 'created_or_email_exists', field?: string) => {
    const [sim] = procore.addUsers(company.id, [fields]) as [SimUser];
    expectedUsers.set(String(sim.id), { reason, ...(field ? { field } : {}), sim });
    return sim;
  };
  const me = procore.serviceAccount;
  expectedUsers.set(String(me.id), { reason: 'service_account', sim: procore.user(company.id, me.id) });
  const linkedUser = addUser({ ...baseUser(1) }, 'linked');
  for (let n = 2; n <= 11; n += 1) addUser({ ...baseUser(n), is_active: false, is_employee: n % 2 === 0 }, 'inactive_not_in_corfix');
  // inactive, not an employee, and the email exists: inactive wins
  addUser({ ...baseUser(12), is_active: false, is_employee: false, email_address: 'ALREADY1@corfix.example' }, 'inactive_not_in_corfix');
  for (let n = 13; n <= 32; n += 1) addUser({ ...baseUser(n), is_employee: false }, 'not_employee');
  addUser({ ...baseUser(33), is_employee: false, email_address: 'already2@corfix.example' }, 'not_employee'); // beats email_exists
  for (let n = 1; n <= 5; n += 1) addUser({ ...baseUser(40 + n), email_address: `Already${n}@Corfix.Example` }, 'email_exists');
  addUser({ ...baseUser(46), first_name: '', email_address: 'already3@corfix.example' }, 'email_exists'); // beats invalid_record
  addUser({ ...baseUser(47), email_address: 'shared@harbour.example' }, 'created_or_email_exists');
  addUser({ ...baseUser(48), email_address: 'SHARED@harbour.example' }, 'created_or_email_exists');
  addUser({ ...baseUser(49), first_name: '' }, 'invalid_record', 'first_name');
  addUser({ ...baseUser(50), last_name: 'L'.repeat(101) }, 'invalid_record', 'last_name');
  addUser({ ...baseUser(51), email_address: 'not-an-email' }, 'invalid_record', 'email');
  addUser({ ...baseUser(52), email_address: '', mobile_phone: null }, 'created'); // no email: active for kiosk
  addUser({ ...baseUser(53), email_address: null, mobile_phone: '', employee_id: null }, 'created');
  addUser({ ...baseUser(54), mobile_phone: null, employee_id: 4242 as unknown as string }, 'created');
  for (let n = 60; n < 305; n += 1) addUser({ ...baseUser(n) }, 'created');

  // --- Corfix before the sync -------------------------------------------------
  corfix.createProject(ACCOUNT, { name: 'Existing with EX-100', project_number: 'EX-100', status: 'active' });
  corfix.createProject(ACCOUNT, { name: 'Existing with EX-101', project_number: 'EX-101', status: 'completed' });
  corfix.createProject(ACCOUNT, { name: 'harbour tower', project_number: null, status: 'upcoming' });
  corfix.createProject(ACCOUNT, {
    name: 'Made by an earlier connection',
    project_number: 'P-001',
    status: 'active',
    external_ref: `procore:${companyId}:project:${linkedProject.id}`,
  });
  for (let n = 1; n <= 5; n += 1) {
    corfix.seedWorker(ACCOUNT, { first_name: 'Pre', last_name: `Existing${n}`, email: `already${n}@corfix.example`, status: 'active' });
  }
  corfix.seedWorker(ACCOUNT, {
    first_name: 'Earlier',
    last_name: 'Connection',
    email: 'earlier@corfix.example',
    status: 'pending_account_activation',
    external_ref: `procore:${companyId}:user:${linkedUser.id}`,
  });
  preExisting = JSON.parse(JSON.stringify(corfix.snapshot())) as typeof preExisting;

  await h.startWorker();
});

afterAll(async () => h?.stop());

function expectedCorfixProject(p: SimProject) {
  const status = p.active ? 'active' : 'upcoming';
  return {
    name: p.name,
    project_number: p.project_number || null,
    private_description: p.description,
    public_info: p.public_notes,
    street_address: p.address,
    city: p.city,
    state: p.state_code,
    country: p.country_code,
    zip: p.zip,
    status,
    external_ref: `procore:${companyId}:project:${p.id}`,
  };
}

function expectedCorfixWorker(u: SimUser) {
  const email = u.email_address ? u.email_address.trim() : null;
  return {
    first_name: u.first_name,
    last_name: u.last_name,
    email: email || null,
    phone_number: u.mobile_phone || u.business_phone || null,
    employee_number: u.employee_id === null ? null : String(u.employee_id),
    external_ref: `procore:${companyId}:user:${u.id}`,
    // Automatically Activate Workers: activated at once, which means email verification when there is an email.
    status: email ? 'pending_email_verification' : 'active_for_kiosk',
  };
}

/** Every payload of a history decoded as text (they are stored as bytes). */
function historyText(history: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    else if (typeof value === 'string') parts.push(value);
  };
  walk(history);
  return parts.join('\n');
}

async function allOutcomes(entity: SyncEntity) {
  const rows: Array<{ procore_id: string; outcome: string; reason: string; field: string | null; corfix_id: string | null }> = [];
  for (let page = 1; ; page += 1) {
    const response = await h.api.inject({
      method: 'GET',
      url: `/v1/integrations/${ACCOUNT}/outcomes?entity=${entity}&page=${page}&per_page=100`,
      headers: { authorization: 'Bearer sync-harness-api-token' },
    });
    const body = response.json() as { data: typeof rows; total: number };
    rows.push(...body.data);
    if (rows.length >= body.total) return rows;
  }
}

test('connecting syncs every Procore project and user exactly as the rules say, once', async () => {
  const connected = await h.connect({
    corfix_account_id: ACCOUNT,
    procore_company_id: companyId,
    sync_employees_only: true,
    auto_activate_workers: true,
  });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);

  // The report: exactly one row per Procore entity, with the expected reason.
  const projectRows = await allOutcomes('project');
  expect(projectRows).toHaveLength(expectedProjects.size);
  const pairs: Record<string, string[]> = {};
  for (const row of projectRows) {
    const expected = expectedProjects.get(row.procore_id);
    if (expected?.reason === 'one_created') {
      const pair = expected.sim.project_number ?? 'twin';
      (pairs[pair] ??= []).push(row.reason);
      continue;
    }
    expect({ id: row.procore_id, reason: row.reason, field: row.field ?? undefined }).toEqual({
      id: row.procore_id,
      reason: expected?.reason,
      field: expected?.field,
    });
  }
  expect(pairs['DUP-1']?.sort()).toEqual(['created', 'number_exists']);
  expect(pairs['twin']?.sort()).toEqual(['created', 'name_exists']);
  const userRows = await allOutcomes('user');
  expect(userRows).toHaveLength(expectedUsers.size);
  const sharedEmail: string[] = [];
  for (const row of userRows) {
    const expected = expectedUsers.get(row.procore_id);
    if (expected?.reason === 'created_or_email_exists') {
      sharedEmail.push(row.reason);
      continue;
    }
    expect({ id: row.procore_id, reason: row.reason, field: row.field ?? undefined }).toEqual({
      id: row.procore_id,
      reason: expected?.reason,
      field: expected?.field,
    });
  }
  expect(sharedEmail.sort()).toEqual(['created', 'email_exists']);

  // Corfix: every pre-existing record unchanged, and exactly the expected new ones.
  const after = h.corfix.state.snapshot();
  for (const before of preExisting.projects as Array<{ id: string }>) {
    expect(after.projects.find((p) => p.id === before.id)).toEqual(before);
  }
  for (const before of preExisting.workers as Array<{ id: string }>) {
    expect(after.workers.find((w) => w.id === before.id)).toEqual(before);
  }
  const preIds = new Set([...preExisting.projects, ...preExisting.workers].map((r) => (r as { id: string }).id));

  const newProjects = after.projects.filter((p) => !preIds.has(p.id));
  const createdProjects = [...expectedProjects.values()].filter((e) => e.reason === 'created');
  expect(newProjects).toHaveLength(createdProjects.length + 2); // + one of each pair
  for (const e of createdProjects) {
    const made = newProjects.find((p) => p.external_ref === `procore:${companyId}:project:${e.sim.id}`);
    expect(made).toMatchObject(expectedCorfixProject(e.sim));
  }

  const newWorkers = after.workers.filter((w) => !preIds.has(w.id));
  const createdUsers = [...expectedUsers.values()].filter((e) => e.reason === 'created');
  expect(newWorkers).toHaveLength(createdUsers.length + 1); // + one of the two sharing an email
  for (const e of createdUsers) {
    const made = newWorkers.find((w) => w.external_ref === `procore:${companyId}:user:${e.sim.id}`);
    expect(made).toMatchObject(expectedCorfixWorker(e.sim));
  }
  expect(newWorkers.filter((w) => w.email?.toLowerCase() === 'shared@harbour.example')).toHaveLength(1);

  // Links: one per created or linked entity, none for skipped ones.
  const projectLinks = await h.t.db('project_links').where({ integration_id: integrationId });
  expect(projectLinks).toHaveLength(createdProjects.length + 2 + 1);
  const workerLinks = await h.t.db('worker_links').where({ integration_id: integrationId });
  expect(workerLinks).toHaveLength(createdUsers.length + 2);

  // The status, from Postgres.
  const status = await h.status(ACCOUNT);
  expect(status).toMatchObject({
    status: 'active',
    initial_sync: {
      state: 'completed',
      phase: 'done',
      projects: { entities_done: expectedProjects.size },
      users: { entities_done: expectedUsers.size },
    },
  });
  // Workflow history holds ids and counts, never a secret or a person's data.
  for (const workflowId of [`connect/${integrationId}`, `initial-sync/${integrationId}`]) {
    const history = historyText(await h.temporal.client.workflow.getHandle(workflowId).fetchHistory());
    expect(history).toContain(integrationId); // the text is readable: the checks below can fail
    for (const secret of [h.env['CORFIX_API_TOKEN'], h.env['PROCORE_CLIENT_SECRET'], 'worker60@harbour.example', 'First60']) {
      expect(history).not.toContain(secret);
    }
    expect(history.length).toBeLessThan(200_000);
  }

  const counts = (status['initial_sync'] as { outcomes: { project: Record<string, number>; user: Record<string, number> } }).outcomes;
  expect(counts.project).toEqual({
    linked: 1,
    template: 2,
    number_exists: 3,
    name_exists: 3,
    completed_not_in_corfix: 3,
    invalid_record: 3,
    created: createdProjects.length + 2,
  });
  expect(counts.user).toEqual({
    linked: 1,
    service_account: 1,
    inactive_not_in_corfix: 11,
    not_employee: 21,
    email_exists: 7,
    invalid_record: 3,
    created: createdUsers.length + 1,
  });
});
