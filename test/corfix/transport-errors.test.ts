// How the client classifies what goes wrong on the wire: rate limits with the
// server's delay, 5xx and dropped connections retried a little then
// UnavailableError, creates without a key never repeated, and bodies that
// break the contract as InvalidResponseError naming the field.
import Fastify, { type FastifyInstance } from 'fastify';
import { CorfixClient } from '../../src/corfix/client.js';
import { parseRetryAfter } from '../../src/corfix/transport.js';
import { InvalidResponseError, RateLimitedError, UnavailableError } from '../../src/http/errors.js';
import { SeededRandom } from '../../src/simulators/common/random.js';
import { ACCOUNT, ContractValidator, TOKEN, seedHittingOnceThenMissing, startHarness, type Harness } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});
afterEach(async () => {
  await h.admin('DELETE', '/faults');
  await h.admin('DELETE', '/rate-limit');
  await h.admin('DELETE', '/requests');
});

const ACCOUNT_ROUTE = 'GET /v1/accounts/:account_id';
const CREATE_WORKER_ROUTE = 'POST /v1/accounts/:account_id/workers';

async function counts(route: string): Promise<{ total: number; by_status: Record<string, number>; dropped: number }> {
  return (await h.admin('GET', '/requests')).body.routes[route] ?? { total: 0, by_status: {}, dropped: 0, stalled: 0 };
}

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to be rejected');
}

describe('rate limits', () => {
  test('429 becomes RateLimitedError with the Retry-After delay, not retried', async () => {
    await h.admin('PUT', '/rate-limit', { limit: 2, window_seconds: 7 });
    await h.client.getAccount(ACCOUNT);
    await h.client.getAccount(ACCOUNT);
    const err = await rejection(h.client.getAccount(ACCOUNT));
    expect(err).toBeInstanceOf(RateLimitedError);
    const sent = h.records.at(-1);
    expect(sent?.status).toBe(429);
    const header = Number(sent?.headers['retry-after']);
    expect(header).toBeGreaterThanOrEqual(1);
    expect(header).toBeLessThanOrEqual(7);
    expect(err).toMatchObject({ status: 429, retryable: true, retryAfterMs: header * 1000 });
    expect((await counts(ACCOUNT_ROUTE)).by_status).toEqual({ '200': 2, '429': 1 });
  });

  test('503 with Retry-After is a rate limit too', async () => {
    await h.admin('PUT', '/faults', { faults: [{ route: ACCOUNT_ROUTE, errors: [{ status: 503, rate: 1, retry_after: 12 }] }] });
    const err = await rejection(h.client.getAccount(ACCOUNT));
    expect(err).toBeInstanceOf(RateLimitedError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 12_000 });
    expect((await counts(ACCOUNT_ROUTE)).total).toBe(1);
  });

  test('Retry-After as an HTTP date', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('5', now)).toBe(5_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('5xx and network errors', () => {
  test('a GET meeting 5xx is tried three times, then UnavailableError', async () => {
    await h.admin('PUT', '/faults', { faults: [{ route: ACCOUNT_ROUTE, errors: [{ status: 500, rate: 1 }] }] });
    const err = await rejection(h.client.getAccount(ACCOUNT));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err).toMatchObject({ api: 'Corfix', status: 500, retryable: true, operation: `GET /v1/accounts/${ACCOUNT}` });
    expect((await counts(ACCOUNT_ROUTE)).by_status).toEqual({ '500': 3 });
  });

  test('one 5xx then success: the caller sees only the success', async () => {
    const seed = seedHittingOnceThenMissing(0.5, SeededRandom);
    await h.admin('PUT', '/faults', { seed, faults: [{ route: ACCOUNT_ROUTE, errors: [{ status: 503, rate: 0.5 }] }] });
    await expect(h.client.getAccount(ACCOUNT)).resolves.toMatchObject({ id: ACCOUNT });
    expect((await counts(ACCOUNT_ROUTE)).by_status).toEqual({ '200': 1, '503': 1 });
  });

  test('a create without Idempotency-Key is never repeated; with one it is', async () => {
    await h.admin('PUT', '/faults', { faults: [{ route: CREATE_WORKER_ROUTE, errors: [{ status: 500, rate: 1 }] }] });
    const before = h.sim.state.workers.size;
    await expect(h.client.createWorker(ACCOUNT, { first_name: 'No', last_name: 'Key' })).rejects.toBeInstanceOf(UnavailableError);
    expect((await counts(CREATE_WORKER_ROUTE)).total).toBe(1);

    await h.admin('DELETE', '/requests');
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'With', last_name: 'Key' }, { idempotencyKey: 'k-5xx' }),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect((await counts(CREATE_WORKER_ROUTE)).total).toBe(3);
    expect(h.sim.state.workers.size).toBe(before);

    // A 5xx was not remembered against the key: the same key now creates.
    await h.admin('DELETE', '/faults');
    await expect(
      h.client.createWorker(ACCOUNT, { first_name: 'With', last_name: 'Key' }, { idempotencyKey: 'k-5xx' }),
    ).resolves.toMatchObject({ first_name: 'With' });
    expect(h.sim.state.workers.size).toBe(before + 1);
  });

  test('a PATCH meeting 5xx is repeated', async () => {
    const project = await h.client.createProject(ACCOUNT, { name: 'Patchy', status: 'active' });
    const route = 'PATCH /v1/accounts/:account_id/projects/:project_id';
    await h.admin('PUT', '/faults', { faults: [{ route, errors: [{ status: 504, rate: 1 }] }] });
    await expect(h.client.updateProject(ACCOUNT, project.id, { status: 'completed' })).rejects.toBeInstanceOf(UnavailableError);
    expect((await counts(route)).by_status).toEqual({ '504': 3 });
  });

  test('dropped connections are repeated, then UnavailableError naming the network error', async () => {
    await h.admin('PUT', '/faults', { faults: [{ route: ACCOUNT_ROUTE, drop_rate: 1 }] });
    const err = await rejection(h.client.getAccount(ACCOUNT));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/network error/);
    expect((await counts(ACCOUNT_ROUTE)).dropped).toBe(3);
  });

  test('nobody listening is UnavailableError, and retries are logged without the token', async () => {
    const logged: Array<{ obj: object; msg: string }> = [];
    const logger = { debug: () => undefined, warn: (obj: object, msg: string) => logged.push({ obj, msg }) };
    const closed = Fastify();
    await closed.listen({ port: 0, host: '127.0.0.1' });
    const port = (closed.server.address() as { port: number }).port;
    await closed.close();
    const client = new CorfixClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: TOKEN,
      logger,
      retry: { attempts: 2, baseDelayMs: 1 },
    });
    const err = await rejection(client.getAccount(ACCOUNT));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toContain(TOKEN);
    expect(err.message).not.toContain(TOKEN);
  });
});

describe('bodies that break the contract', () => {
  let fake: FastifyInstance;
  let client: CorfixClient;
  beforeAll(async () => {
    fake = Fastify();
    fake.get('/v1/accounts/:account_id', async () => ({ id: 'acc_main' }));
    fake.get('/v1/accounts/:account_id/workers', async () => ({
      data: [{ id: 'wkr_1', account_id: 'acc_main', first_name: 'A', last_name: 'B', status: 'asleep', created_at: 'x', updated_at: 'y' }],
      page: 1,
      per_page: 500,
      total: 1,
    }));
    fake.get('/v1/accounts/:account_id/projects/:id', async (_req, reply) => reply.type('text/html').send('<html>oops</html>'));
    fake.get('/v1/accounts/:account_id/forms/:id/pdf', async (req, reply) => {
      if ((req.params as { id: string }).id === 'no-header') return reply.type('application/pdf').send(Buffer.from('%PDF-1.7'));
      return reply.type('application/json').send({ not: 'a pdf' });
    });
    await fake.listen({ port: 0, host: '127.0.0.1' });
    client = new CorfixClient({
      baseUrl: `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`,
      token: TOKEN,
      retry: { attempts: 1 },
    });
  });
  afterAll(async () => {
    await fake.close();
  });

  test('a missing field is named', async () => {
    const err = await rejection(client.getAccount('acc_main'));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err).toMatchObject({ retryable: false, status: 200 });
    expect(err.message).toMatch(/`name`/);
  });

  test('a bad field inside a list is named with its position', async () => {
    const err = await rejection(client.listWorkers('acc_main'));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.message).toMatch(/`data\[0\]\.status`/);
    expect(err.message).toMatch(/`data\[0\]\.created_at`/);
  });

  test('a body that is not JSON', async () => {
    const err = await rejection(client.getProject('acc_main', 'prj_1'));
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.message).toMatch(/not JSON/);
  });

  test('a PDF answer without PDF content type or without the revision header', async () => {
    await expect(client.getFormPdf('acc_main', 'json')).rejects.toThrow(/Content-Type/);
    await expect(client.getFormPdf('acc_main', 'no-header')).rejects.toThrow(/Corfix-Form-Revision/);
  });
});

describe('the contract', () => {
  test('every simulator response seen validates against corfix-api.yaml', () => {
    expect(h.records.length).toBeGreaterThan(15);
    expect(ContractValidator.load().checkAll(h.records)).toEqual([]);
  });
});

describe('refusals', () => {
  let fake: FastifyInstance;
  let baseUrl: string;
  beforeAll(async () => {
    fake = Fastify();
    fake.get('/v1/accounts/:account_id', async (_req, reply) =>
      reply.code(401).send({ error: { code: 'unauthorized', message: 'token revoked by ann@example.com' } }),
    );
    fake.get('/v1/accounts/:account_id/workers', async (_req, reply) =>
      reply.code(403).send({ error: { code: 'forbidden', message: 'ann@example.com may not read workers of this account' } }),
    );
    await fake.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(fake.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await fake.close();
  });

  test('401 (the token rotated) is retryable on a slow schedule, and names the credential', async () => {
    const client = new CorfixClient({ baseUrl, token: TOKEN, retry: { attempts: 1 } });
    const err = await rejection(client.getAccount('acc_main'));
    expect(err).toMatchObject({ status: 401, retryable: true, retryAfterMs: 300_000, code: 'unauthorized' });
    expect(err.message).toBe(
      'Corfix refused GET /v1/accounts/acc_main (401): the service\'s API token was refused (CORFIX_API_TOKEN is wrong or was rotated); retrying every 5 minutes',
    );
  });

  test("the server's own message (it can echo an email) stays out of the error and out of the log: status and code go to the warn log", async () => {
    const logged: Array<{ obj: object; msg: string }> = [];
    const logger = { debug: () => undefined, warn: (obj: object, msg: string) => logged.push({ obj, msg }) };
    const client = new CorfixClient({ baseUrl, token: TOKEN, logger, retry: { attempts: 1 } });
    const err = await rejection(client.listWorkers('acc_main'));
    expect(err).toMatchObject({ status: 403, retryable: false, code: 'forbidden' });
    expect(err.message).not.toContain('@');
    expect(err.message).toContain('403');
    expect(logged).toEqual([
      expect.objectContaining({ obj: expect.objectContaining({ operation: 'GET /v1/accounts/acc_main/workers', status: 403 }) }),
    ]);
    expect(JSON.stringify(logged)).not.toContain('@');
    expect(logged[0]?.obj).toMatchObject({ code: 'forbidden' });
  });
});
