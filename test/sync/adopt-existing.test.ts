// adopt_existing (issue 15): an account that already holds projects and
// workers connects without duplicates. A Procore project whose number matches
// exactly one free Corfix project, and a user whose email matches exactly one
// free Corfix worker, are linked to it (outcome adopted) and claimed with the
// integration's external_ref; several candidates are never guessed
// (ambiguous_match). From then on the continuous syncs keep the adopted
// records in step like any other, and adopt what appears later the same way.
import { corfixProjectsOfPage, takeCorfixSnapshot } from '../../src/activities/corfix-snapshot.js';
import { syncEntityPage } from '../../src/activities/entity-page.js';
import { projectRules } from '../../src/activities/entity-rules.js';
import { createIntegration } from '../../src/db/repositories/integrations.js';
import { findProjectLinks } from '../../src/db/repositories/links.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../../src/domain/external-ref.js';
import { TOGGLES_OFF } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT = 'acc_adopt';
const RACE_ACCOUNT = 'acc_adopt_race';
const CRASH_ACCOUNT = 'acc_adopt_crash';
const MATCHING_PROJECTS = 50;
const MATCHING_WORKERS = 200;
const NEW_PROJECTS = 10;
const NEW_USERS = 20;

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'adopt-existing', corfixAccounts: [ACCOUNT, RACE_ACCOUNT, CRASH_ACCOUNT] });
  await h.startWorker({ pollIntervalMs: 1_000 });
}, 120_000);
afterAll(async () => h?.stop());

test('50 matching projects and 200 matching workers are adopted, none made twice, and later Procore changes reach them', async () => {
  const corfix = h.corfix.state;
  const heldProjects = Array.from({ length: MATCHING_PROJECTS }, (_, i) =>
    corfix.createProject(ACCOUNT, { name: `Corfix site ${i}`, project_number: `AD-${i}`, status: 'active' }),
  );
  const heldWorkers = Array.from({ length: MATCHING_WORKERS }, (_, i) =>
    corfix.createWorker(ACCOUNT, { first_name: `Held${i}`, last_name: 'Worker', email: `crew${i}@adopt.example` }, true),
  );
  // Two Corfix projects share a number: a Procore project with it is never guessed.
  const twins = [0, 1].map((i) => corfix.createProject(ACCOUNT, { name: `Twin ${i}`, project_number: 'AD-TWIN', status: 'active' }));

  const company = h.procore.state.addCompany({ name: 'Adopting Builders' });
  const companyId = String(company.id);
  const projects = h.procore.state.addProjects(company.id, [
    // Same number, another name (and another case nowhere: numbers match exactly).
    ...Array.from({ length: MATCHING_PROJECTS }, (_, i) => ({ name: `Procore site ${i}`, project_number: `AD-${i}`, active: true })),
    ...Array.from({ length: NEW_PROJECTS }, (_, i) => ({ name: `New site ${i}`, project_number: `NEW-${i}`, active: true })),
    { name: 'Twin in Procore', project_number: 'AD-TWIN', active: true },
  ]);
  const users = h.procore.state.addUsers(company.id, [
    // Emails match ignoring case.
    ...Array.from({ length: MATCHING_WORKERS }, (_, i) => ({ first_name: `Crew${i}`, last_name: 'Member', email_address: `CREW${i}@adopt.example`, is_active: true })),
    ...Array.from({ length: NEW_USERS }, (_, i) => ({ first_name: `Fresh${i}`, last_name: 'Member', email_address: `fresh${i}@adopt.example`, is_active: true })),
  ]);
  const projectsBefore = [...corfix.projects.values()].filter((p) => p.account_id === ACCOUNT).length;
  const workersBefore = [...corfix.workers.values()].filter((w) => w.account_id === ACCOUNT).length;

  const connected = await h.connect({ corfix_account_id: ACCOUNT, procore_company_id: companyId, adopt_existing: true, auto_activate_workers: true });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);

  // Zero duplicates: only the new ones were made.
  const projectsNow = [...corfix.projects.values()].filter((p) => p.account_id === ACCOUNT);
  const workersNow = [...corfix.workers.values()].filter((w) => w.account_id === ACCOUNT);
  expect(projectsNow).toHaveLength(projectsBefore + NEW_PROJECTS);
  expect(workersNow).toHaveLength(workersBefore + NEW_USERS);
  expect(new Set(projectsNow.flatMap((p) => (p.external_ref ? [p.external_ref] : []))).size).toBe(MATCHING_PROJECTS + NEW_PROJECTS);

  // Every match linked to the record it matched, claimed with the integration's ref.
  const rows = await h.t.db('sync_outcomes').where({ integration_id: integrationId }).select('entity', 'procore_id', 'outcome', 'reason', 'corfix_id');
  const rowOf = (entity: string, id: number) => rows.find((r) => r.entity === entity && String(r.procore_id) === String(id));
  for (const [i, held] of heldProjects.entries()) {
    const procore = projects[i]!;
    expect(rowOf('project', procore.id)).toMatchObject({ outcome: 'adopted', reason: 'adopted', corfix_id: held.id });
    expect(corfix.projects.get(held.id)?.external_ref).toBe(procoreProjectExternalRef(companyId, String(procore.id)));
  }
  for (const [i, held] of heldWorkers.entries()) {
    const procore = users[i]!;
    expect(rowOf('user', procore.id)).toMatchObject({ outcome: 'adopted', reason: 'adopted', corfix_id: held.id });
    expect(corfix.workers.get(held.id)?.external_ref).toBe(procoreUserExternalRef(companyId, String(procore.id)));
  }
  const twinInProcore = projects[MATCHING_PROJECTS + NEW_PROJECTS]!;
  expect(rowOf('project', twinInProcore.id)).toMatchObject({ outcome: 'skipped', reason: 'ambiguous_match', corfix_id: null });
  for (const twin of twins) expect(corfix.projects.get(twin.id)?.external_ref ?? null).toBeNull();
  const adoptedLinks = await h.t.db('project_links').where({ integration_id: integrationId, adopted: true }).count<{ count: string }[]>('* as count');
  expect(Number(adoptedLinks[0]?.count)).toBe(MATCHING_PROJECTS);
  expect(await h.status(ACCOUNT)).toMatchObject({
    settings: { adopt_existing: true },
    initial_sync: { outcomes: { project: { adopted: MATCHING_PROJECTS, created: NEW_PROJECTS, ambiguous_match: 1 }, user: { adopted: MATCHING_WORKERS, created: NEW_USERS } } },
  });

  // Later Procore changes reach the adopted records, like any synced record.
  h.procore.state.updateProject(projects[3]!.id, { name: 'Procore site 3, renamed' });
  h.procore.state.updateUser(company.id, users[7]!.id, { first_name: 'Renamed' });
  h.procore.state.setUserActive(company.id, users[8]!.id, false);
  await eventually(async () => (corfix.projects.get(heldProjects[3]!.id)?.name === 'Procore site 3, renamed' ? true : undefined), 60_000);
  await eventually(async () => (corfix.workers.get(heldWorkers[7]!.id)?.first_name === 'Renamed' ? true : undefined), 60_000);
  await eventually(async () => (corfix.workers.get(heldWorkers[8]!.id)?.status === 'blocked' ? true : undefined), 60_000);

  // A project that appears in Procore later, matching a free Corfix project, is adopted by the continuous sync too.
  const lateHeld = corfix.createProject(ACCOUNT, { name: 'Late Corfix site', project_number: 'AD-LATE', status: 'active' });
  const [late] = h.procore.state.addProjects(company.id, [{ name: 'Late Procore site', project_number: 'AD-LATE', active: true }]);
  const lateRow = await eventually(
    async () => h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'project', procore_id: String(late!.id) }).first(),
    60_000,
  );
  expect(lateRow).toMatchObject({ outcome: 'adopted', corfix_id: lateHeld.id });
  expect([...corfix.projects.values()].filter((p) => p.account_id === ACCOUNT)).toHaveLength(projectsBefore + NEW_PROJECTS + 1);
}, 240_000);

test('one Corfix project matched by two Procore projects through different keys (a number, a name) is adopted once', async () => {
  // Found by review: entities of a page that share no key run at once, and an adoption takes every key of
  // the record only after its claim; the second saw the record free, adopted it too, and its link broke the
  // one-link-per-record constraint, failing the page on every retry.
  const corfix = h.corfix.state;
  const held = corfix.createProject(RACE_ACCOUNT, { name: 'Beta Wharf', project_number: 'RACE-1', status: 'active' });
  const company = h.procore.state.addCompany({ name: 'Racing Builders' });
  const [byNumber, byName] = h.procore.state.addProjects(company.id, [
    { name: 'Alpha Wharf', project_number: 'RACE-1', active: true },
    { name: 'Beta Wharf', project_number: null, active: true },
  ]);
  const connected = await h.connect({ corfix_account_id: RACE_ACCOUNT, procore_company_id: String(company.id), adopt_existing: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const rows = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'project' }).select('procore_id', 'outcome', 'reason', 'corfix_id');
  const rowOf = (id: number) => rows.find((r) => String(r.procore_id) === String(id));
  expect(rowOf(byNumber!.id)).toMatchObject({ outcome: 'adopted', corfix_id: held.id });
  expect(rowOf(byName!.id)).toMatchObject({ outcome: 'skipped', reason: 'name_exists' });
  expect([...corfix.projects.values()].filter((p) => p.account_id === RACE_ACCOUNT)).toHaveLength(1);
}, 120_000);

test('a page that fails between an adoption\'s claim and its link reports the record adopted when it runs again', async () => {
  // Found by review: the claim put the integration's external_ref on the record before the link was
  // written; a page failing in between found the record by that ref when it ran again, and reported it
  // `linked`, with a link that did not say it was adopted.
  const corfix = h.corfix.state;
  const held = corfix.createProject(CRASH_ACCOUNT, { name: 'Held quay', project_number: 'CRASH-1', status: 'active' });
  const company = h.procore.state.addCompany({ name: 'Crashing Builders' });
  const [procore] = h.procore.state.addProjects(company.id, [{ name: 'Quay', project_number: 'CRASH-1', active: true }]);
  const integration = await createIntegration(h.t.db, {
    corfixAccountId: CRASH_ACCOUNT,
    procoreCompanyId: String(company.id),
    ...TOGGLES_OFF,
    adoptExisting: true,
  });
  const { generation } = await takeCorfixSnapshot(h.t.db, h.clients.corfix, integration, null, () => {});
  const items = (await h.clients.procore(String(company.id)).projectsPage({ status: 'All' }, 1, 100)).items;
  const pageRules = async (failLinkOnce: boolean) => {
    const known = await corfixProjectsOfPage(h.t.db, integration, generation, items);
    const links = await findProjectLinks(h.t.db, integration.id, items.map((p) => p.id));
    const rules = projectRules({ db: h.t.db, corfix: h.clients.corfix, integration, today: new Date().toISOString().slice(0, 10), known, links });
    let failing = failLinkOnce;
    return {
      ...rules,
      saveLink: async (...args: Parameters<typeof rules.saveLink>) => {
        if (failing) {
          failing = false;
          throw new Error('Postgres went away');
        }
        return rules.saveLink(...args);
      },
    };
  };
  await expect(syncEntityPage(h.t.db, integration.id, items, await pageRules(true), { onDone: () => {} })).rejects.toThrow('Postgres went away');
  await syncEntityPage(h.t.db, integration.id, items, await pageRules(false), { onDone: () => {} });

  const row = await h.t.db('sync_outcomes').where({ integration_id: integration.id, entity: 'project', procore_id: String(procore!.id) }).first();
  expect(row).toMatchObject({ outcome: 'adopted', corfix_id: held.id });
  const link = (await findProjectLinks(h.t.db, integration.id, [String(procore!.id)])).get(String(procore!.id));
  expect(link).toMatchObject({ corfixProjectId: held.id, adopted: true });
  expect(corfix.projects.get(held.id)?.external_ref).toBe(procoreProjectExternalRef(String(company.id), String(procore!.id)));
}, 120_000);
