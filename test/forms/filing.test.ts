// Where forms land in a project's Documents, through the whole path (webhook,
// workflow, Procore): the Corfix Forms folder (an existing one with text
// around its name is used), the month folder made once however many forms of
// the month come together, the file's name, and an edit as a new version.
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'forms-filing', corfixAccounts: ['acc_forms'] });
  await h.startWorker({ pollIntervalMs: 60_000 });
});
afterAll(async () => h?.stop());

test('50 forms of one month at once: the existing "06 Corfix Forms" is used, the month folder made once, one file each; an edit is a new version', async () => {
  const company = h.procore.state.addCompany({ name: 'Forms Co' });
  const [project] = h.procore.state.addProjects(company.id, [{ name: 'Site A', project_number: 'A-1', active: true, template: false }]);
  const root = h.procore.state.rootFolder(project!.id);
  const existing = h.procore.state.createFolder(project!.id, root.id, '06 Corfix Forms');
  const connected = await h.connect({ corfix_account_id: 'acc_forms', procore_company_id: String(company.id), sync_forms: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const corfixProject = [...h.corfix.state.projects.values()].find((p) => p.name === 'Site A')!;
  h.corfix.state.webhookUrls.set('acc_forms', `${await h.listenApi()}/webhooks/corfix`);
  h.procore.faults.resetCounts();

  const forms = Array.from({ length: 50 }, (_, i) =>
    h.corfix.state.createForm('acc_forms', {
      project_id: corfixProject.id,
      template_name: `Toolbox Talk ${i}`,
      form_date: `2026-11-${String((i % 28) + 1).padStart(2, '0')}`,
      status: 'completed',
    }),
  );
  const filesOf = () => [...h.procore.state.files.values()].filter((f) => f.project_id === project!.id && !f.is_deleted);
  await eventually(async () => (filesOf().length >= 50 ? true : undefined), 150_000);

  const months = [...h.procore.state.folders.values()].filter((f) => f.project_id === project!.id && f.name === '2026-11' && !f.is_deleted);
  expect(months).toHaveLength(1);
  expect(months[0]!.parent_id).toBe(existing.id);
  expect([...h.procore.state.folders.values()].filter((f) => f.project_id === project!.id && /corfix forms/i.test(f.name))).toHaveLength(1);
  // One create (the month; the Corfix Forms folder existed), no name clash refused: the others found it in the cache.
  expect(h.procore.faults.requestCounts()['POST /rest/v1.0/folders']).toMatchObject({ total: 1, by_status: { '201': 1 } });
  expect(filesOf()).toHaveLength(50);
  for (const [i, form] of forms.entries()) {
    const file = filesOf().find((f) => f.name === `Toolbox Talk ${i} ${form.form_date}.pdf`);
    expect(file?.parent_id).toBe(months[0]!.id);
  }

  const [first] = forms;
  const file = filesOf().find((f) => f.name === `Toolbox Talk 0 ${first!.form_date}.pdf`)!;
  h.corfix.state.editForm('acc_forms', first!.id, {});
  await eventually(async () => (file.versions.length === 2 ? true : undefined), 30_000);
  expect(filesOf()).toHaveLength(50);
  // Procore holds the version a moment before Postgres records it.
  const status = await eventually(async () => {
    const now = await h.status('acc_forms');
    return (now['forms'] as { outcomes: Record<string, number> }).outcomes['new_version'] === 1 ? now : undefined;
  });
  expect(status['forms']).toEqual({
    states: { pending: 0, retrying: 0, uploaded: 50, failed: 0, skipped: 0 },
    outcomes: { uploaded: 49, new_version: 1 },
  });
}, 180_000);
