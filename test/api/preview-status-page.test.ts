// The previews of a connect on the status page, against a real Postgres
// (rows written through the repository, as the preview's activities write
// them): GET / lists the newest previews; an account's page lists its
// previews, also when it has no integration (and says so), and is still 404
// for an account neither connected nor previewed; GET /status/previews/{id}
// shows one preview's settings, state, counts as asked and the other way,
// and its collisions and adoptions with their Corfix records, a page at a
// time, every value escaped; behind HTTP Basic like the rest of the page.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../../src/api/server.js';
import { integrationStatusPath, previewStatusPagePath } from '../../src/api/status-page-paths.js';
import { COLLISIONS_PER_PAGE } from '../../src/api/preview-overview.js';
import { createPreview, failPreview, recordPreviewOutcomes, completePreview, type Preview, type PreviewOutcome } from '../../src/db/repositories/previews.js';
import { outcomeOfReason, type Reason } from '../../src/domain/sync-outcome.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { previewWorkflowId } from '../../src/temporal/workflow-ids.js';
import { webUiWorkflowUrl } from '../../src/temporal/web-ui.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { ACTIVE_ACCOUNT, seedStatusIntegrations } from '../support/status-fixtures.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

const TOKEN = 'preview-status-page-token-0123456789';
const WEB_UI = 'http://temporal-ui.test:8233';
const logger = createLogger('silent', 'test');
/** Previewed, never connected. */
const PREVIEWED_ACCOUNT = 'acc_previewed_only';
/** A Corfix id and an error sentence carrying HTML: shown as text. */
const ODD_CORFIX_ID = 'prj_<b>bold</b>';
const FAILED_SENTENCE = 'Procore answered 403 on /rest/v1.0/companies: <script>document.title="x"</script> grant the Directory';

let t: TestDatabase;
let temporal: TestTemporal;
let app: FastifyInstance;
let reported: Preview;
let failed: Preview;
let onConnected: Preview;
let large: Preview;

const line = (entity: 'project' | 'user', procoreId: string, reason: Reason, corfixIds: string[], other: PreviewOutcome['other']): PreviewOutcome => ({
  entity,
  procoreId,
  outcome: outcomeOfReason(reason),
  reason,
  field: null,
  corfixIds,
  other,
});

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  await seedStatusIntegrations(t.db, { active: '4400000801', error: '4400000802' });
  failed = await createPreview(t.db, { corfixAccountId: PREVIEWED_ACCOUNT, procoreCompanyId: '4400000803', ...TOGGLES_OFF });
  await failPreview(t.db, failed.id, FAILED_SENTENCE);
  reported = await createPreview(t.db, { corfixAccountId: PREVIEWED_ACCOUNT, procoreCompanyId: '4400000804', ...TOGGLES_OFF, adoptExisting: true, syncForms: true });
  await recordPreviewOutcomes(t.db, reported.id, [
    line('project', '101', 'created', [], null),
    line('project', '102', 'adopted', ['prj_102'], { outcome: 'skipped', reason: 'number_exists' }),
    line('project', '103', 'ambiguous_match', [ODD_CORFIX_ID, 'prj_c'], { outcome: 'skipped', reason: 'number_exists' }),
    line('project', '104', 'name_exists', ['prj_named'], null),
    line('user', '201', 'adopted', ['wkr_201'], { outcome: 'skipped', reason: 'email_exists' }),
    line('user', '202', 'created', [], null),
  ]);
  await completePreview(t.db, reported.id);
  onConnected = await createPreview(t.db, { corfixAccountId: ACTIVE_ACCOUNT, procoreCompanyId: '4400000805', ...TOGGLES_OFF });
  large = await createPreview(t.db, { corfixAccountId: 'acc_previewed_large', procoreCompanyId: '4400000806', ...TOGGLES_OFF });
  await recordPreviewOutcomes(
    t.db,
    large.id,
    Array.from({ length: COLLISIONS_PER_PAGE + 5 }, (_, i) => line('user', String(5000 + i), 'email_exists', [`wkr_${i}`], { outcome: 'adopted', reason: 'adopted' })),
  );
  app = await buildApi({
    db: t.db,
    temporal: temporal.client,
    taskQueue: 'preview-status-page-unused',
    logger,
    clients: createExternalApiClients(unreachableClientSettings, logger),
    apiToken: TOKEN,
    temporalWebUiUrl: WEB_UI,
  });
});
afterAll(async () => {
  await app?.close();
  await temporal?.close();
  await t?.drop();
});

const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;
const get = (url: string, authorization: string | null = basic(TOKEN)) =>
  app.inject({ method: 'GET', url, headers: authorization === null ? {} : { authorization } });
const hrefs = (body: string) => [...body.matchAll(/href="([^"]*)"/g)].map((m) => (m[1] as string).replaceAll('&amp;', '&'));

test('behind HTTP Basic: 401 with the realm, nothing of the preview in the answer', async () => {
  for (const authorization of [null, basic('not-the-token-0123456789'), `Bearer ${TOKEN}`]) {
    const response = await get(previewStatusPagePath(reported.id), authorization);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Basic realm="corfix-procore status"');
    expect(response.body).not.toContain(reported.id);
  }
});

describe('GET /status/previews/{preview_id}', () => {
  test('settings, state, counts as asked and the other way, what the toggle changes, collisions and adoptions with their Corfix records', async () => {
    const response = await get(previewStatusPagePath(reported.id));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const body = response.body;
    expect(body).toContain(`Preview of connecting Procore company 4400000804 to Corfix account ${PREVIEWED_ACCOUNT}`);
    expect(body).toContain('<span class="state-completed">completed</span>');
    expect(body).toContain('Sync Employees Only off · Auto-activate workers off · Sync Forms on · Adopt existing on');
    // Counts: as asked (adopt_existing on) and with it off.
    expect(body).toContain('<th>As asked (Adopt existing on)</th><th>With Adopt existing off</th>');
    expect(body).toContain('<tr><td>project</td><td>adopted</td><td>1</td><td>0</td></tr>');
    expect(body).toContain('<tr><td>project</td><td>number_exists</td><td>0</td><td>2</td></tr>');
    expect(body).toContain('<tr><td>user</td><td>email_exists</td><td>0</td><td>1</td></tr>');
    expect(body).toContain('2 projects and 1 user would be decided otherwise.');
    // Collisions and adoptions: not the created lines; the Corfix ids escaped.
    expect(body).toContain('4 lines: Procore records');
    expect(body).toContain('<tr><td>project</td><td>102</td><td>adopted</td><td>adopted</td><td>prj_102</td><td>skipped (number_exists)</td></tr>');
    expect(body).toContain('<tr><td>project</td><td>103</td><td>skipped</td><td>ambiguous_match</td><td>prj_&lt;b&gt;bold&lt;/b&gt;, prj_c</td><td>skipped (number_exists)</td></tr>');
    expect(body).toContain('<tr><td>project</td><td>104</td><td>skipped</td><td>name_exists</td><td>prj_named</td><td>the same</td></tr>');
    expect(body).toContain('<td>user</td><td>201</td><td>adopted</td>');
    expect(body).not.toContain('<td>101</td>');
    expect(body).not.toContain('<b>bold</b>');
    expect(body).toContain(`GET /v1/previews/${reported.id}/outcomes`);
    expect(hrefs(body)).toEqual(expect.arrayContaining(['/', integrationStatusPath(PREVIEWED_ACCOUNT), webUiWorkflowUrl(WEB_UI, 'default', previewWorkflowId(reported.id))]));
  });

  test('a failed preview shows its sentence as text', async () => {
    const { body, statusCode } = await get(previewStatusPagePath(failed.id));
    expect(statusCode).toBe(200);
    expect(body).toContain('<span class="state-failed">failed</span>');
    expect(body).not.toContain('<script>');
    expect(body).toContain('&lt;script&gt;document.title=&quot;x&quot;&lt;/script&gt; grant the Directory');
    expect(body).toContain('0 lines: Procore records');
  });

  test(`more than ${COLLISIONS_PER_PAGE} lines: a page at a time, linked to the next and the previous`, async () => {
    const first = await get(previewStatusPagePath(large.id));
    expect(first.body).toContain(`${COLLISIONS_PER_PAGE + 5} lines: Procore records`);
    expect(first.body).toContain('Page 1 of 2');
    expect(first.body).toContain(`<td>user</td><td>${5000 + COLLISIONS_PER_PAGE - 1}</td>`);
    expect(first.body).not.toContain(`<td>user</td><td>${5000 + COLLISIONS_PER_PAGE}</td>`);
    expect(hrefs(first.body)).toContain(`${previewStatusPagePath(large.id)}?page=2`);
    const second = await get(`${previewStatusPagePath(large.id)}?page=2`);
    expect(second.body).toContain('Page 2 of 2');
    expect(second.body).toContain(`<td>user</td><td>${5000 + COLLISIONS_PER_PAGE + 4}</td><td>skipped</td><td>email_exists</td><td>wkr_${COLLISIONS_PER_PAGE + 4}</td><td>adopted (adopted)</td>`);
    expect(second.body).not.toContain('<td>user</td><td>5000</td>');
    expect(hrefs(second.body)).toContain(`${previewStatusPagePath(large.id)}?page=1`);
  });

  test('an unknown preview: 404, a page saying so', async () => {
    const id = randomUUID();
    const response = await get(previewStatusPagePath(id));
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain(`There is no preview ${id}`);
  });

  test.each([
    ['not-a-uuid', '', 'preview_id'],
    [randomUUID(), '?page=0', 'page'],
    [randomUUID(), '?lines=all', 'lines'],
  ])('%s%s: 400 naming %s', async (id, query, field) => {
    const response = await get(`/status/previews/${id}${query}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().error.fields).toEqual([expect.objectContaining({ field })]);
  });
});

describe("an account's page lists its previews", () => {
  test('an account previewed but never connected: 200, it says there is no integration, and lists its previews newest first', async () => {
    const { body, statusCode } = await get(integrationStatusPath(PREVIEWED_ACCOUNT));
    expect(statusCode).toBe(200);
    expect(body).toContain('This account has no integration: it was never connected to a Procore company.');
    const previews = body.slice(body.indexOf('Previews (newest first)'));
    expect(previews.indexOf(reported.id)).toBeGreaterThan(0);
    expect(previews.indexOf(reported.id)).toBeLessThan(previews.indexOf(failed.id));
    expect(previews).toContain('<span class="state-failed">failed</span>');
    const reportedRow = previews.slice(previews.indexOf(reported.id), previews.indexOf('</tr>', previews.indexOf(reported.id)));
    for (const count of ['adopted 1', 'ambiguous_match 1', 'created 1', 'name_exists 1']) expect(reportedRow).toContain(count);
    expect(previews).toContain('2 projects and 1 user');
    expect(hrefs(body)).toEqual(expect.arrayContaining([previewStatusPagePath(reported.id), previewStatusPagePath(failed.id)]));
  });

  test("a connected account's page lists its previews after its integration", async () => {
    const { body, statusCode } = await get(integrationStatusPath(ACTIVE_ACCOUNT));
    expect(statusCode).toBe(200);
    expect(body).toContain('Recent decisions');
    expect(body.indexOf(onConnected.id)).toBeGreaterThan(body.indexOf('Previews (newest first)'));
  });

  test('an account neither connected nor previewed is still 404', async () => {
    const response = await get(integrationStatusPath('acc_never_seen'));
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Corfix account acc_never_seen has never been connected');
  });

  test('GET / lists the newest previews with their accounts, each linked', async () => {
    const { body } = await get('/');
    const previews = body.slice(body.indexOf('Recent previews of a connect'));
    for (const p of [reported, failed, onConnected, large]) expect(previews).toContain(p.id);
    expect(hrefs(previews)).toEqual(expect.arrayContaining([previewStatusPagePath(reported.id), integrationStatusPath(PREVIEWED_ACCOUNT)]));
  });
});

test('the OpenAPI document describes the preview page, behind Basic, with its 400 and 404', async () => {
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const route = spec.paths['/status/previews/{preview_id}'].get;
  expect(route.security).toEqual([{ basic: [] }]);
  expect(Object.keys(route.responses).sort()).toEqual(['200', '400', '401', '404']);
  expect(Object.keys(route.responses['200'].content)).toEqual(['text/html']);
});
