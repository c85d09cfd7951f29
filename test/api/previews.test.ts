// The previews of a connect through the API, on the real API, Postgres and
// Temporal, against the simulators: POST /v1/integrations/preview refuses
// what a connect would refuse (400 naming the field, 409, 422), answers 503
// and leaves no row when Temporal is away, needs no Procore sign-in, and
// otherwise saves the preview and starts its workflow (202). The reads (GET
// a preview, its lines, an account's previews) are checked against rows
// written through the repository, as the preview's activities write them,
// and last against the real worker: POST, then GET until it has ended.
import { randomUUID } from 'node:crypto';
import { createIntegration, updateIntegration } from '../../src/db/repositories/integrations.js';
import { completePreview, createPreview, recordPreviewOutcomes, recordPreviewProgress, type Preview } from '../../src/db/repositories/previews.js';
import { previewWorkflowId } from '../../src/temporal/workflow-ids.js';
import { expectRefused } from '../support/api-answers.js';
import { captureLogs } from '../support/captured-logs.js';
import { TOGGLES_OFF } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { API_TOKEN, CORFIX_TOKEN, harnessApi, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const logs = captureLogs('info');
let h: SyncHarness;
let installed: string;
let alsoInstalled: string;
let notInstalled: string;
const auth = { authorization: `Bearer ${API_TOKEN}` };
/** Workflows the tests started (no worker runs them here): terminated at the end. */
const started: string[] = [];

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'previews-api',
    corfixAccounts: ['acc_prev_a', 'acc_prev_b', 'acc_prev_c', 'acc_prev_d', 'acc_prev_signin', 'acc_prev_failed_before'],
    logger: logs.logger,
  });
  const p = h.procore.state;
  installed = String(p.addCompany({ name: 'Previewed' }).id);
  alsoInstalled = String(p.addCompany({ name: 'Also previewed' }).id);
  notInstalled = String(p.addCompany({ name: 'Not installed', app_installed: false }).id);
});
afterAll(async () => {
  for (const id of started) await h?.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await h?.stop();
});

const preview = (body: unknown, api = h.api) => api.inject({ method: 'POST', url: '/v1/integrations/preview', headers: auth, payload: body as Record<string, unknown> });
const get = (url: string) => h.api.inject({ method: 'GET', url, headers: auth });
const previewRows = (account: string) => h.t.db('integration_previews').where({ corfix_account_id: account });
const previewCount = async () => Number((await h.t.db('integration_previews').count<{ n: string }[]>({ n: '*' }))[0]?.n);

describe('POST /v1/integrations/preview refuses what a connect refuses', () => {
  test.each([
    [{ corfix_account_id: 'acc_prev_a', procore_company_id: 'twelve' }, 'procore_company_id'],
    [{ corfix_account_id: 'acc_prev_a', procore_company_id: '9223372036854775808' }, 'procore_company_id'],
    [{ procore_company_id: '42' }, 'corfix_account_id'],
    [{ corfix_account_id: '../v1/accounts', procore_company_id: '42' }, 'corfix_account_id'],
    [{ corfix_account_id: 'acc_prev_a', procore_company_id: '42', adopt_existing: 'yes' }, 'adopt_existing'],
    [{ corfix_account_id: 'acc_prev_a', procore_company_id: '42', sync_everything: true }, 'sync_everything'],
  ])('%j: 400 naming %s, nothing saved', async (body, field) => {
    const before = await previewCount();
    expectRefused(await preview(body), field);
    expect(await previewCount()).toBe(before);
  });

  test('an account or a company already connected: 409, as a connect, nothing saved', async () => {
    const live = await createIntegration(h.t.db, { corfixAccountId: 'acc_prev_b', procoreCompanyId: alsoInstalled, ...TOGGLES_OFF });
    await updateIntegration(h.t.db, live.id, { status: 'active', initialSyncState: 'completed' });
    const sameAccount = await preview({ corfix_account_id: 'acc_prev_b', procore_company_id: installed });
    expect(sameAccount.statusCode).toBe(409);
    expect(sameAccount.json().error).toEqual({ code: 'already_connected', message: expect.stringContaining('Corfix account is already connected') });
    const sameCompany = await preview({ corfix_account_id: 'acc_prev_c', procore_company_id: alsoInstalled });
    expect(sameCompany.statusCode).toBe(409);
    expect(sameCompany.json().error.message).toContain('Procore company is already connected');
    expect(await h.t.db('integration_previews').whereIn('corfix_account_id', ['acc_prev_b', 'acc_prev_c'])).toHaveLength(0);
  });

  test('the preflight: an app not installed, a Corfix account the service cannot use: 422, nothing saved', async () => {
    const app = await preview({ corfix_account_id: 'acc_prev_c', procore_company_id: notInstalled });
    expect(app.statusCode).toBe(422);
    expect(app.json().error).toEqual({ code: 'procore_app_not_installed', message: `the Corfix app is not installed in Procore company ${notInstalled}` });
    const account = await preview({ corfix_account_id: 'acc_nobody_knows', procore_company_id: installed });
    expect(account.statusCode).toBe(422);
    expect(account.json().error.code).toBe('corfix_account_unusable');
    expect(await h.t.db('integration_previews').whereIn('corfix_account_id', ['acc_prev_c', 'acc_nobody_knows'])).toHaveLength(0);
  });

  test('Temporal away: 503, and no preview is left behind; the same request then works', async () => {
    const down = await harnessApi(h, { temporalAway: true });
    let response;
    try {
      response = await preview({ corfix_account_id: 'acc_prev_c', procore_company_id: installed }, down.api);
    } finally {
      await down.close();
    }
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toEqual({ code: 'temporal_unavailable', message: expect.stringContaining('nothing was saved, send the same request again') });
    expect(await previewRows('acc_prev_c')).toHaveLength(0);

    const again = await preview({ corfix_account_id: 'acc_prev_c', procore_company_id: installed });
    expect(again.statusCode).toBe(202);
    started.push(again.json().workflow_id);
    expect(await previewRows('acc_prev_c')).toHaveLength(1);
  }, 60_000);
});

describe('POST /v1/integrations/preview starts one', () => {
  test('202 with its id, workflow and status URL; the preview saved with the settings asked, its workflow started, one log line with ids only', async () => {
    const response = await preview({ corfix_account_id: 'acc_prev_a', procore_company_id: installed, sync_forms: true, adopt_existing: true });
    expect(response.statusCode).toBe(202);
    const body = response.json();
    started.push(body.workflow_id);
    expect(body).toEqual({
      preview_id: expect.any(String),
      workflow_id: previewWorkflowId(body.preview_id),
      state: 'running',
      status_url: `/v1/previews/${body.preview_id}`,
    });
    const description = await h.temporal.client.workflow.getHandle(body.workflow_id).describe();
    expect(description.type).toBe('PreviewIntegration');
    // Nothing of an integration: no row, no audit (a preview is not an integration).
    expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_prev_a' })).toHaveLength(0);
    expect(await h.t.db('audit_log')).toHaveLength(0);

    const status = await get(body.status_url);
    expect(status.statusCode).toBe(200);
    expect(status.json()).toMatchObject({
      preview_id: body.preview_id,
      corfix_account_id: 'acc_prev_a',
      procore_company_id: installed,
      settings: { sync_employees_only: false, auto_activate_workers: false, sync_forms: true, adopt_existing: true },
      state: 'running',
      workflow_id: body.workflow_id,
      outcomes_url: `/v1/previews/${body.preview_id}/outcomes`,
      with_adopt_existing_toggled: { adopt_existing: false },
    });

    const lines = logs.lines.filter((line) => line.includes('preview of a connect started') && line.includes(body.preview_id)).map((line) => JSON.parse(line));
    expect(lines).toEqual([expect.objectContaining({ previewId: body.preview_id, corfixAccountId: 'acc_prev_a', procoreCompanyId: installed })]);
    expect(JSON.stringify(lines)).not.toContain(CORFIX_TOKEN);
    expect(JSON.stringify(lines)).not.toContain('Previewed');
  });

  test('needs no Procore sign-in: refused for a connect, a preview is started', async () => {
    const signin = await harnessApi(h, { requireProcoreSignin: true });
    try {
      const body = { corfix_account_id: 'acc_prev_signin', procore_company_id: installed };
      const connect = await signin.api.inject({ method: 'POST', url: '/v1/integrations', headers: auth, payload: body });
      expect(connect.statusCode).toBe(403);
      const response = await preview(body, signin.api);
      expect(response.statusCode).toBe(202);
      started.push(response.json().workflow_id);
    } finally {
      await signin.close();
    }
  });

  test('an account whose first sync failed may be previewed (it may connect again)', async () => {
    const company = String(h.procore.state.addCompany({ name: 'Failed before' }).id);
    const failed = await createIntegration(h.t.db, { corfixAccountId: 'acc_prev_failed_before', procoreCompanyId: company, ...TOGGLES_OFF });
    await updateIntegration(h.t.db, failed.id, { status: 'error', initialSyncState: 'failed' });
    const response = await preview({ corfix_account_id: 'acc_prev_failed_before', procore_company_id: company });
    expect(response.statusCode).toBe(202);
    started.push(response.json().workflow_id);
  });
});

/** A completed preview of `account` (adopt_existing off), written as its activities write it. */
async function reportedPreview(account: string): Promise<Preview> {
  const p = await createPreview(h.t.db, { corfixAccountId: account, procoreCompanyId: '4400000901', syncEmployeesOnly: true, autoActivateWorkers: false, syncForms: false, adoptExisting: false });
  await recordPreviewProgress(h.t.db, p.id, { phase: 'projects', projects: { pagesDone: 1, entitiesDone: 3 } });
  await recordPreviewProgress(h.t.db, p.id, { phase: 'done', users: { pagesDone: 2, entitiesDone: 3 }, unreadableWithoutId: 1 });
  await recordPreviewOutcomes(h.t.db, p.id, [
    { entity: 'project', procoreId: '101', outcome: 'created', reason: 'created', field: null, corfixIds: [], other: null },
    { entity: 'project', procoreId: '102', outcome: 'skipped', reason: 'number_exists', field: null, corfixIds: ['prj_a'], other: { outcome: 'adopted', reason: 'adopted' } },
    { entity: 'project', procoreId: '1030', outcome: 'skipped', reason: 'number_exists', field: null, corfixIds: ['prj_b', 'prj_c'], other: { outcome: 'skipped', reason: 'ambiguous_match' } },
    { entity: 'user', procoreId: '201', outcome: 'skipped', reason: 'email_exists', field: null, corfixIds: ['wkr_1'], other: { outcome: 'adopted', reason: 'adopted' } },
    { entity: 'user', procoreId: '202', outcome: 'created', reason: 'created', field: null, corfixIds: [], other: null },
    { entity: 'user', procoreId: '203', outcome: 'skipped', reason: 'invalid_record', field: 'email_address', corfixIds: [], other: null },
  ]);
  await completePreview(h.t.db, p.id);
  return p;
}

describe('GET a preview and its lines', () => {
  let p: Preview;
  beforeAll(async () => {
    p = await reportedPreview('acc_prev_report');
  });
  const outcomes = (query: string) => get(`/v1/previews/${p.id}/outcomes${query}`);

  test('the state, settings, progress, counts by reason, and what adopt_existing the other way would change', async () => {
    const response = await get(`/v1/previews/${p.id}`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      preview_id: p.id,
      corfix_account_id: 'acc_prev_report',
      procore_company_id: '4400000901',
      settings: { sync_employees_only: true, auto_activate_workers: false, sync_forms: false, adopt_existing: false, project_selection: { mode: 'all' } },
      state: 'completed',
      error: null,
      progress: { phase: 'done', projects: { pages_done: 1, entities_done: 3 }, users: { pages_done: 2, entities_done: 3 }, unreadable_records: 1, problem: null },
      counts: { project: { created: 1, number_exists: 2 }, user: { created: 1, email_exists: 1, invalid_record: 1 } },
      with_adopt_existing_toggled: {
        adopt_existing: true,
        counts: { project: { created: 1, adopted: 1, ambiguous_match: 1 }, user: { created: 1, adopted: 1, invalid_record: 1 } },
        changed: { project: 2, user: 1 },
      },
      created_at: p.createdAt.toISOString(),
      completed_at: expect.any(String),
      workflow_id: previewWorkflowId(p.id),
      outcomes_url: `/v1/previews/${p.id}/outcomes`,
    });
    expect(Date.parse(body.completed_at)).toBeGreaterThanOrEqual(p.createdAt.getTime());
  });

  test('its lines, in Procore id order, with the Corfix records and the decision the other way', async () => {
    const response = await outcomes('');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ page: 1, per_page: 100, total: 6 });
    expect(body.data.map((o: { entity: string; procore_id: string }) => `${o.entity} ${o.procore_id}`)).toEqual([
      'project 101',
      'project 102',
      'project 1030',
      'user 201',
      'user 202',
      'user 203',
    ]);
    expect(body.data[2]).toEqual({
      entity: 'project',
      procore_id: '1030',
      outcome: 'skipped',
      reason: 'number_exists',
      field: null,
      corfix_ids: ['prj_b', 'prj_c'],
      other: { adopt_existing: true, outcome: 'skipped', reason: 'ambiguous_match' },
    });
    expect(body.data[5]).toEqual({ entity: 'user', procore_id: '203', outcome: 'skipped', reason: 'invalid_record', field: 'email_address', corfix_ids: [], other: null });
  });

  test.each([
    ['?entity=user', ['user 201', 'user 202', 'user 203']],
    ['?reason=number_exists', ['project 102', 'project 1030']],
    ['?outcome=created', ['project 101', 'user 202']],
    ['?changed_by_adopt=true', ['project 102', 'project 1030', 'user 201']],
    ['?changed_by_adopt=false&entity=user', ['user 202', 'user 203']],
    ['?per_page=2&page=2', ['project 1030', 'user 201']],
    ['?per_page=2&page=4', []],
  ])('filtered and paged: %s', async (query, expected) => {
    const response = await outcomes(query);
    expect(response.statusCode).toBe(200);
    expect(response.json().data.map((o: { entity: string; procore_id: string }) => `${o.entity} ${o.procore_id}`)).toEqual(expected);
  });

  test('the total counts every line the filter keeps, not the page', async () => {
    expect((await outcomes('?per_page=2&page=2')).json()).toMatchObject({ page: 2, per_page: 2, total: 6 });
    expect((await outcomes('?changed_by_adopt=true&per_page=1')).json()).toMatchObject({ total: 3 });
  });

  test.each([
    ['?entity=form', 'entity'],
    ['?reason=made_up', 'reason'],
    ['?outcome=adopted_twice', 'outcome'],
    ['?changed_by_adopt=yes', 'changed_by_adopt'],
    ['?per_page=501', 'per_page'],
    ['?page=0', 'page'],
    ['?sort=reason', 'sort'],
  ])('%s is a 400 naming %s', async (query, field) => {
    expectRefused(await outcomes(query), field);
  });
});

describe('GET previews: unknown, malformed ids', () => {
  test('an unknown preview is 404, its lines too', async () => {
    const id = randomUUID();
    for (const url of [`/v1/previews/${id}`, `/v1/previews/${id}/outcomes`]) {
      const response = await get(url);
      expect(response.statusCode).toBe(404);
      expect(response.json().error).toEqual({ code: 'preview_not_found', message: expect.stringContaining(id) });
    }
  });

  test.each(['not-a-uuid', '1234', `${randomUUID()}x`])('%s is a 400 naming preview_id', async (id) => {
    expectRefused(await get(`/v1/previews/${id}`), 'preview_id');
    expectRefused(await get(`/v1/previews/${id}/outcomes`), 'preview_id');
  });
});

describe("GET /v1/integrations/{account}/previews", () => {
  test('an account never connected: its previews newest first, at most 20, with their counts', async () => {
    const made: Preview[] = [];
    for (let i = 0; i < 21; i += 1) {
      made.push(await createPreview(h.t.db, { corfixAccountId: 'acc_prev_many', procoreCompanyId: String(4_400_000_950 + i), ...TOGGLES_OFF }));
    }
    const reported = await reportedPreview('acc_prev_many');
    const response = await get('/v1/integrations/acc_prev_many/previews');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.corfix_account_id).toBe('acc_prev_many');
    expect(body.data).toHaveLength(20);
    expect(body.data.map((p: { preview_id: string }) => p.preview_id)).toEqual([reported.id, ...made.slice(-19).reverse().map((p) => p.id)]);
    expect(body.data[0]).toMatchObject({ state: 'completed', counts: { project: { created: 1, number_exists: 2 } }, with_adopt_existing_toggled: { changed: { project: 2, user: 1 } } });
    expect(body.data[1]).toMatchObject({ state: 'running', counts: { project: {}, user: {} }, with_adopt_existing_toggled: { changed: { project: 0, user: 0 } } });
    // Without their lines.
    expect(JSON.stringify(body)).not.toContain('prj_a');
  });

  test('an account without previews: none; a bad account id is a 400 naming it', async () => {
    const none = await get('/v1/integrations/acc_prev_none/previews');
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({ corfix_account_id: 'acc_prev_none', data: [] });
    expectRefused(await get('/v1/integrations/-acc/previews'), 'corfix_account_id');
  });

  test('an account named like a route word ("previews", "preview") has its previews and its outcomes, as any account', async () => {
    for (const account of ['previews', 'preview']) {
      const listed = await get(`/v1/integrations/${account}/previews`);
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ corfix_account_id: account, data: [] });
      const outcomes = await get(`/v1/integrations/${account}/outcomes`);
      expect(outcomes.statusCode).toBe(404);
      expect(outcomes.json().error).toMatchObject({ code: 'not_found', message: expect.stringContaining(account) });
    }
  });
});

describe('against the real worker', () => {
  test('POST, then GET until it ends: the counts of what Procore and Corfix hold, the lines naming the Corfix records, nothing written to Corfix', async () => {
    const company = h.procore.state.addCompany({ name: 'Worked' });
    h.procore.state.addProjects(company.id, [
      { name: 'Fresh tower', project_number: 'N-1' },
      { name: 'Held tower', project_number: 'N-2' },
    ]);
    const user = { mobile_phone: null, business_phone: null, employee_id: null, is_employee: true, is_active: true, job_title: null };
    h.procore.state.addUsers(company.id, [
      { ...user, first_name: 'Fresh', last_name: 'Worker', email_address: 'fresh@worked.example' },
      { ...user, first_name: 'Held', last_name: 'Worker', email_address: 'held@worked.example' },
    ]);
    const heldProject = h.corfix.state.createProject('acc_prev_d', { name: 'Held in Corfix', project_number: 'N-2', status: 'active' });
    const heldWorker = h.corfix.state.createWorker('acc_prev_d', { first_name: 'Held', last_name: 'Worker', email: 'held@worked.example' }, false);
    const corfixBefore = JSON.stringify(h.corfix.state.snapshot());
    await h.startWorker();

    const response = await preview({ corfix_account_id: 'acc_prev_d', procore_company_id: String(company.id) });
    expect(response.statusCode).toBe(202);
    const { status_url: statusUrl, preview_id: id } = response.json();
    const ended = await eventually(async () => {
      const body = (await get(statusUrl)).json();
      return body.state === 'running' ? undefined : body;
    }, 90_000);
    expect(ended).toMatchObject({
      preview_id: id,
      state: 'completed',
      error: null,
      progress: { phase: 'done', projects: { entities_done: 2 }, users: { entities_done: 3 }, problem: null },
      counts: { project: { created: 1, number_exists: 1 }, user: { created: 1, email_exists: 1, service_account: 1 } },
      with_adopt_existing_toggled: {
        adopt_existing: true,
        counts: { project: { created: 1, adopted: 1 }, user: { created: 1, adopted: 1, service_account: 1 } },
        changed: { project: 1, user: 1 },
      },
    });
    const collisions = (await get(`${ended.outcomes_url}?changed_by_adopt=true`)).json();
    expect(collisions.data).toEqual([
      { entity: 'project', procore_id: expect.any(String), outcome: 'skipped', reason: 'number_exists', field: null, corfix_ids: [heldProject.id], other: { adopt_existing: true, outcome: 'adopted', reason: 'adopted' } },
      { entity: 'user', procore_id: expect.any(String), outcome: 'skipped', reason: 'email_exists', field: null, corfix_ids: [heldWorker.id], other: { adopt_existing: true, outcome: 'adopted', reason: 'adopted' } },
    ]);
    expect(JSON.stringify(h.corfix.state.snapshot())).toBe(corfixBefore);
    expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_prev_d' })).toHaveLength(0);
  }, 180_000);
});
