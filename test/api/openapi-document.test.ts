// The OpenAPI document (GET /openapi.json) says what the API answers, so that
// a generic client or fuzzer (npm run fuzz:api, schemathesis) can hold every
// answer against it. Each test here is a mismatch schemathesis found: the
// statuses every route can answer (401 without credentials, 400 for a bad
// parameter), the routes without an API token, a redirect without a body, a
// body the schema must say cannot be empty, patterns any regex engine can
// use, the links its stateful phase walks, and 405 for a method a documented
// path does not serve.
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

let t: TestDatabase;
let temporal: TestTemporal;
let app: FastifyInstance;
const logger = createLogger('silent', 'test');
const apiToken = 'openapi-test-token-0123456789';

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; schema: { pattern?: string } }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown>; links?: Record<string, { operationId: string; parameters?: Record<string, string>; requestBody?: unknown }> }>;
}
let spec: { security: Array<Record<string, string[]>>; components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, Operation>> };
const operations = () =>
  Object.entries(spec.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op, name: `${method.toUpperCase()} ${path}` })));
const securityOf = (op: Operation) => op.security ?? spec.security;

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  app = await buildApi({
    db: t.db,
    temporal: temporal.client,
    taskQueue: 'q',
    logger,
    clients: createExternalApiClients(unreachableClientSettings, logger),
    apiToken,
    procoreWebhooks: { secret: 'openapi-test-procore-webhook-secret' },
    corfixWebhookSecret: 'openapi-test-corfix-webhook-secret',
    signin: {
      stateSecret: 'openapi-test-state-secret-0123456789abcdef',
      returnUrl: 'https://corfix.test/settings/procore',
      procore: { apiBaseUrl: 'http://127.0.0.1:9', authBaseUrl: 'http://127.0.0.1:9', clientId: 'id', clientSecret: 'secret', redirectUri: 'http://integration.test/v1/oauth/procore/callback' },
    },
  });
  spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => {
  await app?.close();
  await temporal?.close();
  await t?.drop();
});

test('every route is in the document, with an operation id of its own', () => {
  expect(operations().map((o) => o.name).sort()).toEqual(
    [
      'GET /',
      'GET /health',
      'GET /status/{corfix_account_id}',
      'GET /status/previews/{preview_id}',
      'GET /v1/previews/{preview_id}',
      'GET /v1/previews/{preview_id}/outcomes',
      'GET /v1/integrations/{corfix_account_id}',
      'GET /v1/integrations/{corfix_account_id}/previews',
      'GET /v1/integrations/{corfix_account_id}/forms/{form_id}',
      'GET /v1/integrations/{corfix_account_id}/outcomes',
      'GET /v1/oauth/procore/callback',
      'PATCH /v1/integrations/{corfix_account_id}',
      'DELETE /v1/integrations/{corfix_account_id}',
      'POST /v1/integrations',
      'POST /v1/integrations/authorizations',
      'POST /v1/integrations/preview',
      'POST /v1/integrations/{corfix_account_id}/forms/{form_id}/retry',
      'POST /v1/integrations/{corfix_account_id}/pause',
      'POST /v1/integrations/{corfix_account_id}/resume',
      'POST /v1/integrations/{corfix_account_id}/resync',
      'POST /webhooks/corfix',
      'POST /webhooks/procore',
    ].sort(),
  );
  const ids = operations().map((o) => o.op.operationId);
  expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

test('every route behind credentials documents its 401; the open ones say they need none', () => {
  for (const { name, op } of operations()) {
    const security = securityOf(op);
    if (security.length === 0) continue;
    expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['401'])]);
  }
  const open = operations().filter((o) => securityOf(o.op).length === 0).map((o) => o.name).sort();
  expect(open).toEqual(['GET /health', 'GET /v1/oauth/procore/callback', 'POST /webhooks/corfix'].sort());
});

test("the Procore webhook names its own secret, not the API token's scheme", () => {
  const op = spec.paths['/webhooks/procore']!['post']!;
  expect(op.security).toEqual([{ procoreWebhook: [] }]);
  expect(spec.components.securitySchemes['procoreWebhook']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
});

test('/health documents its 503 (a part unreachable)', () => {
  expect(Object.keys(spec.paths['/health']!['get']!.responses).sort()).toEqual(['200', '503']);
});

test('every route with a parameter or a body documents the 400 that names a bad one', () => {
  for (const { name, op } of operations()) {
    if (name === 'GET /v1/oauth/procore/callback') continue; // a bad callback still ends in its 303
    if ((op.parameters ?? []).length === 0 && !op.requestBody) continue;
    expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(['400'])]);
  }
});

test('every route that reads a body documents 413, and 415 unless it takes any content type as bytes', () => {
  for (const { name, method, op } of operations()) {
    if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
    const expected = name === 'POST /webhooks/corfix' ? ['400', '413'] : ['400', '413', '415'];
    expect([name, Object.keys(op.responses)]).toEqual([name, expect.arrayContaining(expected)]);
  }
  expect(Object.keys(spec.paths['/webhooks/corfix']!['post']!.responses)).not.toContain('415');
});

test('a redirect has no body', () => {
  expect(spec.paths['/v1/oauth/procore/callback']!['get']!.responses['303']!.content).toBeUndefined();
});

test('the PATCH body says it needs at least one toggle', () => {
  const body = spec.paths['/v1/integrations/{corfix_account_id}']!['patch']!.requestBody!.content['application/json']!.schema;
  expect(body['minProperties']).toBe(1);
});

test('no pattern needs what only JavaScript regexes have (\\p{...}, surrogates): other engines must read them as written', () => {
  const patterns = JSON.stringify(spec).match(/"pattern":"(?:[^"\\]|\\.)*"/g) ?? [];
  expect(patterns.length).toBeGreaterThan(0);
  for (const pattern of patterns) {
    expect(pattern).not.toMatch(/\\\\[pP]\{/);
    // UTF-8 engines (Rust's regex, which schemathesis validates with) have no surrogate code points
    expect(pattern).not.toMatch(/\\\\ud[89a-f]/i);
  }
});

test('the links lead from an answer to the operations on the same integration or form, and name parameters that exist', () => {
  const byId = new Map(operations().map((o) => [o.op.operationId, o.op]));
  const linked = new Set<string>();
  for (const { name, op } of operations()) {
    for (const response of Object.values(op.responses)) {
      for (const [linkName, link] of Object.entries(response.links ?? {})) {
        const target = byId.get(link.operationId);
        expect([name, linkName, target !== undefined]).toEqual([name, linkName, true]);
        const names = (target?.parameters ?? []).map((p) => p.name);
        for (const parameter of Object.keys(link.parameters ?? {})) expect([name, linkName, names]).toEqual([name, linkName, expect.arrayContaining([parameter])]);
        linked.add(link.operationId);
      }
    }
  }
  // Every operation on one integration or one form can be reached from the connect or the status.
  const onAnIntegration = operations().filter((o) => o.path.startsWith('/v1/integrations/{corfix_account_id}') || o.path === '/status/{corfix_account_id}');
  for (const { op, name } of onAnIntegration) expect([name, linked.has(op.operationId as string)]).toEqual([name, true]);
});

test("the longest sign-in callback the document allows reaches the route (Node's own limit answered 431)", async () => {
  const query = spec.paths['/v1/oauth/procore/callback']!['get']!.parameters!;
  const maxLength = (name: string) => (query.find((p) => p.name === name)?.schema as { maxLength: number }).maxLength;
  // a character of 4 UTF-8 bytes: 12 bytes percent-encoded
  const longest = (name: string) => `${name}=${encodeURIComponent('\u{1D11E}'.repeat(maxLength(name)))}`;
  const url = `/v1/oauth/procore/callback?${['state', 'code', 'error', 'error_description'].map(longest).join('&')}`;
  expect(url.length).toBeGreaterThan(90_000);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const response = await fetch(`${base}${url}`, { redirect: 'manual' });
  expect(response.status).toBe(303);
  expect(response.headers.get('location')).toContain('result=refused');
});

test("an id far beyond 255 characters gets the schema's 400 naming it, not the router's undocumented 414", async () => {
  const response = await app.inject({ method: 'GET', url: `/v1/integrations/${'a'.repeat(5_000)}`, headers: { authorization: `Bearer ${apiToken}` } });
  expect(response.statusCode).toBe(400);
  expect(response.json().error.fields).toEqual([expect.objectContaining({ field: 'corfix_account_id' })]);
});

describe('a documented path answers 405 with Allow to a method it does not serve', () => {
  test.each([
    ['TRACE', '/', 'GET, HEAD'],
    ['DELETE', '/webhooks/procore', 'POST'],
    ['PUT', '/v1/integrations/acc_a', 'DELETE, GET, HEAD, PATCH'],
    ['GET', '/v1/integrations/acc_a/pause', 'POST'],
    ['POST', '/status/acc_a', 'GET, HEAD'],
    // the preview's own paths beside an account's: POST /v1/integrations/preview is also an account's path for the others
    ['PUT', '/v1/integrations/preview', 'DELETE, GET, HEAD, PATCH, POST'],
    ['DELETE', '/v1/previews/00000000-0000-4000-8000-000000000000', 'GET, HEAD'],
  ])('%s %s', async (method, url, allow) => {
    const response = await app.inject({ method: method as 'GET', url });
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe(allow);
    expect(response.json()).toEqual({ error: { code: 'method_not_allowed', message: expect.stringContaining(allow) } });
  });

  test('QUERY (a method with a body) without a Content-Type is 405 too, not a 400 about its body', async () => {
    const response = await app.inject({ method: 'QUERY' as 'GET', url: '/status/acc_a' });
    expect(response.statusCode).toBe(405);
  });

  test('a path no route serves stays 404', async () => {
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/v1/integrations/a/b/c/d' })).statusCode).toBe(404);
  });
});
