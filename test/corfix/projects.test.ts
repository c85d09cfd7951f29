// The Corfix client against the simulator: account and project endpoints,
// idempotent creates, external_ref, filters and paging.
import { CorfixClient } from '../../src/corfix/client.js';
import { CorfixAccessDeniedError, CorfixNotFoundError, CorfixRequestRejectedError } from '../../src/corfix/errors.js';
import { AccessDeniedError, AwaitingAccessError, RequestRejectedError } from '../../src/http/errors.js';
import {
  ACCOUNT,
  ContractValidator,
  FOREIGN_ACCOUNT,
  SECOND_ACCOUNT,
  TOKEN,
  startHarness,
  type Harness,
} from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to be rejected');
}

describe('accounts', () => {
  test('the token sees its account', async () => {
    await expect(h.client.getAccount(ACCOUNT)).resolves.toEqual({ id: ACCOUNT, name: 'Main Construction' });
  });

  test('another account is 403 forbidden', async () => {
    const err = await rejection(h.client.getAccount(FOREIGN_ACCOUNT));
    expect(err).toBeInstanceOf(CorfixAccessDeniedError);
    expect(err).toBeInstanceOf(AccessDeniedError);
    expect(err).toMatchObject({ status: 403, code: 'forbidden', retryable: false });
  });

  test('a wrong token is 401, and the token appears in no message', async () => {
    const wrong = h.clientWith({ token: 'wrong-token-123456' });
    const err = await rejection(wrong.getAccount(ACCOUNT));
    // A token refused may be in the middle of a rotation: retried slowly, not an end.
    expect(err).toBeInstanceOf(AwaitingAccessError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', retryable: true });
    expect(String((err as Error).message)).not.toContain('wrong-token-123456');
    const missing = await h.api('GET', `/v1/accounts/${ACCOUNT}`, { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('unauthorized');
  });

  test('an account the token may use but that does not exist is a typed not-found', async () => {
    h.sim.tokens.get(TOKEN)?.add('acc_ghost');
    const err = await rejection(h.client.getAccount('acc_ghost'));
    expect(err).toBeInstanceOf(CorfixNotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'not_found' });
  });

  test('the client keeps its token out of sight', () => {
    const client = new CorfixClient({ baseUrl: h.sim.url, token: TOKEN });
    expect(JSON.stringify(client)).not.toContain(TOKEN);
    expect(Object.values(client)).not.toContain(TOKEN);
  });
});

describe('projects', () => {
  test('create, get and patch a project', async () => {
    const created = await h.client.createProject(
      ACCOUNT,
      { name: 'Harbour Tower', status: 'active', project_number: 'HT-1', city: 'Leeds', external_ref: 'procore:9:project:1' },
      { idempotencyKey: 'int-1:project:1:create' },
    );
    expect(created).toMatchObject({
      account_id: ACCOUNT,
      name: 'Harbour Tower',
      status: 'active',
      project_number: 'HT-1',
      city: 'Leeds',
      zip: null,
      external_ref: 'procore:9:project:1',
    });
    expect(created.id).toMatch(/^prj_/);
    await expect(h.client.getProject(ACCOUNT, created.id)).resolves.toEqual(created);

    const patched = await h.client.updateProject(ACCOUNT, created.id, { status: 'completed', zip: 'LS1 4AP' });
    expect(patched).toMatchObject({ status: 'completed', zip: 'LS1 4AP', name: 'Harbour Tower', city: 'Leeds' });
    expect(Date.parse(patched.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    expect(patched.created_at).toBe(created.created_at);
  });

  test('a replayed create returns the first answer and creates nothing', async () => {
    const input = { name: 'Replay Yard', status: 'upcoming' as const, external_ref: 'procore:9:project:2' };
    const before = h.sim.state.projects.size;
    const first = await h.client.createProject(ACCOUNT, input, { idempotencyKey: 'int-1:project:2:create' });
    const again = await h.client.createProject(ACCOUNT, input, { idempotencyKey: 'int-1:project:2:create' });
    expect(again).toEqual(first);
    expect(h.sim.state.projects.size).toBe(before + 1);

    // Byte for byte and status for status, through the raw API as well.
    const raw1 = await h.api('POST', `/v1/accounts/${ACCOUNT}/projects`, {
      json: input,
      headers: { 'idempotency-key': 'int-1:project:2:create' },
    });
    expect(raw1.status).toBe(201);
    expect(raw1.body).toEqual(first);
  });

  test('the same key for another request is idempotency_key_reused', async () => {
    await h.client.createProject(ACCOUNT, { name: 'Key Owner', status: 'active' }, { idempotencyKey: 'shared-key' });
    const err = await rejection(
      h.client.createProject(ACCOUNT, { name: 'Someone Else', status: 'active' }, { idempotencyKey: 'shared-key' }),
    );
    expect(err).toBeInstanceOf(CorfixRequestRejectedError);
    expect(err).toBeInstanceOf(RequestRejectedError);
    expect(err).toMatchObject({ status: 409, code: 'idempotency_key_reused', serverCode: 'idempotency_key_reused' });
    // Keys are per account: the same key elsewhere is a fresh create.
    await expect(
      h.client.createProject(SECOND_ACCOUNT, { name: 'Someone Else', status: 'active' }, { idempotencyKey: 'shared-key' }),
    ).resolves.toMatchObject({ account_id: SECOND_ACCOUNT });
  });

  test('external_ref is unique per account: external_ref_taken', async () => {
    await h.client.createProject(ACCOUNT, { name: 'First', status: 'active', external_ref: 'procore:9:project:3' });
    const err = await rejection(
      h.client.createProject(ACCOUNT, { name: 'Second', status: 'active', external_ref: 'procore:9:project:3' }),
    );
    expect(err).toMatchObject({ status: 409, code: 'external_ref_taken' });
    const other = await h.client.createProject(ACCOUNT, { name: 'Third', status: 'active' });
    await expect(h.client.updateProject(ACCOUNT, other.id, { external_ref: 'procore:9:project:3' })).rejects.toMatchObject({
      code: 'external_ref_taken',
    });
    // The same ref on a worker is another resource type and fine.
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'Ref', last_name: 'Holder', external_ref: 'procore:9:project:3' }),
    ).resolves.toMatchObject({ external_ref: 'procore:9:project:3' });
  });

  test('invalid input is 400 invalid_input naming the field (in the answer; the error keeps only the code)', async () => {
    const err = await rejection(h.client.createProject(ACCOUNT, { name: '', status: 'active' }));
    expect(err).toMatchObject({ status: 400, code: 'invalid_input' });
    expect(h.records.at(-1)?.body.toString()).toMatch(/name/);
    await expect(
      h.client.createProject(ACCOUNT, { name: 'Bad', status: 'archived' as 'active' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    expect(h.records.at(-1)?.body.toString()).toMatch(/status/);
  });

  test('a missing project is a typed not-found', async () => {
    const err = await rejection(h.client.getProject(ACCOUNT, 'prj_missing'));
    expect(err).toBeInstanceOf(CorfixNotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', operation: `GET /v1/accounts/${ACCOUNT}/projects/prj_missing` });
    // A project of another account is not visible through this one.
    const elsewhere = await h.client.createProject(SECOND_ACCOUNT, { name: 'Elsewhere', status: 'active' });
    await expect(h.client.getProject(ACCOUNT, elsewhere.id)).rejects.toBeInstanceOf(CorfixNotFoundError);
  });

  test('filters: project_number exact, name case-insensitive exact, external_ref', async () => {
    await h.client.createProject(ACCOUNT, { name: 'Filter Park', status: 'active', project_number: 'FP-100' });
    await h.client.createProject(ACCOUNT, { name: 'filter park', status: 'upcoming', project_number: 'FP-100X' });
    await h.client.createProject(ACCOUNT, { name: 'Filter Park West', status: 'active', external_ref: 'procore:9:project:77' });

    const byNumber = await h.client.listProjects(ACCOUNT, { project_number: 'FP-100' });
    expect(byNumber.data.map((p) => p.project_number)).toEqual(['FP-100']);
    const byName = await h.client.listProjects(ACCOUNT, { name: 'FILTER PARK' });
    expect(byName.data.map((p) => p.name).sort()).toEqual(['Filter Park', 'filter park']);
    expect(byName.total).toBe(2);

    await expect(h.client.findProjectsByNumber(ACCOUNT, 'FP-100X')).resolves.toHaveLength(1);
    await expect(h.client.findProjectsByName(ACCOUNT, 'Filter park')).resolves.toHaveLength(2);
    await expect(h.client.findProjectByExternalRef(ACCOUNT, 'procore:9:project:77')).resolves.toMatchObject({
      name: 'Filter Park West',
    });
    await expect(h.client.findProjectByExternalRef(ACCOUNT, 'procore:9:project:404')).resolves.toBeNull();
  });

  test('pages of 500 cover every project; per_page above 500 is clamped', async () => {
    for (let i = 0; i < 1_050; i += 1) {
      h.sim.state.createProject(SECOND_ACCOUNT, { name: `Bulk ${i}`, status: 'active', project_number: 'BULK' });
    }
    const pages = [];
    for await (const page of h.client.projectPages(SECOND_ACCOUNT, { project_number: 'BULK' })) pages.push(page);
    expect(pages.map((p) => [p.page, p.per_page, p.data.length, p.total])).toEqual([
      [1, 500, 500, 1_050],
      [2, 500, 500, 1_050],
      [3, 500, 50, 1_050],
    ]);
    const names = new Set(pages.flatMap((p) => p.data.map((d) => d.name)));
    expect(names.size).toBe(1_050);

    const clamped = await h.api('GET', `/v1/accounts/${SECOND_ACCOUNT}/projects?per_page=2000&project_number=BULK`);
    expect(clamped.status).toBe(200);
    expect(clamped.body.per_page).toBe(500);
    expect(clamped.body.data).toHaveLength(500);

    const small = await h.client.listProjects(SECOND_ACCOUNT, { project_number: 'BULK', page: 2, per_page: 10 });
    expect(small).toMatchObject({ page: 2, per_page: 10, total: 1_050 });
    expect(small.data[0]?.name).toBe('Bulk 10');
  });

  test('every response seen validates against corfix-api.yaml', () => {
    const validator = ContractValidator.load();
    expect(h.records.length).toBeGreaterThan(20);
    expect(validator.checkAll(h.records)).toEqual([]);
  });
});
