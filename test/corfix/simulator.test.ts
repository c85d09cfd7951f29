// The simulator's own promises that the client tests do not reach: the 24 h
// idempotency window, the admin API, the rate-limit window, error shapes of
// odd requests, and the CLI's settings.
import { readSimulatorSettings } from '../../src/simulators/corfix/main.js';
import { ACCOUNT, ContractValidator, startHarness, type Harness } from './support.js';

let h: Harness;
let clockMs = Date.parse('2026-11-27T08:00:00Z');
const HOUR = 60 * 60 * 1000;

beforeAll(async () => {
  h = await startHarness({ clock: () => new Date(clockMs) });
});
afterAll(async () => {
  await h.stop();
});

describe('idempotency', () => {
  test('a key is remembered for 24 hours, then it creates afresh', async () => {
    const create = () =>
      h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, {
        json: { name: 'Windowed', status: 'active' },
        headers: { 'idempotency-key': 'day-key' },
      });
    const first = await create();
    expect(first.status).toBe(201);
    clockMs += 23 * HOUR;
    const replay = await create();
    expect(replay).toMatchObject({ status: 201, body: first.body });
    clockMs += 2 * HOUR;
    const fresh = await create();
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(first.body.id);
  });

  test('key order in the body does not make another request; a key over 255 characters is refused', async () => {
    const headers = { 'idempotency-key': 'order-key' };
    const a = await h.api('POST', `/v1/accounts/${ACCOUNT}/workers`, { json: { first_name: 'Jo', last_name: 'Ode' }, headers });
    const b = await h.api('POST', `/v1/accounts/${ACCOUNT}/workers`, { json: { last_name: 'Ode', first_name: 'Jo' }, headers });
    expect(b.body).toEqual(a.body);
    const other = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, { json: { name: 'Jo', status: 'active' }, headers });
    expect(other).toMatchObject({ status: 409, body: { error: { code: 'idempotency_key_reused' } } });

    const long = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, {
      json: { name: 'Long', status: 'active' },
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(/Idempotency-Key/);
  });
});

describe('odd requests', () => {
  test('unknown routes, malformed JSON and unknown fields answer in the contract error shape', async () => {
    const unknown = await h.api('GET', `/v1/accounts/${ACCOUNT}/nothing-here`);
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const malformed = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, {
      headers: { 'content-type': 'application/json' },
      body: '{"name": "Half',
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message: expect.stringMatching(/JSON/) } } });
    const empty = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, { headers: { 'content-type': 'application/json' } });
    expect(empty).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message: expect.stringMatching(/body/) } } });
    const extra = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, { json: { name: 'X', status: 'active', colour: 'red' } });
    expect(extra).toMatchObject({ status: 400, body: { error: { code: 'invalid_input', message: expect.stringMatching(/colour/) } } });
    const badPage = await h.api('GET', `/v1/accounts/${ACCOUNT}/workers?per_page=0`);
    expect(badPage).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/per_page/) } } });
  });

  test('a transition POST may carry an empty JSON body', async () => {
    const worker = h.sim.state.createWorker(ACCOUNT, { first_name: 'Em', last_name: 'Pty' }, false);
    const moved = await h.api('POST', `/v1/accounts/${ACCOUNT}/workers/${worker.id}/activate`, {
      headers: { 'content-type': 'application/json' },
    });
    expect(moved).toMatchObject({ status: 200, body: { status: 'active_for_kiosk' } });
  });
});

describe('rate limiting', () => {
  test('a fixed window: 429 with Retry-After until it ends', async () => {
    await h.admin('PUT', '/rate-limit', { limit: 1, window_seconds: 10 });
    try {
      expect((await h.api('GET', `/v1/accounts/${ACCOUNT}`)).status).toBe(200);
      const limited = await h.api('GET', `/v1/accounts/${ACCOUNT}`);
      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('10');
      clockMs += 4_000;
      expect((await h.api('GET', `/v1/accounts/${ACCOUNT}`)).headers['retry-after']).toBe('6');
      clockMs += 6_000;
      expect((await h.api('GET', `/v1/accounts/${ACCOUNT}`)).status).toBe(200);
    } finally {
      await h.admin('DELETE', '/rate-limit');
    }
  });
});

describe('the admin API', () => {
  test('seed an account, a token and pre-existing records; inspect them', async () => {
    expect((await h.admin('POST', '/accounts', { id: 'acc_seeded', name: 'Seeded Co' })).status).toBe(201);
    expect((await h.admin('POST', '/tokens', { token: 'seeded-token-xyz', account_ids: ['acc_seeded'] })).status).toBe(201);
    const project = await h.admin('POST', '/accounts/acc_seeded/projects', {
      id: 'prj_legacy',
      name: 'Legacy Job',
      status: 'completed',
      project_number: 'L-1',
      created_at: '2020-05-01T00:00:00Z',
    });
    expect(project.status).toBe(201);
    expect(project.body).toMatchObject({ id: 'prj_legacy', created_at: '2020-05-01T00:00:00Z', updated_at: '2020-05-01T00:00:00Z' });
    const worker = await h.admin('POST', '/accounts/acc_seeded/workers', {
      first_name: 'Pat',
      last_name: 'Old',
      email: 'pat@example.com',
      status: 'pending_email_verification',
    });
    expect(worker.body.status).toBe('pending_email_verification');

    const seen = await h.api('GET', '/v1/accounts/acc_seeded/workers?email=PAT@example.com', { token: 'seeded-token-xyz' });
    expect(seen.body.data).toHaveLength(1);

    const state = (await h.admin('GET', '/state')).body;
    expect(state.projects.map((p: { id: string }) => p.id)).toContain('prj_legacy');
    expect(JSON.stringify(state)).not.toContain('seeded-token-xyz');
  });

  test('changing records bumps updated_at; a status can be forced', async () => {
    const before = h.sim.state.getProject('acc_seeded', 'prj_legacy');
    const changed = await h.admin('PATCH', '/accounts/acc_seeded/projects/prj_legacy', { status: 'active' });
    expect(changed.body.status).toBe('active');
    expect(Date.parse(changed.body.updated_at)).toBeGreaterThan(Date.parse(before.updated_at));

    const worker = h.sim.state.listWorkers('acc_seeded', {}, { page: 1, per_page: 10 }).data[0];
    if (!worker) throw new Error('no seeded worker');
    const forced = await h.admin('PATCH', `/accounts/acc_seeded/workers/${worker.id}`, { status: 'blocked', last_name: 'Older' });
    expect(forced.body).toMatchObject({ status: 'blocked', last_name: 'Older' });
    const unblocked = await h.api('POST', `/v1/accounts/acc_seeded/workers/${worker.id}/unblock`, { token: 'seeded-token-xyz' });
    expect(unblocked.body.status).toBe('pending_email_verification');

    const invalid = await h.admin('PATCH', `/accounts/acc_seeded/workers/${worker.id}`, { status: 'retired' });
    expect(invalid.status).toBe(400);
  });

  test('one worker as stored, without a token; a worker of another account is not found', async () => {
    const worker = h.sim.state.listWorkers('acc_seeded', {}, { page: 1, per_page: 10 }).data[0];
    if (!worker) throw new Error('no seeded worker');
    const seen = await h.admin('GET', `/accounts/acc_seeded/workers/${worker.id}`);
    expect(seen).toEqual({ status: 200, body: h.sim.state.getWorker('acc_seeded', worker.id) });
    expect((await h.admin('GET', `/accounts/${ACCOUNT}/workers/${worker.id}`)).status).toBe(404);
  });

  test('reset empties the records', async () => {
    await h.admin('POST', '/reset');
    const state = (await h.admin('GET', '/state')).body;
    expect(state.accounts).toEqual([]);
    expect(state.projects).toEqual([]);
    expect((await h.api('GET', `/v1/accounts/${ACCOUNT}`)).status).toBe(404);
    await h.admin('POST', '/accounts', { id: ACCOUNT, name: 'Main Construction' });
  });
});

describe('the CLI settings', () => {
  test('defaults for a dev machine', () => {
    const settings = readSimulatorSettings({});
    expect(settings).toMatchObject({ PORT: 4020, CORFIX_SIM_SEED: 1, CORFIX_SIM_ACCOUNTS: [{ id: 'acc_demo', name: 'Demo Construction' }] });
  });

  test('bad values are named', () => {
    expect(() => readSimulatorSettings({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => readSimulatorSettings({ CORFIX_SIM_WEBHOOK_URL: 'not a url' })).toThrow(/CORFIX_SIM_WEBHOOK_URL/);
    expect(readSimulatorSettings({ CORFIX_SIM_ACCOUNTS: 'acc_a=A Co, acc_b' }).CORFIX_SIM_ACCOUNTS).toEqual([
      { id: 'acc_a', name: 'A Co' },
      { id: 'acc_b', name: 'acc_b' },
    ]);
  });
});

describe('the contract', () => {
  test('every simulator response seen validates against corfix-api.yaml', () => {
    expect(h.records.length).toBeGreaterThan(15);
    expect(ContractValidator.load().checkAll(h.records)).toEqual([]);
  });
});
