// Each typed error, raised once from a real answer: most from the simulator,
// the ones that need an exact or broken answer from a tiny stand-in server.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import {
  AccessDeniedError,
  AppNotConnectedError,
  InvalidResponseError,
  RateLimitedError,
  RequestRejectedError,
  UnavailableError,
} from '../../src/http/errors.js';
import type { z } from 'zod';
import { ProcoreClient } from '../../src/procore/client.js';
import { describeIssues, uploadSchema } from '../../src/procore/schemas.js';
import type { RatePacer } from '../../src/procore/pacing.js';
import { countsFor, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.stop();
});
afterEach(() => {
  h.sim.faults.clearFaults();
  h.sim.faults.resetCounts();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('from the simulator', () => {
  test('429 with Retry-After -> RateLimitedError carrying that delay', async () => {
    h.sim.faults.setFaults([{ route: 'GET /rest/v1.0/me', errors: [{ status: 429, rate: 1, retry_after: 7 }] }]);
    const error = await failure(h.client().me());
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 7000, retryable: true, operation: 'GET /rest/v1.0/me' });
  });

  test('429 from the rate limiter itself, without Retry-After -> delay until X-Rate-Limit-Reset', async () => {
    const noPacing: RatePacer = { acquire: async () => ({ release: () => undefined }) };
    h.sim.rateLimits.configure({
      hourly: { limit: 10_000, window_seconds: 3600 },
      spike: { limit: 2, window_seconds: 600 },
      retry_after_rate: 0,
    });
    try {
      const client = h.client({ pacer: noPacing });
      await client.me();
      await client.me();
      const error = await failure(client.me());
      const probe = await fetch(`${h.sim.url}/rest/v1.0/me`, { headers: { 'procore-company-id': String(h.company.id) } });
      expect(probe.headers.get('retry-after')).toBeNull();
      const untilReset = Number(probe.headers.get('x-rate-limit-reset')) * 1000 - Date.now();
      expect(error).toBeInstanceOf(RateLimitedError);
      const delay = (error as RateLimitedError).retryAfterMs;
      expect(Math.abs(delay - untilReset)).toBeLessThan(1500);
      expect(delay).toBeGreaterThanOrEqual(1000);
    } finally {
      h.sim.rateLimits.configure({
        hourly: { limit: 3600, window_seconds: 3600 },
        spike: { limit: 100, window_seconds: 10 },
        retry_after_rate: 0.5,
      });
    }
  });

  test('503 with Retry-After -> RateLimitedError', async () => {
    h.sim.faults.setFaults([{ route: 'GET /rest/v1.0/me', errors: [{ status: 503, rate: 1, retry_after: 30 }] }]);
    const error = await failure(h.client().me());
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ status: 503, retryAfterMs: 30_000 });
    expect(countsFor(h.sim, 'GET /rest/v1.0/me').total).toBe(1);
  });

  test('a read failing with 5xx every time is tried a few times, then UnavailableError', async () => {
    h.sim.faults.setFaults([{ route: 'GET /rest/v1.0/companies', errors: [{ status: 502, rate: 1 }] }]);
    const error = await failure(h.client({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } }).listCompanies());
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(countsFor(h.sim, 'GET /rest/v1.0/companies').total).toBe(3);
  });

  test('a create whose connection drops is not repeated: UnavailableError after one request', async () => {
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Drop' }]);
    h.sim.faults.setFaults([{ route: 'POST /rest/v1.0/folders', drop_rate: 1 }]);
    const error = await failure(h.client().createFolder(String(project!.id), { name: 'Corfix Forms' }));
    expect(error).toBeInstanceOf(UnavailableError);
    expect(countsFor(h.sim, 'POST /rest/v1.0/folders')).toMatchObject({ total: 1, dropped: 1 });
  });

  test('creates answered 500 are not repeated either (upload, file, version, hook)', async () => {
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Five hundred' }]);
    const projectId = String(project!.id);
    const client = h.client();
    const uuid = await client.uploadContent(projectId, { filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('a') });
    const root = await client.rootFolder(projectId);
    const file = await client.createFile(projectId, { parentId: root.id, name: 'a.pdf', uploadUuid: uuid });
    h.sim.faults.setFaults([{ route: '*', errors: [{ status: 500, rate: 1 }] }]);
    h.sim.faults.resetCounts();
    const calls = [
      client.createUpload(projectId, { filename: 'b.pdf', contentType: 'application/pdf' }),
      client.createFile(projectId, { parentId: root.id, name: 'b.pdf', uploadUuid: uuid }),
      client.addFileVersion(projectId, file.id, uuid),
      client.createHook({ namespace: 'n', destinationUrl: 'https://example.com/hook', authorization: 'Bearer x' }),
    ];
    for (const call of calls) expect(await failure(call)).toBeInstanceOf(UnavailableError);
    expect(h.sim.faults.totalRequests()).toBe(4);
  });

  test('403 "App is not connected to this company" -> AppNotConnectedError', async () => {
    h.sim.state.setAppInstalled(h.company.id, false);
    try {
      const error = await failure(h.client().activeUsersPage({}, 1));
      expect(error).toBeInstanceOf(AppNotConnectedError);
      expect(error).toMatchObject({ status: 403, companyId: String(h.company.id), retryable: false });
    } finally {
      h.sim.state.setAppInstalled(h.company.id, true);
    }
  });

  test('another 403 on the users list -> a retryable refusal naming the Directory permission, retried every 5 minutes', async () => {
    h.sim.faults.setFaults([{ route: 'GET /rest/v1.3/companies/:company_id/users', errors: [{ status: 403, rate: 1 }] }]);
    const error = await failure(h.client().activeUsersPage({}, 1));
    expect(error).toMatchObject({ status: 403, retryable: true, retryAfterMs: 300_000 });
    expect((error as Error).message).toBe(
      `Procore refused GET /rest/v1.3/companies/${h.company.id}/users (403): the app's service account needs the Directory tool's read permission in this company; retrying every 5 minutes`,
    );
  });

  test('a 404 on a list the app should see -> a retryable refusal naming the list', async () => {
    h.sim.faults.setFaults([{ route: 'GET /rest/v1.0/companies/:company_id/users/inactive', errors: [{ status: 404, rate: 1 }] }]);
    const error = await failure(h.client().inactiveUsersPage(1));
    expect(error).toMatchObject({ status: 404, retryable: true, retryAfterMs: 300_000 });
    expect((error as Error).message).toMatch(/\(404\): .*Directory tool's read permission.*retrying every 5 minutes$/);
  });

  test('a wrong client secret -> a retryable refusal naming the credentials, without repeating the token request, without the secret in the message', async () => {
    const error = await failure(h.client({ clientSecret: 'not-the-secret' }).me());
    expect(error).toMatchObject({ status: 401, retryable: true, retryAfterMs: 300_000 });
    expect((error as Error).message).toMatch(/^Procore refused POST \/oauth\/token \(401\): .*PROCORE_CLIENT_SECRET.*retrying every 5 minutes$/);
    expect(String((error as Error).message)).not.toContain('not-the-secret');
    expect(countsFor(h.sim, 'POST /oauth/token').by_status).toEqual({ '401': 1 });
    expect(countsFor(h.sim, 'GET /rest/v1.0/me').total).toBe(0);
  });

  test('404 -> RequestRejectedError with the status on it', async () => {
    const error = await failure(h.client().getProject('999999999999'));
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ status: 404, retryable: false, operation: 'GET /rest/v1.0/projects/999999999999' });
  });

  test('storage refusing an upload (a field changed) -> RequestRejectedError with the storage code', async () => {
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Storage' }]);
    const client = h.client();
    const upload = await client.createUpload(String(project!.id), { filename: 'a.pdf', contentType: 'application/pdf' });
    const tampered = { ...upload, fields: { ...upload.fields, policy: 'changed' } };
    const error = await failure(client.sendToStorage(tampered, { filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('a') }));
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied', operation: 'POST upload storage' });
  });

  test('a file deleted in Procore -> RequestRejectedError 404', async () => {
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Deleted file' }]);
    const projectId = String(project!.id);
    const client = h.client();
    const uuid = await client.uploadContent(projectId, { filename: 'a.pdf', contentType: 'application/pdf', data: Buffer.from('a') });
    const file = await client.createFile(projectId, { parentId: (await client.rootFolder(projectId)).id, name: 'a.pdf', uploadUuid: uuid });
    h.sim.state.deleteFile(Number(file.id));
    expect(await failure(client.getFile(projectId, file.id))).toMatchObject({ name: 'RequestRejectedError', status: 404 });
  });

  test('an injected 422 on a create -> RequestRejectedError (not retried)', async () => {
    h.sim.faults.setFaults([{ route: 'POST /rest/v1.0/webhooks/hooks', errors: [{ status: 422, rate: 1 }] }]);
    const error = await failure(
      h.client().createHook({ namespace: 'n', destinationUrl: 'https://example.com/hook', authorization: 'Bearer x' }),
    );
    expect(error).toBeInstanceOf(RequestRejectedError);
    expect(error).toMatchObject({ status: 422 });
    expect(countsFor(h.sim, 'POST /rest/v1.0/webhooks/hooks').total).toBe(1);
  });
});

describe('from a stand-in server with exact or broken answers', () => {
  let server: FastifyInstance;
  let url: string;
  let answer: (reply: FastifyReply) => unknown;
  let tokenRequests = 0;
  let apiRequests = 0;

  beforeAll(async () => {
    server = Fastify();
    server.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, b, done) => done(null, b));
    server.post('/oauth/token', async () => {
      tokenRequests += 1;
      return { access_token: `t${tokenRequests}`, token_type: 'bearer', expires_in: 5400, created_at: 0 };
    });
    server.get('/rest/v1.0/me', async (_request, reply) => {
      apiRequests += 1;
      return answer(reply);
    });
    server.get('/rest/v1.0/companies/42/users/inactive', async (_request, reply) => {
      apiRequests += 1;
      return answer(reply);
    });
    url = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    tokenRequests = 0;
    apiRequests = 0;
  });

  const client = () =>
    new ProcoreClient({ apiBaseUrl: url, authBaseUrl: url, clientId: 'c', clientSecret: 's', companyId: '42', retry: { baseDelayMs: 5 } });
  const raw = (body: string) => (reply: FastifyReply) => reply.type('application/json').send(body);

  test('429 without Retry-After: the delay runs to X-Rate-Limit-Reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 42;
    answer = (reply) =>
      reply
        .code(429)
        .headers({ 'x-rate-limit-limit': '25', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) })
        .send({ errors: 'Too Many Requests' });
    const error = (await failure(client().me())) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.retryAfterMs).toBeGreaterThan(40_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(42_000);
  });

  test('429 with neither header waits at least a second', async () => {
    answer = (reply) => reply.code(429).send({});
    expect(await failure(client().me())).toMatchObject({ retryAfterMs: 1000 });
  });

  test('an id above 2^53 sent as a JSON number -> InvalidResponseError naming the field', async () => {
    answer = raw('{"id": 9007199254740993, "login": "a", "name": "b"}');
    const error = await failure(client().me());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/\bid: .*2\^53/);
  });

  test('an id above 2^32 as a digit string is kept exactly', async () => {
    answer = raw('{"id": "90071992547409931", "login": "a", "name": "b"}');
    expect((await client().me()).id).toBe('90071992547409931');
  });

  test('a missing field -> InvalidResponseError naming it', async () => {
    answer = raw('{"id": 5, "name": "b"}');
    const error = await failure(client().me());
    expect(error).toBeInstanceOf(InvalidResponseError);
    expect((error as Error).message).toMatch(/login/);
  });

  test('a body that is not JSON -> InvalidResponseError', async () => {
    answer = (reply) => reply.type('text/html').send('<html>maintenance</html>');
    expect(await failure(client().me())).toBeInstanceOf(InvalidResponseError);
  });

  test('a list page is read record by record: an unreadable record is set aside with its id and field, the others come through', async () => {
    const user = (id: unknown, changes: Record<string, unknown> = {}) => ({
      id,
      first_name: 'A',
      last_name: 'B',
      email_address: null,
      mobile_phone: null,
      business_phone: null,
      employee_id: null,
      is_employee: true,
      is_active: false,
      updated_at: '2026-01-01T00:00:00Z',
      ...changes,
    });
    const body = [user(1), user(2, { is_active: 'no' }), user('x'), user('99999999999999999999'), user(5)];
    answer = (reply) => reply.header('total', '5').send(body);
    const page = await client().inactiveUsersPage(1);
    expect(page.items.map((u) => u.id)).toEqual(['1', '5']);
    expect(page.unreadable).toEqual([
      { index: 1, id: '2', field: 'is_active', problem: expect.stringMatching(/boolean/) },
      { index: 2, id: null, field: 'id', problem: 'expected an id (a whole number or a digit string)' },
      { index: 3, id: null, field: 'id', problem: 'is an id beyond 2^63 - 1' },
    ]);
    expect(page).toMatchObject({ total: 5, hasNext: false });
  });

  test('401 even with a fresh token -> AccessDeniedError after exactly one new token', async () => {
    answer = (reply) => reply.code(401).send({ errors: 'The access token is invalid' });
    const error = await failure(client().me());
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error).toMatchObject({ status: 401 });
    expect(tokenRequests).toBe(2);
    expect(apiRequests).toBe(2);
  });

  test("Procore's own words (they can echo an email) stay out of the error and the log: the fields it names go to the warn log", async () => {
    answer = (reply) => reply.code(422).send({ errors: { email_address: ['ann@example.com has already been taken'] } });
    const logged: object[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: (fields: object) => logged.push(fields) };
    const error = await failure(
      new ProcoreClient({ apiBaseUrl: url, authBaseUrl: url, clientId: 'c', clientSecret: 's', companyId: '42', logger }).me(),
    );
    expect(error).toMatchObject({ name: 'RequestRejectedError', status: 422, retryable: false });
    expect((error as Error).message).toContain('422');
    expect((error as Error).message).not.toContain('@');
    expect(logged).toEqual([{ operation: 'GET /rest/v1.0/me', status: 422, fields: ['email_address'] }]);
  });

  test('a body that breaks the contract is described without the values it holds', () => {
    const parsed = uploadSchema.safeParse({ uuid: 'u', url: 'https://storage.example/x', fields: { 'ann@example.com': 1 } });
    expect(parsed.success).toBe(false);
    const text = describeIssues((parsed as { error: z.ZodError }).error);
    expect(text).toMatch(/^fields\./);
    expect(text).not.toContain('@');
  });

  test('a 403 worded differently about the app still reads as not connected', async () => {
    answer = (reply) => reply.code(403).send({ errors: 'The app is not installed in this company.' });
    expect(await failure(client().me())).toBeInstanceOf(AppNotConnectedError);
  });
});
