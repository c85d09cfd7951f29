// The status page (GET /, GET /status/{account}) against a real Postgres:
// HTTP Basic with an API token as the password (401 and the realm
// otherwise), every integration with its state and last error, one
// integration's progress, failures and recent decisions, links into the
// Web UI, every value HTML-escaped, no person's login, the path parameter
// checked as the /v1 routes check it, and the routes in the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { integrationStatusPath } from '../../src/api/status-page-paths.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { syncStateQuery, webUiIntegrationUrl, webUiListUrl, webUiWorkflowUrl } from '../../src/temporal/web-ui.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
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
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

const TOKENS = ['status-page-token-old-0123456789', 'status-page-token-new-0123456789'];
const WEB_UI = 'http://temporal-ui.test:8233';
const logger = createLogger('silent', 'test');

let t: TestDatabase;
let temporal: TestTemporal;
let app: FastifyInstance;
let withoutWebUi: FastifyInstance;
let seeded: StatusFixtures;

const build = (temporalWebUiUrl?: string) =>
  buildApi({
    db: t.db,
    temporal: temporal.client,
    taskQueue: 'status-page-unused',
    logger,
    clients: createExternalApiClients(unreachableClientSettings, logger),
    apiToken: TOKENS,
    ...(temporalWebUiUrl ? { temporalWebUiUrl } : {}),
  });

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  seeded = await seedStatusIntegrations(t.db, { active: '4400000101', error: '4400000102' });
  [app, withoutWebUi] = await Promise.all([build(WEB_UI), build()]);
});
afterAll(async () => {
  await app?.close();
  await withoutWebUi?.close();
  await temporal?.close();
  await t?.drop();
});

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
/** GET as an operator's browser would (null: without an Authorization header). */
const get = (url: string, authorization: string | null = basic('operator', TOKENS[1] as string), target = app) =>
  target.inject({ method: 'GET', url, headers: authorization === null ? {} : { authorization } });
/** The href of every link on a page, decoded as a browser would read the attribute. */
const hrefs = (body: string) => [...body.matchAll(/href="([^"]*)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&').replaceAll('&quot;', '"'));

describe('access', () => {
  test.each([
    ['no Authorization header', null],
    ['a wrong password', basic('operator', 'not-a-token-of-this-service')],
    ['a token as the user name, no password', basic(TOKENS[0] as string, '')],
    ['the token as a bearer token', `Bearer ${TOKENS[0]}`],
    ['Basic without a colon', `Basic ${Buffer.from(TOKENS[0] as string).toString('base64')}`],
  ])('401 with the realm for %s, on both pages; nothing of an integration in the answer', async (_case, authorization) => {
    for (const url of ['/', integrationStatusPath(ACTIVE_ACCOUNT)]) {
      const response = await get(url, authorization);
      expect(response.statusCode).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Basic realm="corfix-procore status"');
      expect(response.body).not.toContain(ACTIVE_ACCOUNT);
    }
  });

  test('any user name with either API token of a rotation; the scheme in any case', async () => {
    expect((await get('/', basic('', TOKENS[0] as string))).statusCode).toBe(200);
    expect((await get('/', basic('someone', TOKENS[1] as string))).statusCode).toBe(200);
    expect((await get('/', basic('an operator', TOKENS[1] as string).replace('Basic', 'bAsIc'))).statusCode).toBe(200);
  });

  test('a page that holds no script, loads nothing and is not cached', async () => {
    const response = await get('/');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /', () => {
  test('every integration with its status, sync state, counts and last error, linking to its page and its workflows', async () => {
    const { body } = await get('/');
    expect(body).toContain(`<a href="/status/${ACTIVE_ACCOUNT}">${ACTIVE_ACCOUNT}</a>`);
    expect(body).toContain(`<a href="/status/${ERROR_ACCOUNT}">${ERROR_ACCOUNT}</a>`);
    expect(body).toContain('<span class="state-active">active</span>');
    expect(body).toContain('<span class="state-error">error</span>');
    expect(body).toContain('<span class="state-failed">failed</span> since ');
    expect(body).toContain('created 1 · linked 1');
    expect(body).toContain('created 1 · email_exists 1 · invalid_record 1');
    expect(body).toContain('retrying 1 · uploaded 1 · failed 1');
    const links = hrefs(body);
    expect(links).toEqual(
      expect.arrayContaining([
        webUiIntegrationUrl(WEB_UI, 'default', seeded.active.id),
        webUiIntegrationUrl(WEB_UI, 'default', seeded.error.id),
        webUiListUrl(WEB_UI, 'default', syncStateQuery('retrying')),
        webUiListUrl(WEB_UI, 'default', syncStateQuery('failed')),
      ]),
    );
  });

  test("the error's sentence is shown as text: its HTML escaped, never markup", async () => {
    const { body } = await get('/');
    expect(body).not.toContain('<script>document.title');
    expect(body).toContain('&lt;script&gt;document.title=&quot;pwned&quot;&lt;/script&gt;');
    expect(body).toContain(ERROR_SENTENCE.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;'));
  });

  test('without TEMPORAL_WEB_UI_URL: no Web UI links, and the page says why', async () => {
    const { body, statusCode } = await get('/', basic('operator', TOKENS[0] as string), withoutWebUi);
    expect(statusCode).toBe(200);
    expect(body).toContain('TEMPORAL_WEB_UI_URL is not set');
    expect(hrefs(body).filter((href) => href.startsWith('http'))).toEqual([]);
  });
});

describe('GET /status/{corfix_account_id}', () => {
  test('progress, counts by reason, failures with their last error, recent decisions newest first, and links', async () => {
    const { body, statusCode } = await get(integrationStatusPath(ACTIVE_ACCOUNT));
    expect(statusCode).toBe(200);
    expect(body).toContain(seeded.active.id);
    // Progress: the initial sync's pages and entities, and the continuous syncs.
    expect(body).toMatch(/<td><span class="state-completed">completed<\/span><\/td><td>done<\/td><td>1<\/td><td>3<\/td><td>2<\/td><td>5<\/td>/);
    expect(body).toContain('<td>user</td><td>email_exists</td><td>1</td>');
    expect(body).toContain('<td>form</td><td>upload_failed</td><td>1</td>');
    // The project selection: the first ten ids, and how many more.
    expect(body).toContain('<dt>Projects synced</dt><dd>only 12: 501, 502, 503, 504, 505, 506, 507, 508, 509, 510 and 2 more</dd>');
    // Failures: the failed form escaped, the retrying one, the refused record, the unreadable one.
    expect(body).toContain(`<td>${FAILED_FORM}</td><td><span class="state-failed">failed</span></td>`);
    expect(body).not.toContain('<img src=x');
    expect(body).toContain('&lt;img src=x onerror=&quot;document.title=1&quot;&gt;');
    expect(FAILED_FORM_ERROR).toContain('<img');
    expect(body).toContain(`<td>${RETRYING_FORM}</td><td><span class="state-retrying">retrying</span></td>`);
    expect(body).toMatch(/<td>user<\/td><td>603<\/td><td>skipped<\/td><td>invalid_record<\/td><td>mobile_phone<\/td>/);
    expect(body).toContain('<td>active_users</td><td>2</td><td>17</td><td>id</td><td>expected number</td>');
    // Recent decisions, newest first: the form decisions came after the projects' and users'.
    const recent = body.slice(body.indexOf('Recent decisions'));
    expect(recent.indexOf('upload_failed')).toBeGreaterThan(0);
    expect(recent.indexOf('upload_failed')).toBeLessThan(recent.indexOf('email_exists'));
    expect(hrefs(body)).toEqual(
      expect.arrayContaining([
        '/',
        webUiIntegrationUrl(WEB_UI, 'default', seeded.active.id),
        webUiWorkflowUrl(WEB_UI, 'default', formUploadWorkflowId(seeded.active.id, FAILED_FORM)),
      ]),
    );
  });

  test('the error integration shows its whole sentence, escaped', async () => {
    const { body } = await get(integrationStatusPath(ERROR_ACCOUNT));
    expect(body).toContain('<span class="state-error">error</span>');
    expect(body).toContain('reconnect the app');
    expect(body).not.toContain('<script>');
    expect(body).toContain('<dt>Projects synced</dt><dd>all</dd>');
  });

  test("no person's login on either page (who connected is left to the status API)", async () => {
    for (const url of ['/', integrationStatusPath(ACTIVE_ACCOUNT)]) expect((await get(url)).body).not.toContain(CONNECTED_BY_LOGIN);
  });

  test('404 (a page) for an account never connected', async () => {
    const response = await get(integrationStatusPath('acc_never_connected'));
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('Corfix account acc_never_connected has never been connected');
  });

  test.each(['acc%3A1', 'a'.repeat(256), '-acc', 'acc%20x'])('400 naming corfix_account_id for %s', async (id) => {
    const response = await get(`/status/${id}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields).toEqual([expect.objectContaining({ field: 'corfix_account_id' })]);
  });
});

test('the OpenAPI document describes both pages, behind Basic', async () => {
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(spec.components.securitySchemes.basic).toEqual(expect.objectContaining({ type: 'http', scheme: 'basic' }));
  const list = spec.paths['/'].get;
  const one = spec.paths['/status/{corfix_account_id}'].get;
  for (const route of [list, one]) {
    expect(route.security).toEqual([{ basic: [] }]);
    expect(Object.keys(route.responses['200'].content)).toEqual(['text/html']);
    expect(route.responses['401']).toBeDefined();
  }
  expect(Object.keys(one.responses).sort()).toEqual(['200', '400', '401', '404']);
  expect(one.parameters.find((p: { name: string }) => p.name === 'corfix_account_id').schema.pattern).toBeDefined();
});
