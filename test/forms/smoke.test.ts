// A first pass through the whole path: webhook -> workflow -> Procore file; an edit -> a new version.
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'forms-smoke', corfixAccounts: ['acc_forms'] });
  await h.startWorker({ pollIntervalMs: 60_000 });
});
afterAll(async () => h?.stop());

test('a completed form lands as a file, an edit as a new version', async () => {
  const company = h.procore.state.addCompany({ name: 'Forms Co' });
  const [project] = h.procore.state.addProjects(company.id, [{ name: 'Site A', project_number: 'A-1', active: true, template: false }]);
  const connected = await h.connect({ corfix_account_id: 'acc_forms', procore_company_id: String(company.id), sync_forms: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const corfixProject = [...h.corfix.state.projects.values()].find((p) => p.name === 'Site A')!;
  const api = await h.listenApi();
  h.corfix.state.webhookUrls.set('acc_forms', `${api}/webhooks/corfix`);

  const form = h.corfix.state.createForm('acc_forms', { project_id: corfixProject.id, template_name: 'Daily Hazard', form_date: '2026-11-27', status: 'completed' });
  const file = await eventually(async () => [...h.procore.state.files.values()].find((f) => f.project_id === project!.id), 30_000);
  expect(file.name).toBe('Daily Hazard 2026-11-27.pdf');
  h.corfix.state.editForm('acc_forms', form.id, {});
  await eventually(async () => (file.versions.length === 2 ? true : undefined), 30_000);
  const status = await h.status('acc_forms');
  expect(status['forms']).toEqual({ states: { pending: 0, retrying: 0, uploaded: 1, failed: 0, skipped: 0 }, outcomes: { new_version: 1 } });
  const folder = h.procore.state.folders.get(file.parent_id!)!;
  expect(h.procore.state.nameWithPath(folder)).toBe('Corfix Forms/2026-11');
});
