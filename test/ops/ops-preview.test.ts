// `npm run ops -- preview` and `preview-show`, in-process, against the
// simulators, a real Postgres and the run's Temporal server (no worker runs
// the previews here: --wait is shown the end by writing it through the
// repository, as the preview's activities write it). preview goes through
// the API's own use case: checked as the connect body (exit 2 naming the
// argument), refused as the API refuses (exit 1), otherwise saved, its
// workflow started and its id printed.
import { parseOpsArguments } from '../../src/ops/arguments.js';
import { ConfigError } from '../../src/config.js';
import { createIntegration, updateIntegration } from '../../src/db/repositories/integrations.js';
import { completePreview, createPreview, failPreview, recordPreviewOutcomes, recordPreviewProgress, type Preview } from '../../src/db/repositories/previews.js';
import { createLogger } from '../../src/logger.js';
import { EXIT, runOps, type OpsDependencies } from '../../src/ops/commands.js';
import { previewWorkflowId } from '../../src/temporal/workflow-ids.js';
import { webUiWorkflowUrl } from '../../src/temporal/web-ui.js';
import { TOGGLES_OFF } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { runOpsCaptured } from '../support/ops.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const WEB_UI = 'http://temporal-ui.test:8233';
const PUBLIC_URL = 'https://integration.example.com';
const logger = createLogger('silent', 'test');

let h: SyncHarness;
let installed: string;
let notInstalled: string;
/** Workflows the previews started (no worker runs them): terminated after the tests. */
const started = new Set<string>();

beforeAll(async () => {
  h = await startSyncHarness({ name: 'ops-preview', corfixAccounts: ['acc_ops_prev_a', 'acc_ops_prev_b', 'acc_ops_prev_wait', 'acc_ops_prev_fail', 'acc_ops_prev_json'] });
  installed = String(h.procore.state.addCompany({ name: 'Ops previewed' }).id);
  notInstalled = String(h.procore.state.addCompany({ name: 'Ops not installed', app_installed: false }).id);
});
afterAll(async () => {
  for (const id of started) await h?.temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await h?.stop();
});

const deps = (overrides: Partial<OpsDependencies> = {}): OpsDependencies => ({
  db: h.t.db,
  temporal: async () => ({ client: h.temporal.client, taskQueue: h.taskQueue }),
  clients: async () => h.clients,
  logger,
  webUi: { url: WEB_UI, namespace: 'default' },
  publicUrl: PUBLIC_URL,
  previewPollMs: 20,
  ...overrides,
});

/** Runs `npm run ops -- ...argv` in-process: its exit code and what it printed. */
const ops = (argv: string[], overrides: Partial<OpsDependencies> = {}) => runOpsCaptured(argv, deps(overrides));

const previewsOf = (account: string) => h.t.db('integration_previews').where({ corfix_account_id: account });
/** The account's only preview, once the command has saved it. */
const savedPreview = (account: string) => eventually(async () => ((await previewsOf(account)) as Array<{ id: string }>)[0]?.id);

describe('preview', () => {
  test('starts one with the toggles asked (the others off), prints its id, workflow and page; nothing else is written', async () => {
    const { code, out, err } = await ops(['preview', 'acc_ops_prev_a', installed, '--adopt-existing', '--sync-forms']);
    expect({ code, err }).toEqual({ code: EXIT.done, err: '' });
    const [row] = await previewsOf('acc_ops_prev_a');
    started.add(previewWorkflowId(row.id));
    expect(row.settings).toEqual({
      corfixAccountId: 'acc_ops_prev_a',
      procoreCompanyId: installed,
      syncEmployeesOnly: false,
      autoActivateWorkers: false,
      syncForms: true,
      adoptExisting: true,
      projectSelection: { mode: 'all' },
    });
    expect(out).toBe(
      [
        `preview: started preview ${row.id} of connecting Procore company ${installed} to Corfix account acc_ops_prev_a (workflow preview/${row.id}); it writes nothing`,
        `  follow it: npm run ops -- preview-show ${row.id}`,
        `  status page: ${PUBLIC_URL}/status/previews/${row.id}`,
      ].join('\n'),
    );
    expect((await h.temporal.client.workflow.getHandle(previewWorkflowId(row.id)).describe()).type).toBe('PreviewIntegration');
    expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_ops_prev_a' })).toHaveLength(0);
    expect(await h.t.db('audit_log')).toHaveLength(0);
  });

  test('--json: the id and the workflow for scripts', async () => {
    const { code, out } = await ops(['preview', 'acc_ops_prev_json', installed, '--sync-employees-only', '--auto-activate-workers', '--json']);
    expect(code).toBe(EXIT.done);
    const [row] = await previewsOf('acc_ops_prev_json');
    started.add(previewWorkflowId(row.id));
    expect(JSON.parse(out)).toEqual({ ok: true, action: 'preview', preview_id: row.id, workflow_id: previewWorkflowId(row.id), state: 'running' });
    expect(row.settings).toMatchObject({ syncEmployeesOnly: true, autoActivateWorkers: true, syncForms: false, adoptExisting: false });
  });

  test('refused as the API refuses (exit 1, saying why): an account connected, an app not installed; nothing saved', async () => {
    const live = await createIntegration(h.t.db, { corfixAccountId: 'acc_ops_prev_b', procoreCompanyId: '4400000990', ...TOGGLES_OFF });
    await updateIntegration(h.t.db, live.id, { status: 'active', initialSyncState: 'completed' });
    const connected = await ops(['preview', 'acc_ops_prev_b', installed]);
    expect(connected.code).toBe(EXIT.refused);
    expect(connected.err).toMatch(/^refused: .*Corfix account is already connected/);
    const notThere = await ops(['preview', 'acc_ops_prev_fail', notInstalled, '--json']);
    expect(notThere.code).toBe(EXIT.refused);
    expect(JSON.parse(notThere.out)).toEqual({ ok: false, error: { code: 'procore_app_not_installed', message: `the Corfix app is not installed in Procore company ${notInstalled}` } });
    expect(await h.t.db('integration_previews').whereIn('corfix_account_id', ['acc_ops_prev_b', 'acc_ops_prev_fail'])).toHaveLength(0);
  });

  test('without the API client settings: a configuration error (exit 2), nothing saved', async () => {
    const missing = await ops(['preview', 'acc_ops_prev_fail', installed], {
      clients: async () => {
        throw new ConfigError(['CORFIX_API_TOKEN is required but not set']);
      },
    });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain('preview cannot run: Invalid configuration:\n  - CORFIX_API_TOKEN is required but not set');
    expect(await previewsOf('acc_ops_prev_fail')).toHaveLength(0);
  });

  test('--wait: prints its progress on stderr while it runs, then its counts once completed (exit 0)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const running = runOps(['preview', 'acc_ops_prev_wait', installed, '--wait'], deps(), { out: (text) => out.push(text), err: (text) => err.push(text) });
    const id = await savedPreview('acc_ops_prev_wait');
    started.add(previewWorkflowId(id));
    await recordPreviewProgress(h.t.db, id, { phase: 'users', projects: { pagesDone: 1, entitiesDone: 2 } });
    await recordPreviewOutcomes(h.t.db, id, [
      { entity: 'project', procoreId: '11', outcome: 'created', reason: 'created', field: null, corfixIds: [], other: null },
      { entity: 'project', procoreId: '12', outcome: 'skipped', reason: 'number_exists', field: null, corfixIds: ['prj_12'], other: { outcome: 'adopted', reason: 'adopted' } },
    ]);
    // Still waiting: it tells how far the preview got, and what it waits out.
    const progress = `preview ${id} running, phase users: projects 2 decided in 1 pages, users 0 decided in 0 pages`;
    await eventually(async () => (err.includes(progress) ? true : undefined));
    await recordPreviewProgress(h.t.db, id, { problem: { message: 'Procore answered 429', nextTryAt: '2026-11-30T10:05:00.000Z' } });
    await eventually(async () => (err.includes(`${progress}; waiting to try again: Procore answered 429 (next try 2026-11-30 10:05:00 UTC)`) ? true : undefined));
    await recordPreviewProgress(h.t.db, id, { problem: null });
    expect(out).toEqual([]);
    await completePreview(h.t.db, id);
    expect(await running).toBe(EXIT.done);
    expect(err[0]).toBe(`preview ${id} started (workflow preview/${id}); waiting for it to complete`);
    const printed = out.join('\n');
    expect(printed).toContain(`Preview ${id} of connecting Procore company ${installed} to Corfix account acc_ops_prev_wait`);
    expect(printed).toMatch(/\n {2}state\s+completed\n/);
    expect(printed).toContain('Decisions by reason (Adopt existing off)\n  projects  ');
    for (const count of ['created 1', 'number_exists 1']) expect(printed).toMatch(new RegExp(`\\n {2}projects {2}.*${count}`));
    expect(printed).toContain('With Adopt existing on (1 project and 0 users decided otherwise)');
    expect(printed).toContain(`status page: ${PUBLIC_URL}/status/previews/${id}`);
  });

  test('--wait on a preview that fails: its sentence, exit 1', async () => {
    const running = ops(['preview', 'acc_ops_prev_fail', installed, '--wait', '--json']);
    const id = await savedPreview('acc_ops_prev_fail');
    started.add(previewWorkflowId(id));
    await failPreview(h.t.db, id, 'Procore refused the Directory listing (403)');
    const { code, out, err } = await running;
    expect(code).toBe(EXIT.refused);
    expect(JSON.parse(out)).toMatchObject({ ok: false, action: 'preview', preview: { preview_id: id, state: 'failed', error: 'Procore refused the Directory listing (403)' } });
    expect(err).toBe('failed: Procore refused the Directory listing (403)');
  });
});

describe('preview-show', () => {
  let p: Preview;
  beforeAll(async () => {
    p = await createPreview(h.t.db, { corfixAccountId: 'acc_ops_prev_shown', procoreCompanyId: '4400000991', ...TOGGLES_OFF, adoptExisting: true });
    await recordPreviewProgress(h.t.db, p.id, { phase: 'done', projects: { pagesDone: 1, entitiesDone: 1 }, users: { pagesDone: 1, entitiesDone: 2 }, unreadableWithoutId: 3 });
    await recordPreviewOutcomes(h.t.db, p.id, [
      { entity: 'project', procoreId: '21', outcome: 'skipped', reason: 'ambiguous_match', field: null, corfixIds: ['prj_a', 'prj_b'], other: { outcome: 'skipped', reason: 'number_exists' } },
      { entity: 'user', procoreId: '31', outcome: 'adopted', reason: 'adopted', field: null, corfixIds: ['wkr_31'], other: { outcome: 'skipped', reason: 'email_exists' } },
      { entity: 'user', procoreId: '32', outcome: 'skipped', reason: 'not_employee', field: null, corfixIds: [], other: null },
    ]);
    await completePreview(h.t.db, p.id);
  });

  test('state, progress, counts as asked and the other way, and links', async () => {
    const { code, out, err } = await ops(['preview-show', p.id]);
    expect({ code, err }).toEqual({ code: EXIT.done, err: '' });
    expect(out).toContain(`Preview ${p.id} of connecting Procore company 4400000991 to Corfix account acc_ops_prev_shown`);
    expect(out).toContain('settings   Sync Employees Only off · Auto-activate workers off · Sync Forms off · Adopt existing on');
    expect(out).toContain('Progress\n  phase done: projects 1 decided in 1 pages, users 2 decided in 1 pages\n  Procore records without a readable id: 3');
    expect(out).toContain('Decisions by reason (Adopt existing on)\n  projects  ambiguous_match 1\n');
    for (const count of ['adopted 1', 'not_employee 1']) expect(out).toMatch(new RegExp(`\\n {2}users {5}.*${count}`));
    expect(out).toContain('With Adopt existing off (1 project and 1 user decided otherwise)\n  projects  number_exists 1\n');
    expect(out).toContain(`lines: GET /v1/previews/${p.id}/outcomes`);
    expect(out).toContain(`Web UI: ${webUiWorkflowUrl(WEB_UI, 'default', previewWorkflowId(p.id))}`);
  });

  test('--json: the read model the API answers, with its links', async () => {
    const { code, out } = await ops(['preview-show', p.id, '--json']);
    expect(code).toBe(EXIT.done);
    expect(JSON.parse(out)).toMatchObject({
      preview_id: p.id,
      state: 'completed',
      counts: { project: { ambiguous_match: 1 } },
      with_adopt_existing_toggled: { adopt_existing: false, changed: { project: 1, user: 1 } },
      links: { web_ui: webUiWorkflowUrl(WEB_UI, 'default', previewWorkflowId(p.id)), status_page: `${PUBLIC_URL}/status/previews/${p.id}` },
    });
  });

  test('an unknown preview is refused (exit 1); without PUBLIC_URL the page is its path', async () => {
    const unknown = await ops(['preview-show', '0b0c7e1e-6f4e-4d8a-9c55-2b7f3f0d9a11']);
    expect(unknown).toEqual({ code: EXIT.refused, out: '', err: 'refused: there is no preview 0b0c7e1e-6f4e-4d8a-9c55-2b7f3f0d9a11' });
    const { out } = await ops(['preview-show', p.id], { publicUrl: undefined, webUi: undefined });
    expect(out).toContain(`status page: /status/previews/${p.id}`);
    expect(out).toContain('Web UI: none (TEMPORAL_WEB_UI_URL is not set)');
  });
});

describe('usage errors (exit 2), naming what is wrong', () => {
  test.each([
    [['preview', 'acc_ops_prev_a'], /^preview needs <corfix_account_id> <procore_company_id>: procore_company_id is missing/],
    [['preview', 'acc_ops_prev_a', 'twelve'], /^procore_company_id must be a string of digits \(a Procore company id\)/],
    [['preview', 'acc/1', '42'], /^corfix_account_id must be 1 to 255 letters/],
    [['preview', 'acc_ops_prev_a', '42', '--adopt'], /^unknown option --adopt for preview/],
    [['show', 'acc_ops_prev_a', '--wait'], /^unknown option --wait for show/],
    [['preview', 'acc_ops_prev_a', '42', '--include=101,x'], /^project_selection\.project_ids\.1 /],
    [['preview', 'acc_ops_prev_a', '42', '--include=101', '--exclude=102'], /^give one of --include=<ids> or --exclude=<ids>, once/],
    [['show', 'acc_ops_prev_a', '--include=101'], /^unknown option --include=101 for show/],
    [['preview-show', 'not-a-uuid'], /^preview_id must be a preview id \(a uuid\)/],
    [['preview-show'], /^preview-show needs <preview_id>: preview_id is missing/],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await ops(argv);
    expect({ code, out }).toEqual({ code: EXIT.usage, out: '' });
    expect(err).toMatch(message);
  });

  test('--include / --exclude give the preview the connect body\'s project selection', () => {
    const selected = (option: string) => {
      const command = parseOpsArguments(['preview', 'acc_ops_prev_a', '42', option]);
      return command.name === 'preview' ? command.request.projectSelection : undefined;
    };
    expect(selected('--include=101,102')).toEqual({ mode: 'include', projectIds: ['101', '102'] });
    expect(selected('--exclude=7')).toEqual({ mode: 'exclude', projectIds: ['7'] });
  });

  test('help lists both commands', async () => {
    const { out } = await ops(['help']);
    expect(out).toContain('\n  preview <corfix_account_id> <procore_company_id> [--adopt-existing]');
    expect(out).toContain('\n  preview-show <preview_id> ');
  });
});
