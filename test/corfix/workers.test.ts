// The Corfix client against the simulator: worker endpoints, uniqueness, the
// status machine and how a repeated transition reads to the caller.
import { CorfixIllegalTransitionError, CorfixNotFoundError, CorfixRequestRejectedError } from '../../src/corfix/errors.js';
import type { CorfixWorker, WorkerStatus } from '../../src/corfix/schemas.js';
import { SeededRandom } from '../../src/simulators/common/random.js';
import { ACCOUNT, ContractValidator, SECOND_ACCOUNT, seedHittingOnceThenMissing, startHarness, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

let serial = 0;
function uniqueEmail(): string {
  serial += 1;
  return `worker${serial}@example.com`;
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to be rejected');
}

/** A worker brought to `status` through the public API (and the admin's email verification). */
async function workerIn(status: WorkerStatus, withEmail = true): Promise<CorfixWorker> {
  const email = withEmail ? uniqueEmail() : null;
  const worker = await h.client.createWorker(ACCOUNT, { first_name: 'Sam', last_name: 'Lee', email });
  switch (status) {
    case 'pending_account_activation':
      return worker;
    case 'pending_email_verification':
      return h.client.activateWorker(ACCOUNT, worker.id);
    case 'active_for_kiosk': {
      const kiosk = await h.client.createWorker(ACCOUNT, { first_name: 'Kiosk', last_name: 'Only' }, { activate: true });
      expect(kiosk.status).toBe('active_for_kiosk');
      return kiosk;
    }
    case 'active': {
      await h.client.activateWorker(ACCOUNT, worker.id);
      const verified = await h.admin('POST', `/accounts/${ACCOUNT}/workers/${worker.id}/verify-email`);
      expect(verified.status).toBe(200);
      return h.client.getWorker(ACCOUNT, worker.id);
    }
    case 'blocked': {
      await h.client.activateWorker(ACCOUNT, worker.id);
      return h.client.blockWorker(ACCOUNT, worker.id);
    }
  }
}

describe('workers', () => {
  test('create with activate false or true, with and without email', async () => {
    const pending = await h.client.createWorker(ACCOUNT, {
      first_name: 'Ana',
      last_name: 'Silva',
      email: 'Ana.Silva@Example.com',
      phone_number: '+44 (0)113 496 0000',
      employee_number: '00042',
      external_ref: 'procore:9:user:1',
    });
    expect(pending).toMatchObject({
      status: 'pending_account_activation',
      email: 'Ana.Silva@Example.com',
      phone_number: '+44 (0)113 496 0000',
      employee_number: '00042',
      external_ref: 'procore:9:user:1',
    });
    const invited = await h.client.createWorker(ACCOUNT, { first_name: 'Bo', last_name: 'Ng', email: uniqueEmail() }, { activate: true });
    expect(invited.status).toBe('pending_email_verification');
    const kiosk = await h.client.createWorker(ACCOUNT, { first_name: 'Cy', last_name: 'Ode', email: null }, { activate: true });
    expect(kiosk).toMatchObject({ status: 'active_for_kiosk', email: null });
  });

  test('get and patch; PATCH cannot change the status', async () => {
    const worker = await h.client.createWorker(ACCOUNT, { first_name: 'Dee', last_name: 'Ray', email: uniqueEmail() });
    await expect(h.client.getWorker(ACCOUNT, worker.id)).resolves.toEqual(worker);
    const patched = await h.client.updateWorker(ACCOUNT, worker.id, { last_name: 'Raymond', phone_number: '0700' });
    expect(patched).toMatchObject({ first_name: 'Dee', last_name: 'Raymond', phone_number: '0700', status: worker.status });
    expect(Date.parse(patched.updated_at)).toBeGreaterThan(Date.parse(worker.updated_at));

    const statusPatch = await h.api('PATCH', `/v1/accounts/${ACCOUNT}/workers/${worker.id}`, { json: { status: 'active' } });
    expect(statusPatch.status).toBe(400);
    expect(statusPatch.body.error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/status/) });
  });

  test('emails are unique per account, case-insensitively: email_taken', async () => {
    const email = uniqueEmail();
    const first = await h.client.createWorker(ACCOUNT, { first_name: 'Eve', last_name: 'One', email });
    const err = await rejection(h.client.createWorker(ACCOUNT, { first_name: 'Eve', last_name: 'Two', email: email.toUpperCase() }));
    expect(err).toBeInstanceOf(CorfixRequestRejectedError);
    expect(err).toMatchObject({ status: 409, code: 'email_taken' });
    expect(err.message).not.toContain(email);

    const other = await h.client.createWorker(ACCOUNT, { first_name: 'Eve', last_name: 'Three', email: uniqueEmail() });
    await expect(h.client.updateWorker(ACCOUNT, other.id, { email: email.toUpperCase() })).rejects.toMatchObject({
      code: 'email_taken',
    });
    // Keeping one's own email (in another case) is not a clash.
    await expect(h.client.updateWorker(ACCOUNT, first.id, { email: email.toUpperCase() })).resolves.toMatchObject({
      email: email.toUpperCase(),
    });
    // Another account may have the same email.
    await expect(h.client.createWorker(SECOND_ACCOUNT, { first_name: 'Eve', last_name: 'Four', email })).resolves.toBeTruthy();
  });

  test('an email or external_ref a worker gave up is free again', async () => {
    const [email, moved] = [uniqueEmail(), uniqueEmail()];
    const first = await h.client.createWorker(ACCOUNT, { first_name: 'Ida', last_name: 'One', email, external_ref: 'procore:99:user:7001' });
    await h.client.updateWorker(ACCOUNT, first.id, { email: moved, external_ref: 'procore:99:user:7002' });
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'Ida', last_name: 'Two', email, external_ref: 'procore:99:user:7001' }),
    ).resolves.toMatchObject({ email, external_ref: 'procore:99:user:7001' });
    // ...and the ones it took now are its own.
    await expect(h.client.createWorker(ACCOUNT, { first_name: 'Ida', last_name: 'Three', email: moved })).rejects.toMatchObject({ code: 'email_taken' });
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'Ida', last_name: 'Four', external_ref: 'procore:99:user:7002' }),
    ).rejects.toMatchObject({ code: 'external_ref_taken' });
  });

  test('external_ref is unique per account among workers: external_ref_taken', async () => {
    await h.client.createWorker(ACCOUNT, { first_name: 'Fay', last_name: 'One', external_ref: 'procore:9:user:50' });
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'Fay', last_name: 'Two', external_ref: 'procore:9:user:50' }),
    ).rejects.toMatchObject({ status: 409, code: 'external_ref_taken' });
  });

  test('email is null or a valid address, never empty; names are non-empty', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ first_name: 'Gil', last_name: 'Ash', email: '' }, /email/],
      [{ first_name: 'Gil', last_name: 'Ash', email: 'not an address' }, /email/],
      [{ first_name: '', last_name: 'Ash' }, /first_name/],
      [{ first_name: 'Gil', last_name: '   ' }, /last_name/],
      [{ first_name: 'Gil' }, /last_name/],
    ];
    for (const [input, field] of cases) {
      const err = await rejection(h.client.createWorker(ACCOUNT, input as never));
      expect(err).toMatchObject({ status: 400, code: 'invalid_input' });
      expect(h.records.at(-1)?.body.toString()).toMatch(field);
    }
  });

  test('a replayed create returns the first answer, even a refusal, and creates nothing', async () => {
    const email = uniqueEmail();
    const before = h.sim.state.workers.size;
    const input = { first_name: 'Hal', last_name: 'Idem', email, external_ref: 'procore:9:user:60' };
    const first = await h.client.createWorker(ACCOUNT, input, { activate: true, idempotencyKey: 'int-1:user:60:create' });
    const again = await h.client.createWorker(ACCOUNT, input, { activate: true, idempotencyKey: 'int-1:user:60:create' });
    expect(again).toEqual(first);
    expect(h.sim.state.workers.size).toBe(before + 1);

    // Same key, different body (activate false): idempotency_key_reused.
    await expect(h.client.createWorker(ACCOUNT, input, { idempotencyKey: 'int-1:user:60:create' })).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });

    // A 409 first answer is remembered too: the replay is the same 409 even
    // after the clash went away.
    const clash = { first_name: 'Ida', last_name: 'Clash', email };
    const refused = await rejection(h.client.createWorker(ACCOUNT, clash, { idempotencyKey: 'clash-key' }));
    expect(refused).toMatchObject({ code: 'email_taken' });
    await h.client.updateWorker(ACCOUNT, first.id, { email: uniqueEmail() });
    const replayed = await rejection(h.client.createWorker(ACCOUNT, clash, { idempotencyKey: 'clash-key' }));
    expect(replayed).toMatchObject({ status: 409, code: 'email_taken', message: refused.message });
    expect(h.sim.state.workers.size).toBe(before + 1);
  });

  test('find by email (case-insensitive) and by external_ref; filter by status', async () => {
    const email = uniqueEmail();
    const worker = await h.client.createWorker(ACCOUNT, { first_name: 'Ivy', last_name: 'Find', email, external_ref: 'procore:9:user:70' });
    await expect(h.client.findWorkerByEmail(ACCOUNT, email.toUpperCase())).resolves.toEqual(worker);
    await expect(h.client.findWorkerByExternalRef(ACCOUNT, 'procore:9:user:70')).resolves.toEqual(worker);
    await expect(h.client.findWorkerByEmail(ACCOUNT, 'nobody@example.com')).resolves.toBeNull();
    await expect(h.client.findWorkerByExternalRef(ACCOUNT, 'procore:9:user:71')).resolves.toBeNull();

    await h.client.blockWorker(ACCOUNT, (await workerIn('active')).id);
    const blocked = await h.client.listWorkers(ACCOUNT, { status: 'blocked' });
    expect(blocked.total).toBeGreaterThan(0);
    expect(blocked.data.every((w) => w.status === 'blocked')).toBe(true);
    const everyone = [];
    for await (const page of h.client.workerPages(ACCOUNT)) everyone.push(...page.data);
    expect(everyone.length).toBe([...h.sim.state.workers.values()].filter((w) => w.account_id === ACCOUNT).length);
  });

  test('a missing worker is a typed not-found', async () => {
    await expect(h.client.getWorker(ACCOUNT, 'wkr_missing')).rejects.toBeInstanceOf(CorfixNotFoundError);
    await expect(h.client.blockWorker(ACCOUNT, 'wkr_missing')).rejects.toBeInstanceOf(CorfixNotFoundError);
  });
});

describe('the worker status machine', () => {
  const legal: Array<[WorkerStatus, 'activate' | 'block' | 'unblock', WorkerStatus, boolean?]> = [
    ['pending_account_activation', 'activate', 'pending_email_verification'],
    ['pending_account_activation', 'activate', 'active_for_kiosk', false],
    ['active', 'block', 'blocked'],
    ['active_for_kiosk', 'block', 'blocked'],
    ['pending_email_verification', 'block', 'blocked'],
  ];
  test.each(legal)('%s --%s--> %s', async (from, transition, to, withEmail = true) => {
    const worker = await workerIn(from, withEmail);
    expect(worker.status).toBe(from);
    const call = { activate: h.client.activateWorker, block: h.client.blockWorker, unblock: h.client.unblockWorker }[transition];
    const moved = await call.call(h.client, ACCOUNT, worker.id);
    expect(moved.status).toBe(to);
  });

  test.each(['active', 'active_for_kiosk', 'pending_email_verification'] as WorkerStatus[])(
    'unblock returns a worker blocked from %s to that status',
    async (from) => {
      const worker = await workerIn(from);
      await h.client.blockWorker(ACCOUNT, worker.id);
      await expect(h.client.unblockWorker(ACCOUNT, worker.id)).resolves.toMatchObject({ status: from });
    },
  );

  test('pending_email_verification -> active when the worker verifies (admin)', async () => {
    const worker = await workerIn('pending_email_verification');
    const verified = await h.admin('POST', `/accounts/${ACCOUNT}/workers/${worker.id}/verify-email`);
    expect(verified.body.status).toBe('active');
    const again = await h.admin('POST', `/accounts/${ACCOUNT}/workers/${worker.id}/verify-email`);
    expect(again.status).toBe(422);
  });

  const illegal: Array<[WorkerStatus, 'activate' | 'block' | 'unblock', boolean]> = [
    ['pending_account_activation', 'block', false],
    ['pending_account_activation', 'unblock', true],
    ['pending_email_verification', 'activate', true],
    ['pending_email_verification', 'unblock', true],
    ['active', 'activate', true],
    ['active', 'unblock', true],
    ['active_for_kiosk', 'activate', true],
    ['active_for_kiosk', 'unblock', true],
    ['blocked', 'block', true],
    ['blocked', 'activate', false],
  ];
  test.each(illegal)('%s --%s--> 422 illegal_transition (already there: %s)', async (from, transition, already) => {
    const worker = await workerIn(from);
    const call = { activate: h.client.activateWorker, block: h.client.blockWorker, unblock: h.client.unblockWorker }[transition];
    const err = await rejection(call.call(h.client, ACCOUNT, worker.id));
    expect(err).toBeInstanceOf(CorfixIllegalTransitionError);
    expect(err).toBeInstanceOf(CorfixRequestRejectedError);
    expect(err).toMatchObject({ status: 422, code: 'illegal_transition', currentStatus: from, alreadyInTargetState: already });
    expect(err.worker).toMatchObject({ id: worker.id, status: from });
    await expect(h.client.getWorker(ACCOUNT, worker.id)).resolves.toMatchObject({ status: from });
  });

  test('a block whose first attempt met a 5xx is repeated by the client and lands once', async () => {
    const worker = await workerIn('active');
    const route = 'POST /v1/accounts/:account_id/workers/:worker_id/block';
    const seed = seedHittingOnceThenMissing(0.5, SeededRandom);
    await h.admin('DELETE', '/requests');
    await h.admin('PUT', '/faults', { seed, faults: [{ route, errors: [{ status: 502, rate: 0.5 }] }] });
    try {
      await expect(h.client.blockWorker(ACCOUNT, worker.id)).resolves.toMatchObject({ status: 'blocked' });
    } finally {
      await h.admin('DELETE', '/faults');
    }
    const counts = (await h.admin('GET', '/requests')).body.routes[route];
    expect(counts.by_status).toEqual({ '200': 1, '502': 1 });
  });

  test('seeded pre-existing workers keep the status they were given, blocked ones their earlier status', async () => {
    const seeded = await h.admin('POST', `/accounts/${ACCOUNT}/workers`, {
      first_name: 'Old',
      last_name: 'Timer',
      email: uniqueEmail(),
      status: 'blocked',
      status_before_block: 'active_for_kiosk',
    });
    expect(seeded.status).toBe(201);
    await expect(h.client.unblockWorker(ACCOUNT, seeded.body.id)).resolves.toMatchObject({ status: 'active_for_kiosk' });
  });

  test('every response seen validates against corfix-api.yaml', () => {
    expect(h.records.length).toBeGreaterThan(50);
    expect(ContractValidator.load().checkAll(h.records)).toEqual([]);
  });
});
