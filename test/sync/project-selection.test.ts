// Choosing which Procore projects sync (issue 15), through the whole service:
// the real API, Postgres, a worker on Temporal, the simulators, the Corfix
// simulator's signed form webhooks on the API's real port. The connect's
// selection decides the initial sync; a PATCH of it makes the next project
// cycle a full one (a project newly included is created though nothing of it
// changed in Procore: every company here is backdated, so only a full cycle
// reads its projects again); a linked project left out keeps its link but no
// Procore change reaches it; its forms are reported, never uploaded; new
// Procore projects follow the choice.
import { startPreview } from '../../src/client.js';
import { createPreview, listPreviewOutcomes } from '../../src/db/repositories/previews.js';
import { procoreProjectExternalRef } from '../../src/domain/external-ref.js';
import type { SimProject } from '../../src/simulators/procore/state.js';
import { formUploadWorkflowId, previewWorkflowId } from '../../src/temporal/workflow-ids.js';
import { TOGGLES_OFF } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { API_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const INCLUDE_ACCOUNT = 'acc_sel_include';
const EXCLUDE_ACCOUNT = 'acc_sel_exclude';
const ALL_ACCOUNT = 'acc_sel_all';
const SIGNIN_ACCOUNT = 'acc_sel_signin';
const PREVIEW_ACCOUNT = 'acc_sel_preview';
const auth = { authorization: `Bearer ${API_TOKEN}` };
/** Before any cycle's cursor: only a full cycle reads these projects again. */
const LONG_AGO = '2025-01-01T00:00:00Z';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'project-selection', corfixAccounts: [INCLUDE_ACCOUNT, EXCLUDE_ACCOUNT, ALL_ACCOUNT, SIGNIN_ACCOUNT, PREVIEW_ACCOUNT] });
  // Cycles every 2 s (new projects are found by them); the reconciler hands over a form event Temporal did not take in time.
  await h.startWorker({ pollIntervalMs: 2_000, reconcileIntervalMs: 5_000 });
  const api = await h.listenApi();
  for (const account of [INCLUDE_ACCOUNT, EXCLUDE_ACCOUNT]) h.corfix.state.webhookUrls.set(account, `${api}/webhooks/corfix`);
}, 60_000);
afterAll(async () => h?.stop());

/** A Procore company with `count` active projects, every record stamped long ago. */
function companyWithProjects(name: string, count: number): { companyId: string; projects: SimProject[] } {
  const company = h.procore.state.addCompany({ name });
  const projects = h.procore.state.addProjects(
    company.id,
    Array.from({ length: count }, (_, i) => ({ name: `${name} site ${i + 1}`, active: true, template: false })),
  );
  h.procore.state.backdateCompany(company.id, LONG_AGO);
  return { companyId: String(company.id), projects };
}

const ids = (projects: readonly SimProject[]) => projects.map((p) => String(p.id));

/** The Corfix projects of the account made for these Procore projects (by their external_ref), Procore id -> Corfix project. */
function corfixProjectsOf(account: string, companyId: string) {
  const byRef = new Map([...h.corfix.state.projects.values()].filter((p) => p.account_id === account).map((p) => [p.external_ref, p]));
  return (procoreId: number | string) => byRef.get(procoreProjectExternalRef(companyId, String(procoreId)));
}

async function outcomesOf(integrationId: string, entity: 'project' | 'form') {
  const rows = await h.t
    .db('sync_outcomes')
    .where({ integration_id: integrationId, entity })
    .orderBy(['procore_id', 'corfix_id'])
    .select('procore_id', 'corfix_id', 'outcome', 'reason');
  return rows.map((r: { procore_id: string | null; corfix_id: string | null; outcome: string; reason: string }) => ({ ...r, procore_id: r.procore_id === null ? null : String(r.procore_id) }));
}

const projectRow = async (integrationId: string, procoreId: number, reason?: string) =>
  (await outcomesOf(integrationId, 'project')).find((r) => r.procore_id === String(procoreId) && (reason === undefined || r.reason === reason));

async function connect(body: Record<string, unknown>): Promise<string> {
  const connected = await h.connect(body);
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  return integrationId;
}

const patch = (account: string, body: Record<string, unknown>) =>
  h.api.inject({ method: 'PATCH', url: `/v1/integrations/${account}`, headers: auth, payload: body });

/** The form's row in the sync report, once there. */
/** The form's report row, once it says `reason` (the row follows the Procore call that earns it). */
const formRow = (integrationId: string, formId: string, reason: string) =>
  eventually(async () => (await outcomesOf(integrationId, 'form')).find((r) => r.corfix_id === formId && r.reason === reason), 60_000);

describe('Done when: an include list of 5', () => {
  test('only those 5 exist in Corfix after connect (the others not_selected); a sixth added with PATCH is created in the next cycle; a form of a project left out is reported not_selected and never uploaded', async () => {
    const { companyId, projects } = companyWithProjects('Include Co', 8);
    const chosen = projects.slice(0, 5);
    const integrationId = await connect({
      corfix_account_id: INCLUDE_ACCOUNT,
      procore_company_id: companyId,
      sync_forms: true,
      project_selection: { mode: 'include', project_ids: ids(chosen) },
    });
    let inCorfix = corfixProjectsOf(INCLUDE_ACCOUNT, companyId);
    expect([...h.corfix.state.projects.values()].filter((p) => p.account_id === INCLUDE_ACCOUNT)).toHaveLength(5);
    for (const p of chosen) expect(inCorfix(p.id)).toBeDefined();
    const rows = await outcomesOf(integrationId, 'project');
    expect(rows.filter((r) => r.reason === 'created').map((r) => r.procore_id).sort()).toEqual(ids(chosen).sort());
    expect(rows.filter((r) => r.reason === 'not_selected')).toEqual(
      ids(projects.slice(5)).map((id) => ({ procore_id: id, corfix_id: null, outcome: 'skipped', reason: 'not_selected' })),
    );
    const status = await h.status(INCLUDE_ACCOUNT);
    expect(status['settings']).toMatchObject({ project_selection: { mode: 'include', project_ids: ids(chosen) } });
    expect(status['initial_sync']).toMatchObject({ outcomes: { project: { created: 5, not_selected: 3 } } });
    const [connectAudit] = await h.t.db('audit_log').where({ integration_id: integrationId, action: 'connect' });
    expect(connectAudit.details).toMatchObject({ project_selection: { mode: 'include', project_ids: ids(chosen) } });

    // A sixth: unchanged in Procore since long before the connect, so only the full cycle the PATCH asks for reads it.
    const sixth = projects[5]!;
    const withSixth = await patch(INCLUDE_ACCOUNT, { project_selection: { mode: 'include', project_ids: ids(projects.slice(0, 6)) } });
    expect(withSixth.statusCode).toBe(200);
    expect(withSixth.json()).toMatchObject({ signalled: true, settings: { project_selection: { mode: 'include' } } });
    await eventually(async () => corfixProjectsOf(INCLUDE_ACCOUNT, companyId)(sixth.id), 60_000);
    // The report row follows the create (its link first): waited for, not read at once.
    expect(await eventually(async () => projectRow(integrationId, sixth.id, 'created'), 60_000)).toMatchObject({ outcome: 'created', reason: 'created' });
    // The two still left out stay out.
    inCorfix = corfixProjectsOf(INCLUDE_ACCOUNT, companyId);
    for (const p of projects.slice(6)) {
      expect(inCorfix(p.id)).toBeUndefined();
      expect(await projectRow(integrationId, p.id)).toMatchObject({ outcome: 'skipped', reason: 'not_selected' });
    }
    expect([...h.corfix.state.projects.values()].filter((p) => p.account_id === INCLUDE_ACCOUNT)).toHaveLength(6);

    // The first one left out now: it stays linked, nothing is deleted in Corfix.
    const [leftOut, kept] = [projects[0]!, projects[1]!];
    const leftOutCorfix = inCorfix(leftOut.id)!;
    const keptCorfix = inCorfix(kept.id)!;
    expect((await patch(INCLUDE_ACCOUNT, { project_selection: { mode: 'include', project_ids: ids(projects.slice(1, 6)) } })).statusCode).toBe(200);
    expect(h.corfix.state.projects.get(leftOutCorfix.id)).toBeDefined();

    // Its form: reported not_selected, nothing sent to Procore for it. A form of a project still included is filed.
    const formOf = (corfixProjectId: string, template: string) =>
      h.corfix.state.createForm(INCLUDE_ACCOUNT, { project_id: corfixProjectId, template_name: template, form_date: '2026-05-04', status: 'completed' });
    const leftOutForm = formOf(leftOutCorfix.id, 'Daily Hazard');
    const keptForm = formOf(keptCorfix.id, 'Toolbox Talk');
    expect(await formRow(integrationId, leftOutForm.id, 'not_selected')).toEqual({ procore_id: null, corfix_id: leftOutForm.id, outcome: 'skipped', reason: 'not_selected' });
    expect(await formRow(integrationId, keptForm.id, 'uploaded')).toMatchObject({ outcome: 'created', reason: 'uploaded' });
    const handle = h.temporal.client.workflow.getHandle(formUploadWorkflowId(integrationId, leftOutForm.id));
    await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000);
    const sentTo = (projectId: number) => [...h.procore.state.uploads.values()].filter((u) => u.project_id === projectId);
    expect(sentTo(leftOut.id)).toEqual([]);
    expect([...h.procore.state.files.values()].filter((f) => f.project_id === leftOut.id)).toEqual([]);
    expect(sentTo(kept.id).length).toBeGreaterThan(0);
    const shown = await h.api.inject({ method: 'GET', url: `/v1/integrations/${INCLUDE_ACCOUNT}/forms/${leftOutForm.id}`, headers: auth });
    expect(shown.json()).toMatchObject({ state: 'skipped', uploaded_revision: null, procore: { file_id: null } });

    // A Procore change of the project left out is not written to Corfix: reported not_selected, the link left as it was.
    const nameBefore = leftOut.name;
    h.procore.state.updateProject(leftOut.id, { name: 'Renamed while left out' });
    const heldBack = await eventually(async () => projectRow(integrationId, leftOut.id, 'not_selected'), 60_000);
    expect(heldBack).toMatchObject({ outcome: 'skipped', corfix_id: leftOutCorfix.id });
    expect(h.corfix.state.projects.get(leftOutCorfix.id)?.name).toBe(nameBefore);

    // Included again: the next (full) cycle writes the change it held back; the form is filed on its retry.
    expect((await patch(INCLUDE_ACCOUNT, { project_selection: { mode: 'include', project_ids: ids(projects.slice(0, 6)) } })).statusCode).toBe(200);
    await eventually(async () => (h.corfix.state.projects.get(leftOutCorfix.id)?.name === 'Renamed while left out' ? true : undefined), 60_000);
    expect(await eventually(async () => projectRow(integrationId, leftOut.id, 'fields_changed'), 60_000)).toMatchObject({
      outcome: 'updated',
      reason: 'fields_changed',
      corfix_id: leftOutCorfix.id,
    });
    const retried = await h.api.inject({ method: 'POST', url: `/v1/integrations/${INCLUDE_ACCOUNT}/forms/${leftOutForm.id}/retry`, headers: auth });
    expect(retried.statusCode).toBe(202);
    await eventually(async () => (sentTo(leftOut.id).length > 0 ? true : undefined), 60_000);
    expect(await formRow(integrationId, leftOutForm.id, 'uploaded')).toMatchObject({ outcome: 'created', reason: 'uploaded' });
  }, 240_000);
});

describe('new Procore projects follow the choice', () => {
  test('exclude: the listed ones are not created; a new project appears and is created with "all" and with exclude (not listed), not with include', async () => {
    const excluded = companyWithProjects('Exclude Co', 4);
    const leftOut = excluded.projects.slice(0, 2);
    const excludeId = await connect({
      corfix_account_id: EXCLUDE_ACCOUNT,
      procore_company_id: excluded.companyId,
      project_selection: { mode: 'exclude', project_ids: ids(leftOut) },
    });
    let inCorfix = corfixProjectsOf(EXCLUDE_ACCOUNT, excluded.companyId);
    for (const p of leftOut) {
      expect(inCorfix(p.id)).toBeUndefined();
      expect(await projectRow(excludeId, p.id)).toMatchObject({ outcome: 'skipped', reason: 'not_selected' });
    }
    for (const p of excluded.projects.slice(2)) expect(inCorfix(p.id)).toBeDefined();

    const all = companyWithProjects('All Co', 2);
    const allId = await connect({ corfix_account_id: ALL_ACCOUNT, procore_company_id: all.companyId });
    expect((await h.status(ALL_ACCOUNT))['settings']).toMatchObject({ project_selection: { mode: 'all' } });

    // The include-list company is the one of the first test: projects 1 to 6 listed.
    const included = await h.status(INCLUDE_ACCOUNT);
    const includeId = included['integration_id'] as string;
    const includeCompany = Number(included['procore_company_id']);

    const [newInExclude] = h.procore.state.addProjects(Number(excluded.companyId), [{ name: 'New in Exclude Co', active: true }]);
    const [newInAll] = h.procore.state.addProjects(Number(all.companyId), [{ name: 'New in All Co', active: true }]);
    const [newInInclude] = h.procore.state.addProjects(includeCompany, [{ name: 'New in Include Co', active: true }]);

    await eventually(async () => corfixProjectsOf(EXCLUDE_ACCOUNT, excluded.companyId)(newInExclude!.id), 60_000);
    await eventually(async () => corfixProjectsOf(ALL_ACCOUNT, all.companyId)(newInAll!.id), 60_000);
    // The report row follows the create (its link first): waited for, not read at once.
    expect(await eventually(async () => projectRow(excludeId, newInExclude!.id, 'created'), 60_000)).toMatchObject({ outcome: 'created' });
    expect(await eventually(async () => projectRow(allId, newInAll!.id, 'created'), 60_000)).toMatchObject({ outcome: 'created' });
    // Decided by a cycle, and left out.
    await eventually(async () => projectRow(includeId, newInInclude!.id, 'not_selected'), 60_000);
    expect(corfixProjectsOf(INCLUDE_ACCOUNT, String(includeCompany))(newInInclude!.id)).toBeUndefined();

    // The excluded ones are still not in Corfix after the cycles since.
    inCorfix = corfixProjectsOf(EXCLUDE_ACCOUNT, excluded.companyId);
    for (const p of leftOut) expect(inCorfix(p.id)).toBeUndefined();
  }, 180_000);
});

describe('through the Procore sign-in', () => {
  test('the selection travels in the signed state to the integration; a list too long for the state is refused naming the field', async () => {
    const { companyId, projects } = companyWithProjects('Signin Co', 3);
    const [user] = h.procore.state.addUsers(Number(companyId), [{ first_name: 'Sam', last_name: 'Signer', email_address: 'sam@signin.example', is_active: true }]);

    const tooMany = Array.from({ length: 300 }, (_, i) => String(562949953421312 + i));
    const refused = await h.authorize({ corfix_account_id: SIGNIN_ACCOUNT, procore_company_id: companyId, project_selection: { mode: 'exclude', project_ids: tooMany } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json).toMatchObject({ error: { code: 'invalid_request', fields: [{ field: 'project_selection.project_ids' }] } });
    expect((refused.json['error'] as { message: string }).message).toMatch(/^invalid request: project_selection\.project_ids: .*PATCH/);
    expect(await h.t.db('connect_state_nonces').select()).toEqual([]);

    const authorization = await h.authorize({
      corfix_account_id: SIGNIN_ACCOUNT,
      procore_company_id: companyId,
      project_selection: { mode: 'exclude', project_ids: [String(projects[0]!.id)] },
    });
    expect(authorization.statusCode).toBe(201);
    h.procore.signins.signInAs(user!.id);
    const back = await h.callback(await h.procoreRedirect(authorization.json['authorize_url'] as string));
    expect(back.location.searchParams.get('result')).toBe('connected');
    const integrationId = back.location.searchParams.get('integration_id') as string;
    await h.connectResult(integrationId);
    expect((await h.status(SIGNIN_ACCOUNT))['settings']).toMatchObject({ project_selection: { mode: 'exclude', project_ids: [String(projects[0]!.id)] } });
    const inCorfix = corfixProjectsOf(SIGNIN_ACCOUNT, companyId);
    expect(inCorfix(projects[0]!.id)).toBeUndefined();
    for (const p of projects.slice(1)) expect(inCorfix(p.id)).toBeDefined();
  }, 120_000);
});

test('a preview honours the selection: it lists the projects left out as not_selected, as the connect then records them', async () => {
  const { companyId, projects } = companyWithProjects('Preview Co', 4);
  const chosen = ids(projects.slice(0, 2));
  const saved = await createPreview(h.t.db, {
    corfixAccountId: PREVIEW_ACCOUNT,
    procoreCompanyId: companyId,
    ...TOGGLES_OFF,
    projectSelection: { mode: 'include', projectIds: chosen },
  });
  await startPreview(h.temporal.client, h.taskQueue, saved);
  await h.temporal.client.workflow.getHandle(previewWorkflowId(saved.id)).result();
  const { outcomes } = await listPreviewOutcomes(h.t.db, saved.id, { entity: 'project' }, { page: 1, perPage: 100 });
  const previewed = Object.fromEntries(outcomes.map((o) => [o.procoreId, o.reason]));
  expect(previewed).toEqual(Object.fromEntries(ids(projects).map((id) => [id, chosen.includes(id) ? 'created' : 'not_selected'])));
  expect([...h.corfix.state.projects.values()].filter((p) => p.account_id === PREVIEW_ACCOUNT)).toEqual([]);

  const integrationId = await connect({
    corfix_account_id: PREVIEW_ACCOUNT,
    procore_company_id: companyId,
    project_selection: { mode: 'include', project_ids: chosen },
  });
  const recorded = Object.fromEntries((await outcomesOf(integrationId, 'project')).map((r) => [r.procore_id, r.reason]));
  expect(recorded).toEqual(previewed);
}, 120_000);

