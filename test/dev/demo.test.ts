// `npm run demo -- --exit` as a user runs it: the built demo as a process of
// its own (its own Temporal dev server with the Web UI, on free ports), on
// the test run's Postgres server. It must exit 0 after printing the sync
// report the seed calls for, the forms' PDFs in the Procore Documents tree,
// and the Web UI link filtered to the integration it connected.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { demoCompany } from '../../src/dev/demo-company.js';
import { formPlans } from '../../src/dev/demo-forms.js';
import { databaseUrlOn, dropDatabase } from '../../src/dev/embedded-postgres.js';
import { formFileName } from '../../src/domain/form-filing.js';
import { outcomeOfReason, type Reason } from '../../src/domain/sync-outcome.js';
import { integrationWorkflowsQuery } from '../../src/temporal/web-ui.js';
import { freePort } from '../support/stack.js';
import { expectedOutcomes } from './demo-expectations.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const serverUrl = () => process.env['TEST_POSTGRES_URL'] as string;
// The demo works in `<DATABASE_URL's database>_demo` on that server, made afresh; DATABASE_URL's own is never touched.
const baseName = `demo_test_${randomBytes(4).toString('hex')}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/dev/demo.js', '--exit'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // The demo ends by itself (each of its waits has a deadline); this only keeps a hung one from outliving the test.
    const guard = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

let run: Run;
let today: string;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  today = new Date().toISOString().slice(0, 10);
  run = await runDemo({
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? repoRoot,
    ...(process.env['TEMPORAL_CLI_PATH'] ? { TEMPORAL_CLI_PATH: process.env['TEMPORAL_CLI_PATH'] } : {}),
    ...(process.env['TMPDIR'] ? { TMPDIR: process.env['TMPDIR'] } : {}),
    DATABASE_URL: databaseUrlOn(serverUrl(), baseName),
    DEMO_TEMPORAL_PORT: String(temporalPort),
    DEMO_UI_PORT: String(uiPort),
    API_PORT: String(apiPort),
  });
}, 240_000);

afterAll(async () => {
  await dropDatabase(serverUrl(), `${baseName}_demo`);
});

const failure = () => `exit ${run.code}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;

test('exits 0 after the summary', () => {
  expect(run.code === 0 && !run.stderr.includes('The demo failed') ? 'exit 0' : failure()).toBe('exit 0');
  expect(run.stdout).toMatch(/Summary: the sync report/);
  expect(run.stdout).toMatch(/Done \(--exit\): stopping everything\.\n$/);
});

test("the summary lists every report row the seed calls for, the special reasons too", () => {
  const expected = expectedOutcomes(demoCompany({ today }), today);
  const rows = [
    ...Object.entries(expected.project).map(([reason, count]) => ['project', reason, count] as const),
    ...Object.entries(expected.user).map(([reason, count]) => ['user', reason, count] as const),
    ['form', 'uploaded', 3] as const,
    ['form', 'new_version', 2] as const,
    ['form', 'project_not_linked', 1] as const,
  ];
  for (const reason of ['template', 'number_exists', 'name_exists', 'completed_not_in_corfix', 'invalid_record']) expect(expected.project[reason]).toBeGreaterThan(0);
  for (const reason of ['service_account', 'inactive_not_in_corfix', 'email_exists', 'invalid_record']) expect(expected.user[reason]).toBeGreaterThan(0);
  const printed = run.stdout.split('\n').map((line) => line.trim().split(/\s+/).join(' '));
  const missing = rows
    .map(([entity, reason, count]) => `${entity} ${outcomeOfReason(reason as Reason)} ${reason} ${count}`)
    .filter((row) => !printed.includes(row));
  expect({ missing, output: missing.length > 0 ? failure() : '' }).toEqual({ missing: [], output: '' });
});

test("the Documents tree lists the forms' PDFs, the edited ones with two versions", () => {
  const plans = formPlans(today);
  const tree = run.stdout.slice(run.stdout.indexOf('Procore Documents of'), run.stdout.indexOf('Summary:'));
  expect(tree).toMatch(/Corfix Forms\//);
  for (const plan of plans) {
    const name = formFileName(plan.template_name, plan.form_date);
    expect(tree).toContain(plan.edited ? `${name}  (2 versions)` : name);
    expect(tree).toContain(`${plan.form_date.slice(0, 7)}/`);
  }
  // Two forms of one template on one day: Procore numbers the second file.
  expect(tree).toContain(formFileName('Toolbox Talk', plans[1]?.form_date ?? '').replace(/\.pdf$/, ' (1).pdf'));
});

test("the Web UI link lists this integration's workflows, and its query is printed", () => {
  const integrationId = /202: integration ([0-9a-f-]{36})/.exec(run.stdout)?.[1];
  expect(integrationId).toBeDefined();
  const query = integrationWorkflowsQuery(integrationId as string);
  expect(run.stdout).toMatch(new RegExp(`Temporal Web UI, this integration's workflows: http://127\\.0\\.0\\.1:\\d+/namespaces/default/workflows\\?query=${encodeURIComponent(query)}`));
  expect(run.stdout).toContain(`(the list's query: ${query})`);
  expect(run.stdout).toMatch(/status \(JSON\): http:\/\/127\.0\.0\.1:\d+\/v1\/integrations\/acc_demo/);
  expect(run.stdout).toMatch(/status page: http:\/\/127\.0\.0\.1:\d+\/status\/acc_demo/);
});
