// The operator CLI's commands run in-process against a real Postgres and the
// run's Temporal server (a task queue no worker polls: the workflows a
// control starts or signals stay as it left them): list and show read what
// the status page reads; pause, resume, resync, disconnect and retry-form
// call the API's own use cases, audited with actor `ops`; a bad argument is
// refused naming it (exit 2), a refused action says why (exit 1).
import { temporal as proto } from '@temporalio/proto';
import { ConfigError } from '../../src/config.js';
import { listAudit } from '../../src/db/repositories/audit-log.js';
import { createIntegration, findIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { EXIT, type OpsDependencies } from '../../src/ops/commands.js';
import { formUploadWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { webUiIntegrationUrl, webUiWorkflowUrl } from '../../src/temporal/web-ui.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { runOpsCaptured } from '../support/ops.js';
import {
  ACTIVE_ACCOUNT,
  CONNECTED_BY_LOGIN,
  ERROR_ACCOUNT,
  ERROR_SENTENCE,
  FAILED_FORM,
  FAILED_FORM_ERROR,
  RETRYING_FORM,
  seedStatusIntegrations,
  type StatusFixtures,
} from '../support/status-fixtures.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal.js';

const WEB_UI = 'http://temporal-ui.test:8233';
const PUBLIC_URL = 'https://integration.example.com';
const taskQueue = uniqueTaskQueue('ops');
const logger = createLogger('silent', 'test');

let t: TestDatabase;
let temporal: TestTemporal;
let seeded: StatusFixtures;
/** Workflows the controls started (no worker runs them): terminated after the tests. */
const started = new Set<string>();

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  seeded = await seedStatusIntegrations(t.db, { active: '4400000301', error: '4400000302' });
});
afterAll(async () => {
  for (const id of started) await temporal?.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  await temporal?.close();
  await t?.drop();
});

const deps = (overrides: Partial<OpsDependencies> = {}): OpsDependencies => ({
  db: t.db,
  temporal: async () => ({ client: temporal.client, taskQueue }),
  clients: async () => createExternalApiClients(unreachableClientSettings, logger),
  logger,
  webUi: { url: WEB_UI, namespace: 'default' },
  publicUrl: PUBLIC_URL,
  ...overrides,
});

/** Runs `npm run ops -- ...argv` in-process: its exit code and what it printed. */
const ops = (argv: string[], overrides: Partial<OpsDependencies> = {}) => runOpsCaptured(argv, deps(overrides));

let seq = 0;
/** An integration of its own, after a completed initial sync, in `status`. */
async function integrationIn(status: Integration['status'], syncForms = false): Promise<Integration> {
  seq += 1;
  const created = await createIntegration(t.db, {
    corfixAccountId: `acc_ops_${seq}`,
    procoreCompanyId: String(4_400_000_310 + seq),
    syncEmployeesOnly: false,
    autoActivateWorkers: false,
    syncForms,
  });
  await updateIntegration(t.db, created.id, { status, initialSyncState: 'completed' });
  started.add(userSyncWorkflowId(created.id)).add(projectSyncWorkflowId(created.id));
  return created;
}

const audits = async (i: Integration) => (await listAudit(t.db, i.id)).map(({ actor, action, details }) => ({ actor, action, details }));
const statusOf = async (i: Integration) => (await findIntegration(t.db, i.id))?.status;

describe('list', () => {
  test('a table of every integration: account, company, status, sync state with since when, the last error', async () => {
    const { code, out, err } = await ops(['list']);
    expect({ code, err }).toEqual({ code: EXIT.done, err: '' });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^ACCOUNT\s+COMPANY\s+STATUS\s+SYNC STATE\s+LAST ERROR$/);
    expect(lines.find((l) => l.startsWith(ACTIVE_ACCOUNT))).toMatch(/^acc_status_active\s+4400000301\s+active\s+ok$/);
    const errorLine = lines.find((l) => l.startsWith(ERROR_ACCOUNT)) as string;
    expect(errorLine).toMatch(/^acc_status_error\s+4400000302\s+error\s+failed since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+Procore refused/);
    // The sentence is shortened to 80 characters in the table.
    expect(errorLine).toContain(`${ERROR_SENTENCE.slice(0, 79)}…`);
  });

  test("an account connected again shows once, as its current integration", async () => {
    const first = await createIntegration(t.db, { corfixAccountId: 'acc_ops_again', procoreCompanyId: '4400000398', ...TOGGLES_OFF });
    await updateIntegration(t.db, first.id, { status: 'disconnected' });
    const second = await createIntegration(t.db, { corfixAccountId: 'acc_ops_again', procoreCompanyId: '4400000399', ...TOGGLES_OFF });
    const lines = (await ops(['list'])).out.split('\n').filter((l) => l.startsWith('acc_ops_again'));
    expect(lines).toEqual([expect.stringMatching(/^acc_ops_again\s+4400000399\s+connecting\s+ok$/)]);
    expect(JSON.parse((await ops(['list', '--json'])).out).filter((i: { corfix_account_id: string }) => i.corfix_account_id === 'acc_ops_again')).toEqual([
      expect.objectContaining({ integration_id: second.id, generation: 2 }),
    ]);
  });

  test('--json: the read model for scripts, without who connected', async () => {
    const { code, out } = await ops(['list', '--json']);
    expect(code).toBe(EXIT.done);
    const list = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(list.map((i) => i['corfix_account_id'])).toEqual(expect.arrayContaining([ACTIVE_ACCOUNT, ERROR_ACCOUNT]));
    expect(list.find((i) => i['corfix_account_id'] === ERROR_ACCOUNT)).toMatchObject({
      status: 'error',
      sync_state: { state: 'failed' },
      last_error: { message: ERROR_SENTENCE },
    });
    expect(out).not.toContain(CONNECTED_BY_LOGIN);
    expect(out).not.toContain('connected_by');
  });
});

describe('show', () => {
  test('progress, counts by reason, failures with their last error, recent decisions, the Web UI and status page links', async () => {
    const { code, out } = await ops(['show', ACTIVE_ACCOUNT]);
    expect(code).toBe(EXIT.done);
    expect(out).toContain(`Corfix account ${ACTIVE_ACCOUNT} (integration ${seeded.active.id}, generation 1)`);
    expect(out).toContain('initial sync completed, phase done: projects 3 in 1 pages, users 5 in 2 pages');
    expect(out).toContain('users     created 1 · email_exists 1 · invalid_record 1');
    expect(out).toMatch(/projects synced +only 12: 501, 502, 503, 504, 505, 506, 507, 508, 509, 510 and 2 more\n/);
    expect(out).toMatch(new RegExp(`${FAILED_FORM}  failed since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: ${FAILED_FORM_ERROR.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(out).toContain(webUiWorkflowUrl(WEB_UI, 'default', formUploadWorkflowId(seeded.active.id, FAILED_FORM)));
    expect(out).toContain(`${RETRYING_FORM}  retrying, next try`);
    expect(out).toMatch(/user {2}603 {2}skipped {2}invalid_record {2}field mobile_phone/);
    expect(out).toContain('user  active_users page 2 position 17  id: expected number');
    const recent = out.slice(out.indexOf('Recent decisions (newest first)'));
    expect(recent.indexOf('upload_failed')).toBeLessThan(recent.indexOf('email_exists'));
    expect(out).toContain(`Web UI: ${webUiIntegrationUrl(WEB_UI, 'default', seeded.active.id)}`);
    expect(out).toContain(`status page: ${PUBLIC_URL}/status/${ACTIVE_ACCOUNT}`);
    expect(out).not.toContain(CONNECTED_BY_LOGIN);
  });

  test('the last error of an integration in error, whole; without the Web UI or PUBLIC_URL it says so', async () => {
    const { code, out } = await ops(['show', ERROR_ACCOUNT], { webUi: undefined, publicUrl: undefined });
    expect(code).toBe(EXIT.done);
    expect(out).toMatch(/status\s+error/);
    expect(out).toMatch(/sync state\s+failed since/);
    expect(out).toContain(`last error        ${ERROR_SENTENCE} (`);
    expect(out).toMatch(/projects synced +all\n/);
    expect(out).toContain('Web UI: none (TEMPORAL_WEB_UI_URL is not set)');
    expect(out).toContain(`status page: /status/${ERROR_ACCOUNT} on the API (set PUBLIC_URL for the full address)`);
  });

  test('--json: the detail with its links', async () => {
    const detail = JSON.parse((await ops(['show', ACTIVE_ACCOUNT, '--json'])).out);
    expect(detail.links).toEqual({ web_ui: webUiIntegrationUrl(WEB_UI, 'default', seeded.active.id), status_page: `${PUBLIC_URL}/status/${ACTIVE_ACCOUNT}` });
    const bare = JSON.parse((await ops(['show', ACTIVE_ACCOUNT, '--json'], { webUi: undefined, publicUrl: undefined })).out);
    expect(bare.links).toEqual({ web_ui: null, status_page: `/status/${ACTIVE_ACCOUNT}` });
    expect(detail.failures.forms.map((f: { form_id: string; last_error: string }) => [f.form_id, f.last_error])).toEqual(
      expect.arrayContaining([[FAILED_FORM, FAILED_FORM_ERROR]]),
    );
    expect(detail.recent_decisions[0]).toMatchObject({ entity: 'form' });
  });

  test('an account never connected is refused (exit 1), saying so', async () => {
    const { code, out, err } = await ops(['show', 'acc_never_connected']);
    expect({ code, out }).toEqual({ code: EXIT.refused, out: '' });
    expect(err).toBe('refused: Corfix account acc_never_connected has never been connected');
  });
});

describe('controls, audited with actor ops', () => {
  test('pause, resume, disconnect change the status, each with its audit row; resync is refused while paused', async () => {
    const i = await integrationIn('active');
    const paused = await ops(['pause', i.corfixAccountId]);
    expect(paused).toMatchObject({ code: EXIT.done, err: '' });
    expect(paused.out).toBe(`pause: Corfix account ${i.corfixAccountId} is paused (sync state ok); audited as ops`);
    expect(await statusOf(i)).toBe('paused');

    const resync = await ops(['resync', i.corfixAccountId]);
    expect(resync).toMatchObject({ code: EXIT.refused, out: '' });
    expect(resync.err).toBe('refused: cannot resync an integration that is paused: only active ones can be');

    expect((await ops(['resume', i.corfixAccountId])).code).toBe(EXIT.done);
    expect(await statusOf(i)).toBe('active');
    const disconnect = await ops(['disconnect', i.corfixAccountId, '--json']);
    expect(disconnect.code).toBe(EXIT.done);
    expect(JSON.parse(disconnect.out)).toMatchObject({ ok: true, action: 'disconnect', integration: { status: 'disconnected' }, signalled: true });
    expect(await statusOf(i)).toBe('disconnected');

    expect(await audits(i)).toEqual([
      { actor: 'ops', action: 'pause', details: { from: 'active' } },
      { actor: 'ops', action: 'resume', details: { from: 'paused' } },
      { actor: 'ops', action: 'disconnect', details: { from: 'active' } },
    ]);
    // Resume started the continuous syncs on the task queue; disconnect then told them.
    const loop = await temporal.client.workflow.getHandle(userSyncWorkflowId(i.id)).fetchHistory();
    const signals = (loop.events ?? []).flatMap((e) => e.workflowExecutionSignaledEventAttributes?.signalName ?? []);
    expect(signals).toEqual(['resume', 'disconnect']);
  });

  test('a refused action says why (exit 1; as JSON too) and changes nothing', async () => {
    const i = await integrationIn('disconnected');
    const refused = await ops(['pause', i.corfixAccountId, '--json']);
    expect(refused.code).toBe(EXIT.refused);
    expect(JSON.parse(refused.out)).toEqual({ ok: false, error: { code: 'integration_disconnected', message: expect.stringContaining('is disconnected') } });
    expect(refused.err).toMatch(/^refused: the integration of Corfix account acc_ops_\d+ is disconnected; connect again to sync it$/);
    expect(await audits(i)).toEqual([]);
  });

  test('disconnect without the API client settings is a configuration error (exit 2) that changes nothing', async () => {
    const i = await integrationIn('active');
    const missing = await ops(['disconnect', i.corfixAccountId], {
      clients: async () => {
        throw new ConfigError(['PROCORE_API_BASE_URL is required but not set']);
      },
    });
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.err).toContain('disconnect cannot run: Invalid configuration:\n  - PROCORE_API_BASE_URL is required but not set');
    expect(await statusOf(i)).toBe('active');
    expect(await audits(i)).toEqual([]);
  });

  test("retry-form hands the retry to the form's workflow (signalWithStart), audited", async () => {
    const i = await integrationIn('active', true);
    const formId = 'frm_ops_retry';
    const workflowId = formUploadWorkflowId(i.id, formId);
    started.add(workflowId);
    const { code, out } = await ops(['retry-form', i.corfixAccountId, formId]);
    expect(code).toBe(EXIT.done);
    expect(out).toBe(`retry-form: form ${formId} of Corfix account ${i.corfixAccountId} handed to its upload (workflow ${workflowId}); audited as ops`);
    const events = (await temporal.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    expect(events.slice(0, 2).map((e) => proto.api.enums.v1.EventType[e.eventType ?? 0])).toEqual([
      'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED',
    ]);
    expect(events[1]?.workflowExecutionSignaledEventAttributes?.signalName).toBe('retry');
    expect(await audits(i)).toEqual([{ actor: 'ops', action: 'retry_form', details: { form_id: formId } }]);
  });

  test('retry-form is refused while Sync Forms is off (exit 1), saying so', async () => {
    const i = await integrationIn('active', false);
    const { code, err } = await ops(['retry-form', i.corfixAccountId, 'frm_1']);
    expect(code).toBe(EXIT.refused);
    expect(err).toContain('refused: Sync Forms to Procore is off for this integration');
  });
});

describe('usage errors (exit 2), naming what is wrong', () => {
  test.each([
    [['show', 'acc/1'], /^corfix_account_id must be 1 to 255 letters/],
    [['pause', '..'], /^corfix_account_id must be/],
    [['retry-form', ACTIVE_ACCOUNT, 'frm/1'], /^form_id must be 1 to 255 letters, digits, '\.', '_' or '-', starting with a letter or digit \(a Corfix form id\)/],
    [['show'], /^show needs <corfix_account_id>: corfix_account_id is missing/],
    [['retry-form', ACTIVE_ACCOUNT], /^retry-form needs <corfix_account_id> <form_id>: form_id is missing/],
    [['list', 'extra'], /^list takes 0 argument\(s\); unexpected extra/],
    [['sync-everything'], /^unknown command sync-everything/],
    [['list', '--yaml'], /^unknown option --yaml/],
    [[], /^a command is required/],
  ])('%j', async (argv, message) => {
    const { code, out, err } = await ops(argv);
    expect({ code, out }).toEqual({ code: EXIT.usage, out: '' });
    expect(err).toMatch(message);
    expect(err).toContain('Run "npm run ops -- help" for the commands.');
  });

  test('help (and --help) prints the commands, exit 0', async () => {
    for (const argv of [['help'], ['pause', '--help']]) {
      const { code, out } = await ops(argv);
      expect(code).toBe(EXIT.done);
      for (const command of ['list', 'show', 'resync', 'retry-form', 'pause', 'resume', 'disconnect']) expect(out).toContain(`\n  ${command} `);
    }
  });
});
