// Every HTTP input but the Corfix webhook's (corfix-webhooks.property.test.ts)
// under generated input (fast-check): the /v1 routes (connect, sign-in and
// preview bodies, PATCH bodies, path parameters, the sync report's and a
// preview's queries, wrong tokens), POST /webhooks/procore (random and near-valid bodies, other
// content types, wrong secrets) and the status page. Whatever comes:
//   - never a 5xx, and only a status the OpenAPI document lists for that
//     operation (so the document is what a client can rely on);
//   - a refused request (4xx) changes nothing: the integrations as they were,
//     as many inbox, audit and form rows, and at the end no workflow but the
//     accepted requests' (all of the one live integration);
//   - no secret (API token, webhook secrets, the sign-in's state secret,
//     Procore's client secret, the Corfix token) in any answer, its headers,
//     or any line the service logged.
import { createPreview } from '../../src/db/repositories/previews.js';
import fc from 'fast-check';
import { findUnsafeInteger, schemaReads } from '../../src/api/json-body.js';
import { procoreWebhookBody } from '../../src/api/schemas/procore-webhooks.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { captureLogs, leakedIn } from '../support/captured-logs.js';
import { TOGGLES_OFF } from '../support/database.js';
import {
  API_TOKEN,
  CORFIX_WEBHOOK_SECRET,
  PROCORE_WEBHOOK_SECRET,
  startSyncHarness,
  type SyncHarness,
} from '../support/sync-harness.js';

const RUNS = { v1: 400, v1WrongToken: 100, procore: 300, procoreNearValid: 300, statusPage: 100 } as const;

const logs = captureLogs();
let h: SyncHarness;
let live: Integration;
let gone: Integration;
let secrets: Record<string, string>;
/** operation (METHOD /template) → the statuses the document lists */
let documented: Map<string, string[]>;
const accepted: string[] = [];
let savedPreviewId = '';
let sent = 0;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'api-input-property', corfixAccounts: [], logger: logs.logger });
  const integration = async (account: string, company: string, status: Integration['status']) => {
    const created = await createIntegration(h.t.db, { corfixAccountId: account, procoreCompanyId: company, ...TOGGLES_OFF, syncForms: true });
    await updateIntegration(h.t.db, created.id, { status, initialSyncState: 'completed' });
    return created;
  };
  live = await integration('acc_prop_live', '4400000501', 'active');
  gone = await integration('acc_prop_gone', '4400000502', 'disconnected');
  await h.t.db('form_links').insert({ integration_id: live.id, corfix_form_id: 'frm_prop_1', state: 'pending', latest_revision: 1 });
  // A preview to read (an account with no integration: previews come before a connect).
  savedPreviewId = (await createPreview(h.t.db, { corfixAccountId: 'acc_never', procoreCompanyId: '4400000503', ...TOGGLES_OFF })).id;
  secrets = h.secrets();
  const spec = (await h.api.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { responses: object }>> };
  documented = new Map(
    Object.entries(spec.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => [`${method.toUpperCase()} ${path}`, Object.keys(op.responses)])),
  );
});
afterAll(async () => {
  if (h) {
    for await (const w of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) {
      await h.temporal.client.workflow.getHandle(w.workflowId).terminate('test over').catch(() => undefined);
    }
  }
  await h?.stop();
});

/** What a refused request must leave as it was. */
async function state(): Promise<string> {
  const db = h.t.db;
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
  const integrations = await db('integrations').orderBy('id').select();
  const formLinks = await db('form_links').orderBy(['integration_id', 'corfix_form_id']).select();
  return JSON.stringify({
    integrations,
    formLinks,
    webhookEvents: await count('webhook_events'),
    audit: await count('audit_log'),
    nonces: await count('connect_state_nonces'),
    previews: await count('integration_previews'),
  });
}

interface Call {
  /** METHOD /template, as in the document */
  operation: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

async function callAndCheck(call: Call): Promise<{ statusCode: number; body: string }> {
  const before = await state();
  const response = await h.api.inject({ method: call.method, url: call.url, headers: call.headers, ...(call.payload !== undefined ? { payload: call.payload } : {}) });
  sent += 1;
  const what = () => `${call.method} ${call.url} ${JSON.stringify(call.headers)} ${String(call.payload ?? '').slice(0, 300)} -> ${response.statusCode} ${response.body.slice(0, 300)}`;
  if (response.statusCode >= 500) throw new Error(`5xx: ${what()}`);
  const statuses = documented.get(call.operation);
  if (!statuses) throw new Error(`no operation ${call.operation} in the document`);
  if (!statuses.includes(String(response.statusCode))) throw new Error(`${response.statusCode} is not among ${statuses.join(', ')} of ${call.operation}: ${what()}`);
  const leaked = leakedIn(`${response.body}\n${JSON.stringify(response.headers)}`, secrets);
  if (leaked.length > 0) throw new Error(`${leaked.join(', ')} in the answer: ${what()}`);
  if (response.statusCode >= 400) {
    const after = await state();
    if (after !== before) throw new Error(`a refused request changed something: ${what()}\nbefore ${before}\nafter  ${after}`);
  } else {
    accepted.push(what());
  }
  return { statusCode: response.statusCode, body: response.body };
}

// ---- generators ----

const bearer = { authorization: `Bearer ${API_TOKEN}` };
/** a string around one character that is hard to store, compare or put in a URL */
const awkward = fc
  .tuple(fc.string({ maxLength: 12 }), fc.constantFrom('\u0000', '\ud800', '\u2028', '\ufeff', '😀', 'é', '\n', '"', '\\', '/', '%2F', '..', ' ', '?', '#', '&'), fc.string({ maxLength: 12 }))
  .map(([a, c, b]) => `${a}${c}${b}`);
/** ids that still name a path segment: '', '.' and '..' make another URL, which no route serves (404) */
const inPath = (id: string) => !['', '.', '..'].includes(id);
const accountId = fc
  .oneof(
    { weight: 4, arbitrary: fc.constantFrom('acc_prop_live', 'acc_prop_gone', 'acc_never') },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,40}$/) },
    { weight: 2, arbitrary: awkward },
    { weight: 1, arbitrary: fc.constantFrom('a'.repeat(255), 'a'.repeat(256), 'a'.repeat(1100), '-a', 'a b', '...') },
  )
  .filter(inPath);
const formId = fc.oneof(fc.constantFrom('frm_prop_1', 'frm_never'), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/), awkward).filter(inPath);
/** percent-encoded as UTF-8 (a lone surrogate as the replacement character, as any client sends it) */
const segment = (id: string) =>
  [...Buffer.from(id, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(9007199254740993n, -1, 0, 2 ** 53, '4400000501', '9223372036854775808', '0', '01', ' 1', true, null, [], {}),
);
const toggles = fc.record(
  { sync_employees_only: fc.oneof(fc.boolean(), jsonish), auto_activate_workers: fc.oneof(fc.boolean(), jsonish), sync_forms: fc.oneof(fc.boolean(), jsonish) },
  { requiredKeys: [] },
);
const connectBody = fc.record(
  {
    corfix_account_id: fc.oneof(accountId, jsonish),
    procore_company_id: fc.oneof(fc.constantFrom('4400000501', '4400000502', '1', '9223372036854775807', '9223372036854775808'), fc.nat().map(String), jsonish),
    sync_employees_only: fc.oneof(fc.boolean(), jsonish),
    auto_activate_workers: fc.boolean(),
    sync_forms: fc.boolean(),
    extra: jsonish,
  },
  { requiredKeys: ['corfix_account_id', 'procore_company_id'] },
);
/** a JSON text, with big integers written as such (JSON.stringify cannot) */
const asJson = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `__big${v}__` : v))?.replace(/"__big(-?\d+)__"/g, '$1') ?? '';
const body = (shape: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 6, arbitrary: shape.map(asJson) },
    { weight: 2, arbitrary: jsonish.map(asJson) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', 'garbage') });
const outcomesQuery = fc
  .record(
    {
      entity: fc.oneof(fc.constantFrom('project', 'user', 'form'), fc.string({ maxLength: 10 })),
      outcome: fc.oneof(fc.constantFrom('created', 'linked', 'skipped', 'updated'), fc.string({ maxLength: 10 })),
      reason: fc.oneof(fc.constantFrom('created', 'email_exists', 'invalid_record'), fc.string({ maxLength: 20 })),
      page: fc.oneof(fc.integer({ min: -2, max: 3 }).map(String), fc.constantFrom('1e3', '0x10', '9007199254740993', 'NaN', '', '1.5')),
      per_page: fc.oneof(fc.integer({ min: -1, max: 600 }).map(String), fc.constantFrom('', 'all')),
      unknown: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  )
  .map((q) => new URLSearchParams(q as Record<string, string>).toString());

/** the saved preview's id (known only once the harness runs), another uuid, or not one */
const previewId = fc.oneof(
  { weight: 3, arbitrary: fc.constant(() => savedPreviewId) },
  { weight: 2, arbitrary: fc.uuid().map((u) => () => u) },
  { weight: 1, arbitrary: fc.oneof(awkward, fc.stringMatching(/^[0-9a-f-]{0,40}$/)).filter(inPath).map((x) => () => x) },
);
const previewQuery = fc
  .record(
    {
      entity: fc.oneof(fc.constantFrom('project', 'user', 'form'), fc.string({ maxLength: 10 })),
      outcome: fc.oneof(fc.constantFrom('created', 'adopted', 'skipped'), fc.string({ maxLength: 10 })),
      reason: fc.oneof(fc.constantFrom('adopted', 'ambiguous_match', 'not_selected', 'email_exists'), fc.string({ maxLength: 20 })),
      changed_by_adopt: fc.constantFrom('true', 'false', 'yes', ''),
      page: fc.oneof(fc.integer({ min: -2, max: 3 }).map(String), fc.constantFrom('1e3', 'NaN', '')),
      per_page: fc.oneof(fc.integer({ min: -1, max: 600 }).map(String), fc.constantFrom('', 'all')),
      unknown: fc.string({ maxLength: 10 }),
    },
    { requiredKeys: [] },
  )
  .map((q) => new URLSearchParams(q as Record<string, string>).toString());

const v1Call: fc.Arbitrary<Call> = fc.oneof(
  accountId.map((a) => ({ operation: 'GET /v1/integrations/{corfix_account_id}', method: 'GET' as const, url: `/v1/integrations/${segment(a)}`, headers: bearer })),
  fc.tuple(accountId, outcomesQuery).map(([a, q]) => ({ operation: 'GET /v1/integrations/{corfix_account_id}/outcomes', method: 'GET' as const, url: `/v1/integrations/${segment(a)}/outcomes?${q}`, headers: bearer })),
  fc.tuple(accountId, body(toggles), contentType).map(([a, payload, type]) => ({
    operation: 'PATCH /v1/integrations/{corfix_account_id}',
    method: 'PATCH' as const,
    url: `/v1/integrations/${segment(a)}`,
    headers: { ...bearer, 'content-type': type },
    payload,
  })),
  fc.tuple(accountId, fc.constantFrom('pause', 'resume', 'resync')).map(([a, control]) => ({
    operation: `POST /v1/integrations/{corfix_account_id}/${control}`,
    method: 'POST' as const,
    url: `/v1/integrations/${segment(a)}/${control}`,
    headers: bearer,
  })),
  // Not the live integration: the properties below go on needing it live.
  accountId.filter((a) => a !== 'acc_prop_live').map((a) => ({ operation: 'DELETE /v1/integrations/{corfix_account_id}', method: 'DELETE' as const, url: `/v1/integrations/${segment(a)}`, headers: bearer })),
  fc.tuple(accountId, formId, fc.boolean()).map(([a, f, retry]) => ({
    operation: `${retry ? 'POST' : 'GET'} /v1/integrations/{corfix_account_id}/forms/{form_id}${retry ? '/retry' : ''}`,
    method: retry ? ('POST' as const) : ('GET' as const),
    url: `/v1/integrations/${segment(a)}/forms/${segment(f)}${retry ? '/retry' : ''}`,
    headers: bearer,
  })),
  // A preview takes the connect body and is refused as a connect is (this harness's Corfix knows no account).
  fc.tuple(body(connectBody), contentType).map(([payload, type]) => ({
    operation: 'POST /v1/integrations/preview',
    method: 'POST' as const,
    url: '/v1/integrations/preview',
    headers: { ...bearer, 'content-type': type },
    payload,
  })),
  fc.tuple(previewId, fc.option(previewQuery, { nil: undefined })).map(([id, q]) => ({
    operation: `GET /v1/previews/{preview_id}${q === undefined ? '' : '/outcomes'}`,
    method: 'GET' as const,
    url: `/v1/previews/${segment(id())}${q === undefined ? '' : `/outcomes?${q}`}`,
    headers: bearer,
  })),
  accountId.map((a) => ({ operation: 'GET /v1/integrations/{corfix_account_id}/previews', method: 'GET' as const, url: `/v1/integrations/${segment(a)}/previews`, headers: bearer })),
  fc.tuple(body(connectBody), contentType, fc.boolean()).map(([payload, type, signin]) => ({
    operation: `POST /v1/integrations${signin ? '/authorizations' : ''}`,
    method: 'POST' as const,
    url: `/v1/integrations${signin ? '/authorizations' : ''}`,
    headers: { ...bearer, 'content-type': type },
    payload,
  })),
);

const wrongToken = fc.oneof(
  fc.constantFrom(`Bearer ${PROCORE_WEBHOOK_SECRET}`, `Bearer ${CORFIX_WEBHOOK_SECRET}`, `Bearer ${API_TOKEN}x`, `Bearer ${API_TOKEN.toUpperCase()}`, `Basic ${Buffer.from(`x:${API_TOKEN}`).toString('base64')}`, API_TOKEN, 'Bearer', ''),
  fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`),
);

const ULID = '01JD3R4P5Q6S7T8V9W0XYZABCD';
const procoreEvent = fc.record({
  ulid: fc.oneof(fc.constant(ULID), fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/)),
  timestamp: fc.constantFrom('2026-11-27T18:00:00Z', '2026-11-27T18:00:00.123+01:00'),
  company_id: fc.constantFrom('4400000501', 4400000501, '4400000502', '4400000599'),
  user_id: fc.constantFrom(null, '77', 77),
  api_version: fc.constant('v2'),
  event_type: fc.constantFrom('create', 'update', 'delete'),
  resource_name: fc.constantFrom('Company Users', 'Projects', 'Submittals'),
  resource_id: fc.constantFrom('123', 123),
  metadata: fc.constantFrom({}, { source_application_id: 'other-app' }),
});
const PROCORE_FIELDS = ['ulid', 'timestamp', 'company_id', 'user_id', 'api_version', 'event_type', 'resource_name', 'resource_id', 'metadata', 'id', 'project_id'] as const;
const nearValidProcoreEvent = fc
  .tuple(
    procoreEvent,
    fc.constantFrom(...PROCORE_FIELDS),
    fc.oneof(jsonish, awkward, fc.constantFrom('9007199254740993', 9007199254740993n, '', 'v1', 'CREATE', 'not-a-ulid')),
    fc.constantFrom('replace', 'delete', 'extra'),
  )
  .map(([event, field, value, how]) => {
    const copy: Record<string, unknown> = { ...event };
    if (how === 'delete') delete copy[field];
    else if (how === 'replace') copy[field] = value;
    else copy[`x_${field}`] = value;
    return asJson(copy);
  });

/** What POST /webhooks/procore must answer, worked out apart from the route. */
function expectedProcoreStatus(authorization: string | undefined, type: string, raw: string): number {
  if (!/^bearer +/i.test(authorization ?? '') || (authorization ?? '').replace(/^bearer +/i, '') !== PROCORE_WEBHOOK_SECRET) return 401;
  // fastify's own text/plain parser gives the schema a string (400); other types have no parser (415)
  if (/^text\/plain(;|$)/i.test(type)) return 400;
  if (!/^application\/json(;|$)/i.test(type)) return 415;
  if (findUnsafeInteger(raw, schemaReads(procoreWebhookBody)) !== null) return 400;
  let value: unknown;
  try {
    value = raw === '' ? undefined : JSON.parse(raw);
  } catch {
    return 400;
  }
  return procoreWebhookBody.safeParse(value).success ? 200 : 400;
}

const procoreCall = (raw: fc.Arbitrary<string>, authorization: fc.Arbitrary<string | undefined>) =>
  fc.tuple(raw, authorization, contentType).map(([payload, auth, type]) => ({ payload, auth, type }));

const run = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number, check: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(arbitrary, check), { numRuns });

describe('/v1 under generated input', () => {
  test('paths, queries and bodies: documented statuses only, refusals change nothing, no secret answered', async () => {
    await run(v1Call, RUNS.v1, async (call) => {
      await callAndCheck(call);
    });
  });

  test('without the token, or with another secret, or a mangled one: 401 for every route', async () => {
    await run(fc.tuple(v1Call, fc.option(wrongToken, { nil: undefined })), RUNS.v1WrongToken, async ([call, authorization]) => {
      const { authorization: _dropped, ...headers } = call.headers;
      const response = await callAndCheck({ ...call, headers: authorization === undefined ? headers : { ...headers, authorization } });
      expect(response.statusCode).toBe(401);
    });
  });
});

describe('POST /webhooks/procore under generated input', () => {
  const post = async ({ payload, auth, type }: { payload: string; auth: string | undefined; type: string }) => {
    const expected = expectedProcoreStatus(auth, type, payload);
    const response = await callAndCheck({
      operation: 'POST /webhooks/procore',
      method: 'POST',
      url: '/webhooks/procore',
      headers: { 'content-type': type, ...(auth !== undefined ? { authorization: auth } : {}) },
      payload,
    });
    if (response.statusCode !== expected) throw new Error(`expected ${expected}, got ${response.statusCode} ${response.body.slice(0, 200)} for ${type} ${payload.slice(0, 200)}`);
  };
  const rightSecret = fc.constantFrom(`Bearer ${PROCORE_WEBHOOK_SECRET}`, `bearer  ${PROCORE_WEBHOOK_SECRET}`);

  test('random JSON, text and near-valid events, with the right secret or a wrong one', async () => {
    await run(procoreCall(body(procoreEvent), fc.oneof({ weight: 3, arbitrary: rightSecret }, { weight: 1, arbitrary: fc.option(wrongToken, { nil: undefined }) })), RUNS.procore, post);
  });

  test('near-valid events, one field deleted, replaced or added', async () => {
    await run(procoreCall(nearValidProcoreEvent, rightSecret), RUNS.procoreNearValid, post);
  });
});

test('the status page under generated account ids and credentials', async () => {
  const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;
  const credentials = fc.oneof(fc.constant(basic(API_TOKEN)), wrongToken.map((t) => basic(t)), wrongToken, fc.constant(undefined));
  await run(fc.tuple(fc.option(accountId, { nil: undefined }), credentials), RUNS.statusPage, async ([account, authorization]) => {
    await callAndCheck({
      operation: account === undefined ? 'GET /' : 'GET /status/{corfix_account_id}',
      method: 'GET',
      url: account === undefined ? '/' : `/status/${segment(account)}`,
      headers: authorization === undefined ? {} : { authorization },
    });
  });
});

test('no log line holds a secret; only the live integration has workflows, and only after accepted requests', async () => {
  expect(sent).toBeGreaterThanOrEqual(1_000);
  expect(logs.lines.length).toBeGreaterThan(sent);
  const leaking = logs.lines.filter((line) => leakedIn(line, secrets).length > 0);
  expect(leaking).toEqual([]);
  const workflows: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) workflows.push(w.workflowId);
  expect(workflows.filter((id) => !id.includes(live.id))).toEqual([]);
  if (accepted.length === 0) expect(workflows).toEqual([]);
  expect(workflows.some((id) => id.includes(gone.id))).toBe(false);
});
