// What /v1 refuses before it touches Postgres, Temporal or either API: the
// bearer scheme, Procore company ids beyond Postgres bigint, Corfix account
// ids that would change the Corfix client's path. Both APIs are unreachable
// here, so an input that got past validation could not come back 400.
import { connectBody } from '../../src/api/schemas/integrations.js';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { expectRefused } from '../support/api-answers.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

let t: TestDatabase;
let temporal: TestTemporal;
let app: FastifyInstance;
const logger = createLogger('silent', 'test');
const apiToken = 'input-test-token-0123456789';

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  const clients = createExternalApiClients(unreachableClientSettings, logger);
  app = await buildApi({ db: t.db, temporal: temporal.client, taskQueue: 'q', logger, clients, apiToken });
  await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await app?.close();
  await temporal?.close();
  await t?.drop();
});

const connect = (body: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/v1/integrations', headers: { authorization: `Bearer ${apiToken}` }, payload: body });
const get = (url: string, authorization = `Bearer ${apiToken}`) => app.inject({ method: 'GET', url, headers: { authorization } });

/** A GET whose path reaches the server byte for byte, as `curl --path-as-is` sends it. */
async function getRaw(path: string): Promise<{ statusCode: number; json(): any }> {
  const address = app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: address.port, path, headers: { authorization: `Bearer ${apiToken}` } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the auth scheme is case-insensitive (RFC 7235), the token is not', () => {
  test.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])('%s <token> is let in', async (scheme) => {
    expect((await get('/v1/integrations/acc_never', `${scheme} ${apiToken}`)).statusCode).toBe(404);
  });
  test('the token itself is compared exactly', async () => {
    expect((await get('/v1/integrations/acc_never', `Bearer ${apiToken.toUpperCase()}`)).statusCode).toBe(401);
    expect((await get('/v1/integrations/acc_never', `Bearer ${apiToken} `)).statusCode).toBe(401);
    expect((await get('/v1/integrations/acc_never', `Basic ${apiToken}`)).statusCode).toBe(401);
    expect((await get('/v1/integrations/acc_never', `Bearer${apiToken}`)).statusCode).toBe(401);
    expect((await get('/v1/integrations/acc_never', 'Bearer ')).statusCode).toBe(401);
  });
});

test('during a rotation any of several tokens is let in, each compared exactly, and the direct connect is refused when a sign-in is required', async () => {
  const clients = createExternalApiClients(unreachableClientSettings, logger);
  const rotating = await buildApi({
    db: t.db,
    temporal: temporal.client,
    taskQueue: 'q',
    logger,
    clients,
    apiToken: ['old-token-0123456789', 'new-token-0123456789'],
    requireProcoreSignin: true,
  });
  try {
    const status = (token: string) =>
      rotating.inject({ method: 'GET', url: '/v1/integrations/acc_never', headers: { authorization: `Bearer ${token}` } });
    expect((await status('old-token-0123456789')).statusCode).toBe(404);
    expect((await status('new-token-0123456789')).statusCode).toBe(404);
    for (const wrong of ['old-token-012345678', 'new-token-0123456789,old-token-0123456789', apiToken]) {
      expect((await status(wrong)).statusCode).toBe(401);
    }
    const direct = await rotating.inject({
      method: 'POST',
      url: '/v1/integrations',
      headers: { authorization: 'Bearer new-token-0123456789' },
      payload: { corfix_account_id: 'acc_main', procore_company_id: '4400000001' },
    });
    expect(direct.statusCode).toBe(403);
    expect(direct.json().error.message).toMatch(/CONNECT_REQUIRE_PROCORE_SIGNIN is true/);
    // without the sign-in configured, its routes are not served
    expect((await rotating.inject({ method: 'GET', url: '/v1/oauth/procore/callback?state=x' })).statusCode).toBe(404);
  } finally {
    await rotating.close();
  }
});

describe('procore_company_id stays within Postgres bigint', () => {
  test('the largest bigint passes validation (then fails preflight, not 400)', async () => {
    expect((await connect({ corfix_account_id: 'acc_a', procore_company_id: '9223372036854775807' })).statusCode).not.toBe(400);
  });
  test.each(['9223372036854775808', '9999999999999999999'])('%s is a 400 naming procore_company_id', async (id) => {
    expectRefused(await connect({ corfix_account_id: 'acc_a', procore_company_id: id }), 'procore_company_id');
  });
});

describe('a Corfix account id cannot turn into another path', () => {
  test.each(['.', '..', 'acc/a', '../v1/accounts', 'acc\u0000a', 'acc\na', 'acc?x', 'acc%2Fa'])(
    'connect refuses %j naming corfix_account_id',
    async (id) => {
      expectRefused(await connect({ corfix_account_id: id, procore_company_id: '42' }), 'corfix_account_id');
    },
  );
  // Over a real socket: inject() resolves the URL first, turning %2E%2E into a dot segment.
  test.each(['%2E', '%2E%2E', '..%2Fx', 'acc%0Aa', 'acc%3Fx'])('GET /v1/integrations/%s is a 400 naming corfix_account_id', async (id) => {
    expectRefused(await getRaw(`/v1/integrations/${id}`), 'corfix_account_id');
    expectRefused(await getRaw(`/v1/integrations/${id}/outcomes`), 'corfix_account_id');
  });
  test('ordinary ids pass', async () => {
    expect((await get('/v1/integrations/acc_a')).statusCode).toBe(404);
    expect((await get('/v1/integrations/Acc-1.b_2')).statusCode).toBe(404);
  });
  test('the OpenAPI document carries the account id pattern', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const param = spec.paths['/v1/integrations/{corfix_account_id}'].get.parameters.find(
      (p: { name: string }) => p.name === 'corfix_account_id',
    );
    expect(param.schema.pattern).toBeDefined();
    const body = spec.paths['/v1/integrations'].post.requestBody.content['application/json'].schema;
    expect(body.properties.corfix_account_id.pattern).toBe(param.schema.pattern);
    expect(JSON.stringify(body.properties.procore_company_id)).toContain('9223372036854775807');
  });
});

test('an unknown field is named itself, not the body', async () => {
  const response = await connect({ corfix_account_id: 'acc_unknown', procore_company_id: '4400000001', sync_everything: true });
  expectRefused(response, 'sync_everything');
  expect(response.json().error.message).toMatch(/sync_everything: Unrecognized key/);
});

describe('project_selection: refused naming the field, at connect and in PATCH', () => {
  const patch = (body: Record<string, unknown>) =>
    app.inject({ method: 'PATCH', url: '/v1/integrations/acc_never', headers: { authorization: `Bearer ${apiToken}` }, payload: body });
  const withSelection = (project_selection: unknown) => ({ corfix_account_id: 'acc_sel', procore_company_id: '4400000001', project_selection });
  const ids = (n: number) => Array.from({ length: n }, (_, i) => String(1_000_000 + i));

  const refusals: Array<[string, unknown, string, RegExp]> = [
    ['an unknown mode', { mode: 'some' }, 'project_selection.mode', /'all', 'include' or 'exclude'/],
    ['no mode', { project_ids: ['1'] }, 'project_selection.mode', /'all', 'include' or 'exclude'/],
    ['not an object', 'all', 'project_selection', /object/],
    ['ids that are not digits', { mode: 'include', project_ids: ['12', 'abc'] }, 'project_selection.project_ids.1', /string of digits/],
    ['a negative id', { mode: 'exclude', project_ids: [-5] }, 'project_selection.project_ids.0', /positive|digits/],
    ['an id with a leading zero', { mode: 'exclude', project_ids: ['012'] }, 'project_selection.project_ids.0', /string of digits/],
    ['an id beyond bigint', { mode: 'include', project_ids: ['9223372036854775808'] }, 'project_selection.project_ids.0', /at most 9223372036854775807/],
    ['include with no ids', { mode: 'include', project_ids: [] }, 'project_selection.project_ids', /at least one/],
    ['include without its list', { mode: 'include' }, 'project_selection.project_ids', /required with mode include or exclude/],
    ['exclude with ids that are not a list', { mode: 'exclude', project_ids: '12,13' }, 'project_selection.project_ids', /list of Procore project ids/],
    ['all with ids', { mode: 'all', project_ids: ['12'] }, 'project_selection.project_ids', /Unrecognized key/],
    ['more than 10,000 ids', { mode: 'exclude', project_ids: ids(10_001) }, 'project_selection.project_ids', /at most 10000/],
  ];

  test.each(refusals)('%s', async (_what, selection, field, message) => {
    for (const response of [await connect(withSelection(selection)), await patch({ project_selection: selection })]) {
      expectRefused(response, field);
      expect(response.json().error.message).toMatch(new RegExp(`${field.replaceAll('.', '\\.')}: `));
      expect(response.json().error.message).toMatch(message);
    }
  });

  test('an id as a JSON integer beyond 2^53 is refused naming its place in the list', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/integrations',
      headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
      payload: '{"corfix_account_id":"acc_sel","procore_company_id":"4400000001","project_selection":{"mode":"include","project_ids":["1",9007199254740993]}}',
    });
    expectRefused(response, 'project_selection.project_ids.1');
  });

  test('valid selections pass validation: all, an include list, an exclude list of exactly 10,000 ids (then preflight, or 404 in PATCH)', async () => {
    for (const selection of [{ mode: 'all' }, { mode: 'include', project_ids: ['12', 13] }, { mode: 'exclude', project_ids: ids(10_000) }]) {
      expect((await connect(withSelection(selection))).statusCode).not.toBe(400);
      expect((await patch({ project_selection: selection })).statusCode).toBe(404);
    }
  });

  test('an id listed twice (as a string and as a number) is one id, kept once: the same choice, not a refusal', () => {
    // npm run fuzz:api: the document's uniqueItems tells 12 from "12", so a body it allows was refused.
    const body = connectBody.parse(withSelection({ mode: 'include', project_ids: ['12', '13', 12] }));
    expect(body.project_selection).toEqual({ mode: 'include', project_ids: ['12', '13'] });
  });

  test('PATCH with only project_selection is a change (not the refusal of an empty body)', async () => {
    expect((await patch({ project_selection: { mode: 'all' } })).statusCode).toBe(404);
    const empty = await patch({});
    expectRefused(empty, 'body');
    expect(empty.json().error.message).toMatch(/at least one of .*project_selection/);
  });

  test('the OpenAPI document describes the selection in both bodies and in the status', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const bodyOf = (op: { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }) =>
      op.requestBody.content['application/json']?.schema.properties ?? {};
    for (const body of [bodyOf(spec.paths['/v1/integrations'].post), bodyOf(spec.paths['/v1/integrations/{corfix_account_id}'].patch)]) {
      const text = JSON.stringify(body['project_selection']);
      for (const word of ['"all"', '"include"', '"exclude"', '"project_ids"', '10000']) expect(text).toContain(word);
    }
    const status = spec.paths['/v1/integrations/{corfix_account_id}'].get.responses['200'].content['application/json'].schema;
    expect(JSON.stringify(status)).toContain('project_selection');
  });
});
