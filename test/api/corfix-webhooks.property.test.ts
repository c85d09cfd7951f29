// POST /webhooks/corfix under generated input (fast-check): random JSON
// values, near-valid deliveries with one field mutated, random bytes, other
// content types, all validly signed so that they reach the JSON and the
// schema, and deliveries whose signature or timestamp is wrong. Whatever
// comes, the answer is never a 5xx: it is 200, 400, 401 or 404 in the API's
// format, the one the contract and the schema call for, and only the
// accepted deliveries of the Sync-Forms-on account start a workflow.
import fc from 'fast-check';
import { corfixWebhookBody } from '../../src/api/schemas/corfix-webhooks.js';
import { findUnsafeInteger, schemaReads } from '../../src/api/json-body.js';
import { CORFIX_SIGNATURE_TOLERANCE_SECONDS, signCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { createIntegration, updateIntegration, type Integration } from '../../src/db/repositories/integrations.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { CORFIX_WEBHOOK_SECRET, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

/** Runs per kind of input; the bodies posted add up to at least MIN_POSTED. */
const RUNS = { json: 200, nearValid: 300, bytes: 150, contentType: 150, badSignature: 250 } as const;
const MIN_POSTED = 1_000;

let h: SyncHarness;
const accounts: Record<'on' | 'off' | 'gone', Integration> = {} as never;
let posted = 0;
/** the forms of the Sync-Forms-on account whose delivery was answered duplicate:false (each must have its workflow) */
const accepted = new Set<string>();
const statuses = new Map<number, number>();

beforeAll(async () => {
  h = await startSyncHarness({ name: 'corfix-webhooks-property', corfixAccounts: [] });
  let company = 4_400_000_300;
  for (const [key, syncForms, status] of [
    ['on', true, 'active'],
    ['off', false, 'active'],
    ['gone', true, 'disconnected'],
  ] as const) {
    const i = await createIntegration(h.t.db, {
      corfixAccountId: `acc_prop_${key}`,
      procoreCompanyId: String(++company),
      syncEmployeesOnly: false,
      autoActivateWorkers: false,
      syncForms,
    });
    await updateIntegration(h.t.db, i.id, { status, initialSyncState: 'completed' });
    accounts[key] = i;
  }
});
afterAll(async () => {
  if (h) {
    for (const formId of accepted) {
      await h.temporal.client.workflow.getHandle(formUploadWorkflowId(accounts.on.id, formId)).terminate('test over').catch(() => undefined);
    }
  }
  await h?.stop();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Post {
  raw: Buffer;
  contentType: string | null;
  timestamp: string | null;
  signature: string | null;
}

/** A post signed over its exact bytes at now, as Corfix signs. */
const signed = (raw: Buffer, contentType: string | null = 'application/json'): Post => {
  const timestamp = nowSeconds();
  return { raw, contentType, timestamp: String(timestamp), signature: signCorfixWebhook(CORFIX_WEBHOOK_SECRET, timestamp, raw) };
};

type Expected =
  | { status: 401; code: 'invalid_signature' }
  | { status: 400; code: 'invalid_json' }
  | { status: 400; code: 'invalid_request'; field?: string }
  | { status: 404; code: 'unknown_account' }
  | { status: 200; answer: object; eventId: string; formId: string; account: string };

/** event_ids answered 200 for a live account: Corfix's redeliveries, answered duplicate:true from then on */
const seenEventIds = new Set<string>();

/** What the contract and the schema call for, worked out apart from the route. */
function expectedAnswer(post: Post): Expected {
  const ts = post.timestamp;
  const refused = { status: 401, code: 'invalid_signature' } as const;
  if (!ts || !/^\d{1,12}$/.test(ts) || Math.abs(nowSeconds() - Number(ts)) > CORFIX_SIGNATURE_TOLERANCE_SECONDS) return refused;
  const candidates = (post.signature ?? '').split(',').map((s) => s.trim());
  if (!candidates.includes(signCorfixWebhook(CORFIX_WEBHOOK_SECRET, Number(ts), post.raw))) return refused;
  const text = post.raw.toString('utf8');
  const unsafe = findUnsafeInteger(text, schemaReads(corfixWebhookBody));
  if (unsafe !== null) return { status: 400, code: 'invalid_request', field: unsafe };
  let value: unknown;
  try {
    value = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    return { status: 400, code: 'invalid_json' };
  }
  const parsed = corfixWebhookBody.safeParse(value);
  if (!parsed.success) return { status: 400, code: 'invalid_request' };
  const { account_id: account, event_id: eventId, form_id: formId } = parsed.data;
  if (account !== accounts.on.corfixAccountId && account !== accounts.off.corfixAccountId) return { status: 404, code: 'unknown_account' };
  const answer = seenEventIds.has(eventId)
    ? { received: true, duplicate: true, queued: false }
    : account === accounts.off.corfixAccountId
      ? { received: true, ignored: 'sync_forms_off' }
      : { received: true, duplicate: false, queued: false };
  return { status: 200, answer, eventId, formId, account };
}

async function postAndCheck(post: Post): Promise<void> {
  const headers: Record<string, string> = {};
  if (post.contentType !== null) headers['content-type'] = post.contentType;
  if (post.timestamp !== null) headers['corfix-timestamp'] = post.timestamp;
  if (post.signature !== null) headers['corfix-signature'] = post.signature;
  const expected = expectedAnswer(post);
  const response = await h.api.inject({ method: 'POST', url: '/webhooks/corfix', headers, payload: post.raw });
  posted += 1;
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
  const what = () => `${response.statusCode} ${response.body.slice(0, 300)} for ${JSON.stringify({ ...post, raw: post.raw.toString('utf8').slice(0, 300) })}`;
  if (response.statusCode >= 500) throw new Error(`5xx: ${what()}`);
  if (![200, 400, 401, 404].includes(response.statusCode)) throw new Error(`unexpected status: ${what()}`);
  if (response.statusCode !== expected.status) throw new Error(`expected ${JSON.stringify(expected)}: ${what()}`);
  const json = response.json();
  if (expected.status === 200) {
    expect(json).toEqual(expected.answer);
    seenEventIds.add(expected.eventId);
    if (json.duplicate === false) accepted.add(expected.formId);
  } else {
    expect(json).toEqual({ error: expect.objectContaining({ code: expected.code, message: expect.any(String) }) });
    expect(Object.keys(json.error).every((k) => ['code', 'message', 'fields'].includes(k))).toBe(true);
    if (expected.code === 'invalid_request') {
      expect(json.error.fields.length).toBeGreaterThan(0);
      if (expected.field !== undefined) expect(json.error.fields.map((f: { field: string }) => f.field)).toEqual([expected.field]);
    }
  }
}

// ---- generators ----

const FIELDS = ['event_id', 'event_type', 'account_id', 'form_id', 'project_id', 'revision', 'occurred_at'] as const;
const printable = (maxLength = 40) => fc.string({ unit: 'grapheme-ascii', maxLength });
const awkwardText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', '\ud83d\ude00', 'a', 'Z', '0', '.', '-', '_', '/', ' ', 'é', '"', '\\', '\n'), maxLength: 300 }),
);
/** a string around one character that is hard to store, compare or put in a URL */
const awkwardId = fc
  .tuple(
    fc.string({ maxLength: 12 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud83d', '\ude00', '\u2028', '\ufeff', '\ud83d\ude00', 'é', '\n', '"', '\\', '/', '%2F', ' '),
    fc.string({ maxLength: 12 }),
  )
  .map(([before, c, after]) => `${before}${c}${after}`);
const awkwardValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  awkwardText,
  awkwardId,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1, 2_147_483_647, 2_147_483_648, Number.MAX_SAFE_INTEGER, 1e308, true, false, null, [], {}, '2026-11-27T18:00:00Z', 'form.updated'),
);

/** A valid delivery for one of the accounts (mostly the unknown and the Sync-Forms-off one: few workflows). */
const validBody = fc.record({
  event_id: fc.uuid().map((u) => `evt_${u}`),
  event_type: fc.constantFrom('form.completed', 'form.updated'),
  account_id: fc.oneof(
    { weight: 8, arbitrary: fc.constant('acc_prop_unknown') },
    { weight: 12, arbitrary: fc.constant('acc_prop_off') },
    { weight: 2, arbitrary: fc.constant('acc_prop_gone') },
    { weight: 1, arbitrary: fc.constant('acc_prop_on') },
  ),
  form_id: fc.uuid().map((u) => `frm_${u}`),
  project_id: fc.constantFrom('prj_1', 'prj.site-A_2'),
  revision: fc.integer({ min: 1, max: 2_147_483_647 }),
  occurred_at: fc.constantFrom('2026-11-27T18:00:00Z', '2026-11-27T18:00:00.123+01:00'),
});

type Mutation =
  | { kind: 'delete'; field: (typeof FIELDS)[number] }
  | { kind: 'replace'; field: (typeof FIELDS)[number]; value: unknown }
  | { kind: 'extra'; field: string; value: unknown }
  | { kind: 'revisionLiteral'; literal: string };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), field: fc.constantFrom(...FIELDS) }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), field: fc.constantFrom('event_id' as const, 'form_id' as const, 'project_id' as const, 'account_id' as const), value: awkwardId }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('replace' as const), field: fc.constantFrom(...FIELDS), value: awkwardValue }) },
  fc.record({ kind: fc.constant('extra' as const), field: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'EVENT_ID')), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({
    kind: fc.constant('revisionLiteral' as const),
    literal: fc.constantFrom('9007199254740993', '-9007199254740993', '1e400', '-0', '3.0', '1E2', '0x10', '"3"', 'NaN', '[3]', '00', '3 ', '1.5e1'),
  }),
);

function mutate(body: Record<string, unknown>, m: Mutation): string {
  switch (m.kind) {
    case 'delete': {
      const { [m.field]: _gone, ...rest } = body;
      return JSON.stringify(rest);
    }
    case 'replace':
      return JSON.stringify({ ...body, [m.field]: m.value });
    case 'extra':
      return JSON.stringify({ ...body, [m.field]: m.value });
    case 'revisionLiteral':
      return JSON.stringify(body).replace(`"revision":${String(body['revision'])}`, `"revision":${m.literal}`);
  }
}

const nearValid = fc.tuple(validBody, mutation).map(([body, m]) => Buffer.from(mutate(body, m), 'utf8'));
const anyBody = fc.oneof(
  validBody.map((b) => Buffer.from(JSON.stringify(b))),
  nearValid,
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
);

const otherContentType = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/octet-stream',
    'application/xml',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/vnd.corfix+json',
    '*/*',
    'garbage',
    ';;;',
    '',
  ),
  printable(60),
  fc.constant(null),
);

type BadSignature =
  | { kind: 'wrongSecret'; secret: string }
  | { kind: 'randomSignature'; signature: string }
  | { kind: 'stale'; seconds: number }
  | { kind: 'randomTimestamp'; timestamp: string }
  | { kind: 'missing'; header: 'timestamp' | 'signature' | 'both' }
  | { kind: 'tampered'; at: number };
const badSignature: fc.Arbitrary<BadSignature> = fc.oneof(
  fc.record({ kind: fc.constant('wrongSecret' as const), secret: fc.string({ minLength: 1 }).filter((s) => s !== CORFIX_WEBHOOK_SECRET) }),
  fc.record({
    kind: fc.constant('randomSignature' as const),
    signature: fc.oneof(printable(80), fc.stringMatching(/^v1=[0-9a-f]{64}$/), fc.stringMatching(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)),
  }),
  fc.record({
    kind: fc.constant('stale' as const),
    // ahead by a few seconds more: the server reads its clock a moment after the oracle
    seconds: fc.oneof(fc.integer({ min: CORFIX_SIGNATURE_TOLERANCE_SECONDS + 5, max: 1e9 }), fc.integer({ min: -1e9, max: -(CORFIX_SIGNATURE_TOLERANCE_SECONDS + 1) })),
  }),
  fc.record({ kind: fc.constant('randomTimestamp' as const), timestamp: printable(20) }),
  fc.record({ kind: fc.constant('missing' as const), header: fc.constantFrom('timestamp' as const, 'signature' as const, 'both' as const) }),
  fc.record({ kind: fc.constant('tampered' as const), at: fc.nat() }),
);

function withBadSignature(raw: Buffer, bad: BadSignature): Post {
  const good = signed(raw);
  switch (bad.kind) {
    case 'wrongSecret':
      return { ...good, signature: signCorfixWebhook(bad.secret, Number(good.timestamp), raw) };
    case 'randomSignature':
      return { ...good, signature: bad.signature };
    case 'stale': {
      const timestamp = String(nowSeconds() + bad.seconds);
      return { ...good, timestamp, signature: signCorfixWebhook(CORFIX_WEBHOOK_SECRET, Number(timestamp), raw) };
    }
    case 'randomTimestamp':
      return { ...good, timestamp: bad.timestamp };
    case 'missing':
      return { ...good, ...(bad.header !== 'signature' ? { timestamp: null } : {}), ...(bad.header !== 'timestamp' ? { signature: null } : {}) };
    case 'tampered': {
      // one bit of one byte flipped after signing (a space added to an empty body)
      if (raw.length === 0) return { ...good, raw: Buffer.from(' ') };
      const changed = Buffer.from(raw);
      const i = bad.at % raw.length;
      changed[i] = (raw[i] ?? 0) ^ 0x01;
      return { ...good, raw: changed };
    }
  }
}

// ---- the properties ----

const run = (arbitrary: fc.Arbitrary<Post>, numRuns: number) =>
  fc.assert(
    fc.asyncProperty(arbitrary, async (post) => {
      await postAndCheck(post);
    }),
    { numRuns },
  );

describe('generated deliveries: never a 5xx, always the status the contract and the schema call for', () => {
  test('random JSON values, validly signed', async () => {
    await run(fc.jsonValue().map((v) => signed(Buffer.from(JSON.stringify(v) ?? ''))), RUNS.json);
  });

  test('near-valid deliveries with one field deleted, replaced, added, or its revision written oddly, validly signed', async () => {
    await run(nearValid.map((raw) => signed(raw)), RUNS.nearValid);
  });

  test('random bytes, validly signed', async () => {
    await run(fc.uint8Array({ maxLength: 2048 }).map((a) => signed(Buffer.from(a))), RUNS.bytes);
  });

  test('other content types (or none), validly signed', async () => {
    await run(fc.tuple(anyBody, otherContentType).map(([raw, contentType]) => signed(raw, contentType)), RUNS.contentType);
  });

  test('wrong secrets, random signatures, stale or odd timestamps, missing headers, tampered bytes: 401', async () => {
    await run(
      fc.tuple(anyBody, badSignature).map(([raw, bad]) => withBadSignature(raw, bad)),
      RUNS.badSignature,
    );
  });

  test(`at least ${MIN_POSTED} bodies were posted; only the accepted deliveries of the Sync-Forms-on account started a workflow`, async () => {
    expect(posted).toBeGreaterThanOrEqual(MIN_POSTED);
    for (const status of statuses.keys()) expect([200, 400, 401, 404]).toContain(status);
    const expected = [...accepted].map((formId) => formUploadWorkflowId(accounts.on.id, formId)).sort();
    for (const workflowId of expected) {
      expect((await h.temporal.client.workflow.getHandle(workflowId).describe()).type).toBe('FormUploadWithRetry');
    }
    const listed = async () => {
      const ids: string[] = [];
      for await (const w of h.temporal.client.workflow.list({ query: `WorkflowType = 'FormUploadWithRetry' AND TaskQueue = '${h.taskQueue}'` })) ids.push(w.workflowId);
      return ids.sort();
    };
    const deadline = Date.now() + 10_000;
    let ids = await listed();
    while (JSON.stringify(ids) !== JSON.stringify(expected) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ids = await listed();
    }
    expect(ids).toEqual(expected);
    // Recorded in the inbox: only deliveries of the two live accounts.
    const inbox = await h.t.db('webhook_events').where({ source: 'corfix' }).distinct('integration_id').pluck('integration_id');
    expect(inbox.every((id: string) => id === accounts.on.id || id === accounts.off.id)).toBe(true);
  });
});
