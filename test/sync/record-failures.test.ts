// One record must never fail a whole company: a record Corfix refuses for a
// reason of its own, a Procore record the client cannot read, or a value the
// rules cannot read each becomes a report row (`invalid_record`, naming the
// field), and the sync goes on with the rest. End to end through the
// simulators, one company per test.
import type { SimProject, SimUser } from '../../src/simulators/procore/state.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNTS = { refusals: 'acc_refusals', unreadable: 'acc_unreadable', dates: 'acc_dates', lostLink: 'acc_lost_link' } as const;
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'record-failures', corfixAccounts: Object.values(ACCOUNTS) });
  await h.startWorker();
});

afterAll(async () => h?.stop());

interface Row {
  entity: string;
  procore_id: string;
  outcome: string;
  reason: string;
  field: string | null;
}

async function outcomesOf(integrationId: string): Promise<Map<string, Row>> {
  const rows = (await h.t.db('sync_outcomes').where({ integration_id: integrationId })) as Row[];
  return new Map(rows.map((r) => [`${r.entity}:${String(r.procore_id)}`, { ...r, procore_id: String(r.procore_id) }]));
}

/** Connects the account to the company and waits for the initial sync to end (throws with the failure if it fails). */
async function sync(account: string, companyId: number): Promise<string> {
  const connected = await h.connect({
    corfix_account_id: account,
    procore_company_id: String(companyId),
    sync_employees_only: false,
    auto_activate_workers: false,
  });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const status = await h.status(account);
      reject(new Error(`the sync did not end within 30 s: ${JSON.stringify(status['last_error'] ?? status)}`));
    }, 30_000);
  });
  try {
    await Promise.race([h.connectResult(integrationId), deadline]);
  } finally {
    clearTimeout(timer);
  }
  return integrationId;
}

/** Active employees of `companyId`, one per first name, in that order. */
function addUsers(companyId: number, lastName: string, firstNames: string[]): SimUser[] {
  return h.procore.state.addUsers(
    companyId,
    firstNames.map((name) => ({ first_name: name, last_name: lastName, email_address: `${name}@${lastName.toLowerCase()}.example`, is_active: true, is_employee: true })),
  );
}

/** Two active projects of `companyId`, numbered `{prefix}-1` and `{prefix}-2`. */
function addTwoProjects(companyId: number, prefix: string): [SimProject, SimProject] {
  return h.procore.state.addProjects(companyId, [
    { name: `${prefix} site 1`, project_number: `${prefix}-1`, active: true, template: false },
    { name: `${prefix} site 2`, project_number: `${prefix}-2`, active: true, template: false },
  ]) as [SimProject, SimProject];
}

const row = (reason: string, field: string | null, outcome = reason === 'created' ? 'created' : 'skipped') => ({ outcome, reason, field });

test('a Corfix refusal of one record with an undocumented code is that record\'s report row, and the sync goes on', async () => {
  const procore = h.procore.state;
  const company = procore.addCompany({ name: 'Refusing Builders' });
  const [okProject, conflictProject] = addTwoProjects(company.id, 'R');
  const [fine, conflict, unprocessable, reused] = addUsers(company.id, 'Refusal', ['fine', 'conflict', 'unprocessable', 'reused']) as [
    SimUser,
    SimUser,
    SimUser,
    SimUser,
  ];
  const ref = (kind: 'user' | 'project', id: number) => `procore:${company.id}:${kind}:${id}`;
  const corfix = h.corfix.state;
  corfix.plantRefusal(ACCOUNTS.refusals, ref('project', conflictProject.id), { status: 409, code: 'conflict' });
  corfix.plantRefusal(ACCOUNTS.refusals, ref('user', conflict.id), { status: 409, code: 'site_locked' });
  corfix.plantRefusal(ACCOUNTS.refusals, ref('user', unprocessable.id), { status: 422, code: 'unprocessable' });
  // "exists already", yet nothing carries its external_ref: it cannot be linked
  corfix.plantRefusal(ACCOUNTS.refusals, ref('user', reused.id), { status: 409, code: 'idempotency_key_reused' });

  const integrationId = await sync(ACCOUNTS.refusals, company.id);

  const rows = await outcomesOf(integrationId);
  expect(rows.get(`project:${okProject.id}`)).toMatchObject(row('created', null));
  expect(rows.get(`project:${conflictProject.id}`)).toMatchObject(row('invalid_record', 'corfix:conflict'));
  expect(rows.get(`user:${fine.id}`)).toMatchObject(row('created', null));
  expect(rows.get(`user:${conflict.id}`)).toMatchObject(row('invalid_record', 'corfix:conflict'));
  expect(rows.get(`user:${unprocessable.id}`)).toMatchObject(row('invalid_record', 'corfix:unprocessable'));
  expect(rows.get(`user:${reused.id}`)).toMatchObject(row('invalid_record', 'corfix:idempotency_key_reused'));
  const madeRefs = corfix.snapshot().workers.filter((w) => w.account_id === ACCOUNTS.refusals).map((w) => w.external_ref);
  expect(madeRefs).toEqual([ref('user', fine.id)]);
}, 60_000);

test('a Procore record the client cannot read is that record\'s report row, naming the field; one without an id is counted', async () => {
  const procore = h.procore.state;
  const company = procore.addCompany({ name: 'Unreadable Builders' });
  const [okProject, badProject] = addTwoProjects(company.id, 'U');
  (badProject as unknown as Record<string, unknown>)['active'] = 'yes';
  const [before, badName, noId, after] = addUsers(company.id, 'Unreadable', ['before', 'badname', 'noid', 'after']) as [
    SimUser,
    SimUser,
    SimUser,
    SimUser,
  ];
  (badName as unknown as Record<string, unknown>)['first_name'] = 42;
  (noId as unknown as Record<string, unknown>)['id'] = 'not-an-id';

  const integrationId = await sync(ACCOUNTS.unreadable, company.id);

  const rows = await outcomesOf(integrationId);
  expect(rows.get(`project:${okProject.id}`)).toMatchObject(row('created', null));
  expect(rows.get(`project:${badProject.id}`)).toMatchObject(row('invalid_record', 'active'));
  expect(rows.get(`user:${before.id}`)).toMatchObject(row('created', null));
  expect(rows.get(`user:${badName.id}`)).toMatchObject(row('invalid_record', 'first_name'));
  expect(rows.get(`user:${after.id}`)).toMatchObject(row('created', null));
  // the record without a readable id has no row, but is counted
  expect([...rows.values()].filter((r) => r.entity === 'user')).toHaveLength(4); // three users and the service account
  const unreadable = await h.t.db('unreadable_procore_records').where({ integration_id: integrationId });
  expect(unreadable).toEqual([
    expect.objectContaining({ entity: 'user', list: 'active_users', field: 'id', problem: 'expected an id (a whole number or a digit string)' }),
  ]);
}, 60_000);

test('a value the rules cannot read (a timestamp as start date) is that record\'s report row, not a retry for ever', async () => {
  const procore = h.procore.state;
  const company = procore.addCompany({ name: 'Dated Builders' });
  const [timestamped, upcoming] = procore.addProjects(company.id, [
    { name: 'Timestamped', project_number: 'D-1', active: false, template: false, start_date: '2026-01-05T00:00:00Z' },
    { name: 'Upcoming', project_number: 'D-2', active: false, template: false, start_date: '2999-01-05' },
  ]) as [SimProject, SimProject];

  const integrationId = await sync(ACCOUNTS.dates, company.id);

  const rows = await outcomesOf(integrationId);
  expect(rows.get(`project:${timestamped.id}`)).toMatchObject(row('invalid_record', 'start_date'));
  expect(rows.get(`project:${upcoming.id}`)).toMatchObject(row('created', null));
}, 60_000);

test('a worker created in Corfix whose link write was lost is reported created after the page is retried, not linked', async () => {
  const procore = h.procore.state;
  const company = procore.addCompany({ name: 'Lost Link Builders' });
  const [lost, other] = addUsers(company.id, 'Link', ['lost', 'other']) as [SimUser, SimUser];
  // The first write of this user's link fails, as if the worker died between Corfix's 201 and Postgres.
  // A sequence, not a row: nextval survives the failed statement's rollback.
  await h.t.db.raw('CREATE SEQUENCE lose_link_once');
  await h.t.db.raw(`
    CREATE FUNCTION lose_link() RETURNS trigger AS $$
    BEGIN
      IF NEW.procore_user_id = ${lost.id} AND nextval('lose_link_once') = 1 THEN
        RAISE EXCEPTION 'the link write was lost';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await h.t.db.raw('CREATE TRIGGER lose_link BEFORE INSERT ON worker_links FOR EACH ROW EXECUTE FUNCTION lose_link()');

  const integrationId = await sync(ACCOUNTS.lostLink, company.id);

  expect(Number((await h.t.db.raw("SELECT last_value FROM lose_link_once")).rows[0].last_value)).toBeGreaterThan(1); // the loss happened
  const rows = await outcomesOf(integrationId);
  expect(rows.get(`user:${lost.id}`)).toMatchObject(row('created', null));
  expect(rows.get(`user:${other.id}`)).toMatchObject(row('created', null));
  const workers = h.corfix.state.snapshot().workers.filter((w) => w.account_id === ACCOUNTS.lostLink);
  expect(workers).toHaveLength(2);
}, 60_000);
