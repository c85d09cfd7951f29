// The built entry point (`node dist/bin/ops.js`, as `npm run ops` runs it) as
// a process of its own: its environment read through zod, its stdout and
// stderr, and its exit codes (0 done, 1 refused, 2 usage or configuration).
// A control whose Temporal never answers still saves and audits the change,
// and says that Temporal was not told.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listAudit } from '../../src/db/repositories/audit-log.js';
import { createIntegration, findIntegration, updateIntegration } from '../../src/db/repositories/integrations.js';
import { startProcoreSimulator } from '../../src/simulators/procore/server.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { ACTIVE_ACCOUNT, ERROR_ACCOUNT, seedStatusIntegrations } from '../support/status-fixtures.js';
import { temporalAddress } from '../support/temporal.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let t: TestDatabase;

beforeAll(async () => {
  // The compile step of `npm run build` (the CLI needs no workflow bundle).
  await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot });
  t = await createTestDatabase();
  await seedStatusIntegrations(t.db, { active: '4400000401', error: '4400000402' });
}, 120_000);
afterAll(async () => {
  await t?.drop();
});

/** Runs the built CLI with only `env` (and PATH): its exit code and output. */
function ops(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['dist/bin/ops.js', ...argv], { cwd: repoRoot, env: { PATH: process.env['PATH'] ?? '', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}
const serviceEnv = () => ({ DATABASE_URL: t.url, TEMPORAL_ADDRESS: temporalAddress() });

test('list: exit 0, the table on stdout, nothing on stderr', async () => {
  const { code, stdout, stderr } = await ops(['list'], serviceEnv());
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toMatch(/^ACCOUNT\s+COMPANY\s+STATUS\s+SYNC STATE\s+LAST ERROR\n/);
  expect(stdout).toMatch(new RegExp(`\\n${ACTIVE_ACCOUNT}\\s+4400000401\\s+active\\s+ok\\n`));
  expect(stdout).toMatch(new RegExp(`\\n${ERROR_ACCOUNT}\\s+4400000402\\s+error\\s+failed since `));
});

test('exit 1 for a refusal, 2 for a bad argument or a missing variable (named, never a value)', async () => {
  const refused = await ops(['show', 'acc_never_connected'], serviceEnv());
  expect(refused).toEqual({ code: 1, stdout: '', stderr: 'refused: Corfix account acc_never_connected has never been connected\n' });
  const badId = await ops(['show', 'acc/1'], serviceEnv());
  expect(badId.code).toBe(2);
  expect(badId.stderr).toMatch(/^corfix_account_id must be 1 to 255 letters/);
  const noDatabase = await ops(['list'], { DATABASE_URL: 'mysql://somewhere/secret-db-name' });
  expect(noDatabase.code).toBe(2);
  expect(noDatabase.stderr).toBe('Invalid configuration:\n  - DATABASE_URL must be a postgres:// URL\n');
  expect((await ops(['help'], {})).code).toBe(0);
});

test('a pause while Temporal never answers: saved and audited as ops, exit 0, and it says Temporal was not told', async () => {
  const created = await createIntegration(t.db, { corfixAccountId: 'acc_ops_process', procoreCompanyId: '4400000403', ...TOGGLES_OFF });
  await updateIntegration(t.db, created.id, { status: 'active', initialSyncState: 'completed' });
  const sockets = new Set<net.Socket>();
  // Accepts connections and never answers: every Temporal call hangs until its deadline.
  const silent = net.createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const address = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const { code, stdout, stderr } = await ops(['pause', 'acc_ops_process'], { DATABASE_URL: t.url, TEMPORAL_ADDRESS: address });
    expect(code).toBe(0);
    // The warning is logged on stderr; stdout holds only the answer.
    expect(stderr).toContain('could not tell Temporal of the pause');
    expect(stdout).toContain('pause: Corfix account acc_ops_process is paused');
    expect(stdout).toContain('Temporal did not answer in time: the change is saved');
    expect((await findIntegration(t.db, created.id))?.status).toBe('paused');
    expect((await listAudit(t.db, created.id)).map(({ actor, action }) => ({ actor, action }))).toEqual([{ actor: 'ops', action: 'pause' }]);
  } finally {
    for (const socket of sockets) socket.destroy();
    silent.close();
  }
});

test("disconnect removes the integration's Procore hook with the service's client settings; without them it is refused before any change", async () => {
  const sim = await startProcoreSimulator({ seed: 11 });
  try {
    const company = sim.state.addCompany({ name: 'Ops Builders', app_installed: true });
    const created = await createIntegration(t.db, { corfixAccountId: 'acc_ops_hook', procoreCompanyId: String(company.id), ...TOGGLES_OFF });
    const hook = sim.state.createHook(company.id, {
      namespace: 'corfix',
      api_version: 'v2',
      destination_url: 'https://integration.test/webhooks/procore',
      destination_headers: { Authorization: 'Bearer x' },
    });
    await updateIntegration(t.db, created.id, { status: 'active', initialSyncState: 'completed' });
    await t.db('integrations').where({ id: created.id }).update({ procore_hook_id: String(hook.id) });

    const withoutClients = await ops(['disconnect', 'acc_ops_hook'], serviceEnv());
    expect(withoutClients.code).toBe(2);
    expect(withoutClients.stderr).toContain('disconnect cannot run: Invalid configuration:\n  - PROCORE_API_BASE_URL is required but not set');
    expect((await findIntegration(t.db, created.id))?.status).toBe('active');

    const clients = {
      ...unreachableClientSettings,
      PROCORE_API_BASE_URL: sim.url,
      PROCORE_AUTH_BASE_URL: sim.url,
      PROCORE_CLIENT_ID: sim.clientId,
      PROCORE_CLIENT_SECRET: sim.clientSecret,
    };
    const { code, stdout } = await ops(['disconnect', 'acc_ops_hook', '--json'], { ...serviceEnv(), ...clients });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, integration: { status: 'disconnected', webhooks: { registered: false } }, signalled: true });
    expect(sim.state.hooksOf(company.id)).toEqual([]);
    expect((await listAudit(t.db, created.id)).map(({ actor, action }) => ({ actor, action }))).toEqual([{ actor: 'ops', action: 'disconnect' }]);
  } finally {
    await sim.stop();
  }
});
