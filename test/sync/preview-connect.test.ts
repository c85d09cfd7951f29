// The preview of a connect (issue 15) against the demo company: it lists the
// outcome a real connect then records, entity for entity, and leaves Corfix,
// Procore and the database as they were (its own report aside). With
// adopt_existing, the preview's "other way" column is what the preview with
// the toggle the other way says, line for line.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { PageResult, SnapshotResume, SyncStart } from '../../src/activities/initial-sync-types.js';
import { createPreviewActivities } from '../../src/activities/preview.js';
import { createLogger } from '../../src/logger.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../../src/domain/external-ref.js';
import { createPreview, listPreviewOutcomes, type PreviewOutcome } from '../../src/db/repositories/previews.js';
import type { NewIntegration } from '../../src/db/repositories/integrations.js';
import { startPreview } from '../../src/client.js';
import { demoCompany } from '../../src/dev/demo-company.js';
import { seedDemoCompany } from '../../src/dev/simulators.js';
import { previewWorkflowId } from '../../src/temporal/workflow-ids.js';
import { API_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const SEED_RULES = 'acc_preview_seed';
const ADOPTING = 'acc_preview_adopt';
/** A preview keeps its own rows; every other table must be as it was. */
const PREVIEW_TABLES = new Set(['integration_previews', 'preview_outcomes']);

let h: SyncHarness;
const companies: Record<string, string> = {};

beforeAll(async () => {
  h = await startSyncHarness({ name: 'preview-connect', corfixAccounts: [SEED_RULES, ADOPTING] });
  const company = demoCompany({ today: new Date().toISOString().slice(0, 10) });
  for (const account of [SEED_RULES, ADOPTING]) companies[account] = String(seedDemoCompany(h.procore, h.corfix, company, account));
  await h.startWorker();
}, 120_000);
afterAll(async () => h?.stop());

/** Every table but the preview's own, rows as JSON text in a stable order. */
async function databaseText(): Promise<Record<string, string[]>> {
  const tables: Array<{ table_name: string }> = await h.t.db('information_schema.tables').where({ table_schema: 'public' }).select('table_name');
  const dump: Record<string, string[]> = {};
  for (const { table_name: table } of tables) {
    if (table.startsWith('knex_') || PREVIEW_TABLES.has(table)) continue;
    dump[table] = (await h.t.db(table).select('*')).map((row) => JSON.stringify(row)).sort();
  }
  return dump;
}

/** Both simulators' whole state, as JSON text (maps as entry lists). */
function simulatorsText(): { procore: string; corfix: string } {
  const p = h.procore.state;
  const entries = <K, V>(m: Map<K, V>) => [...m.entries()];
  return {
    procore: JSON.stringify({
      companies: entries(p.companies),
      projects: entries(p.projects),
      directories: [...p.directories.entries()].map(([id, users]) => [id, entries(users)]),
      folders: entries(p.folders),
      files: entries(p.files),
      uploads: entries(p.uploads),
      hooks: entries(p.hooks),
    }),
    corfix: JSON.stringify(h.corfix.state.snapshot()),
  };
}

const settingsOf = (account: string, adoptExisting: boolean): NewIntegration => ({
  corfixAccountId: account,
  procoreCompanyId: companies[account] as string,
  syncEmployeesOnly: false,
  autoActivateWorkers: true,
  syncForms: false,
  adoptExisting,
});

/** Runs a preview to its end; its lines by entity and Procore id. */
async function preview(request: NewIntegration): Promise<Map<string, PreviewOutcome>> {
  const saved = await createPreview(h.t.db, request);
  await startPreview(h.temporal.client, h.taskQueue, saved);
  await h.temporal.client.workflow.getHandle(previewWorkflowId(saved.id)).result();
  const { outcomes } = await listPreviewOutcomes(h.t.db, saved.id, {}, { page: 1, perPage: 10_000 });
  return new Map(outcomes.map((o) => [`${o.entity}:${o.procoreId}`, o]));
}

interface Recorded {
  outcome: string;
  reason: string;
  field: string | null;
  corfixId: string | null;
}

/** Connects for real; its report rows by entity and Procore id. */
async function connect(request: NewIntegration): Promise<Map<string, Recorded>> {
  const connected = await h.connect({
    corfix_account_id: request.corfixAccountId,
    procore_company_id: request.procoreCompanyId,
    auto_activate_workers: request.autoActivateWorkers,
    adopt_existing: request.adoptExisting,
  });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const rows = await h.t.db('sync_outcomes').where({ integration_id: integrationId }).whereIn('entity', ['project', 'user']);
  return new Map(
    rows.map((r) => [`${r.entity}:${String(r.procore_id)}`, { outcome: r.outcome, reason: r.reason, field: r.field, corfixId: r.corfix_id }]),
  );
}

/** The preview's lines are the connect's rows: outcome, reason and field, and the Corfix record each names. */
function expectSameOutcomes(previewed: Map<string, PreviewOutcome>, recorded: Map<string, Recorded>, companyId: string): void {
  expect([...previewed.keys()].sort()).toEqual([...recorded.keys()].sort());
  const corfix = h.corfix.state;
  for (const [key, line] of previewed) {
    const row = recorded.get(key) as Recorded;
    expect({ key, outcome: line.outcome, reason: line.reason, field: line.field }).toEqual({ key, outcome: row.outcome, reason: row.reason, field: row.field });
    if (row.outcome === 'created') {
      // The preview names the record by the external_ref the connect then gave it.
      const record = line.entity === 'project' ? corfix.projects.get(row.corfixId as string) : corfix.workers.get(row.corfixId as string);
      const ref = line.entity === 'project' ? procoreProjectExternalRef(companyId, line.procoreId) : procoreUserExternalRef(companyId, line.procoreId);
      expect(record?.external_ref).toBe(ref);
      expect(line.corfixIds).toEqual([`new:${ref}`]);
    } else if (row.outcome === 'adopted' || row.outcome === 'linked') {
      expect(line.corfixIds).toEqual([row.corfixId]);
    } else if (['number_exists', 'name_exists', 'email_exists', 'ambiguous_match'].includes(row.reason)) {
      expect(line.corfixIds.length).toBeGreaterThan(0);
    }
  }
}

test('a preview of the demo company writes nothing, and the connect then records exactly what it listed', async () => {
  const request = settingsOf(SEED_RULES, false);
  const before = { database: await databaseText(), simulators: simulatorsText() };
  const previewed = await preview(request);
  expect(simulatorsText()).toEqual(before.simulators);
  expect(await databaseText()).toEqual(before.database);

  // Every reason the demo company is there to show, collisions naming their Corfix records.
  const reasons = new Set([...previewed.values()].map((l) => l.reason));
  for (const reason of ['created', 'template', 'number_exists', 'name_exists', 'completed_not_in_corfix', 'email_exists', 'inactive_not_in_corfix']) {
    expect(reasons).toContain(reason);
  }
  const recorded = await connect(request);
  expectSameOutcomes(previewed, recorded, request.procoreCompanyId);
}, 240_000);

test('with adopt_existing: the preview lists what the connect adopts, and each preview shows what the toggle the other way would change', async () => {
  const off = await preview(settingsOf(ADOPTING, false));
  const on = await preview(settingsOf(ADOPTING, true));
  // The other way of one is the other preview, line for line.
  for (const [key, line] of off) {
    const other = on.get(key) as PreviewOutcome;
    expect({ key, ...(line.other ?? { outcome: line.outcome, reason: line.reason }) }).toEqual({ key, outcome: other.outcome, reason: other.reason });
    expect({ key, ...(other.other ?? { outcome: other.outcome, reason: other.reason }) }).toEqual({ key, outcome: line.outcome, reason: line.reason });
  }
  expect([...on.values()].filter((l) => l.outcome === 'adopted').length).toBeGreaterThan(0);

  const recorded = await connect(settingsOf(ADOPTING, true));
  expectSameOutcomes(on, recorded, companies[ADOPTING] as string);
}, 240_000);

test.each([
  { account: SEED_RULES, adoptExisting: false, linkedBefore: ['created'] },
  { account: ADOPTING, adoptExisting: true, linkedBefore: ['created', 'adopted'] },
])('after a disconnect, a preview lists as linked what the reconnect takes over, and the reconnect agrees (adopt_existing $adoptExisting)', async ({ account, adoptExisting, linkedBefore }) => {
  const request = settingsOf(account, adoptExisting);
  const first = await h.t.db('integrations').where({ corfix_account_id: account }).first('id');
  const made = await h.t.db('sync_outcomes').where({ integration_id: first.id }).whereIn('outcome', linkedBefore).select('entity', 'procore_id', 'corfix_id', 'outcome');
  expect(new Set(made.map((row) => row.outcome))).toEqual(new Set(linkedBefore));
  const disconnected = await h.api.inject({
    method: 'DELETE',
    url: `/v1/integrations/${account}`,
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  expect(disconnected.statusCode).toBe(200);

  const previewed = await preview(request);
  for (const row of made) {
    expect(previewed.get(`${row.entity}:${String(row.procore_id)}`)).toMatchObject({ outcome: 'linked', reason: 'linked', corfixIds: [row.corfix_id] });
  }
  const recorded = await connect(request);
  expectSameOutcomes(previewed, recorded, request.procoreCompanyId);
}, 240_000);

test('a preview page run again after it was saved (its answer lost) gives the same result and leaves its lines as they were', async () => {
  // Found by review: the page's lines and what it would make are saved together, so a page run again
  // found its own would-be records in the snapshot and decided them all `linked`.
  const company = h.procore.state.addCompany({ name: 'Preview Retry Builders' });
  h.procore.state.addProjects(company.id, [
    { name: 'Retry one', project_number: 'RT-1', active: true },
    { name: 'Retry two', project_number: 'DEMO-HELD', active: true },
  ]);
  h.corfix.state.createProject(ADOPTING, { name: 'Held for the retry', project_number: 'DEMO-HELD', status: 'active' });
  const saved = await createPreview(h.t.db, { ...settingsOf(ADOPTING, true), procoreCompanyId: String(company.id) });
  const activities = createPreviewActivities({ db: h.t.db, clients: h.clients, logger: createLogger('silent', 'test') });
  const mock = new MockActivityEnvironment();
  const { serviceAccountUserId }: SyncStart = await mock.run(activities.beginPreview, { previewId: saved.id });
  expect(serviceAccountUserId).toBeTruthy();
  const { generation }: SnapshotResume = await mock.run(activities.takePreviewSnapshot, { previewId: saved.id });
  const page = { previewId: saved.id, page: 1, perPage: null, pagesDoneBefore: 0, snapshotGeneration: generation };

  const first: PageResult = await mock.run(activities.previewProjectPage, page);
  const linesAfterFirst = await listPreviewOutcomes(h.t.db, saved.id, {}, { page: 1, perPage: 100 });
  const again = await mock.run(activities.previewProjectPage, page);
  expect(again).toEqual(first);
  expect(first.created).toBe(1);
  expect(await listPreviewOutcomes(h.t.db, saved.id, {}, { page: 1, perPage: 100 })).toEqual(linesAfterFirst);
  expect(linesAfterFirst.outcomes.map((l) => l.reason).sort()).toEqual(['adopted', 'created']);
}, 120_000);
