// Webhooks from the simulator to a receiver: signed as the contract says,
// verified by the client's verify function, retried on non-2xx, and
// duplicated or reordered when the admin asks.
import http from 'node:http';
import { webhookEventSchema } from '../../src/corfix/schemas.js';
import { verifyCorfixWebhook } from '../../src/corfix/webhook-signature.js';
import { ACCOUNT, SECOND_ACCOUNT, SECRET, eventually, startHarness, type Harness } from './support.js';

interface Received {
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  contentType: string | undefined;
}

let h: Harness;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
/** statuses the receiver answers with, in turn; 200 once exhausted */
let answers: number[] = [];
let projectId: string;

beforeAll(async () => {
  h = await startHarness({ webhookRetryDelaysMs: [20, 20, 20] });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        rawBody: Buffer.concat(chunks),
        timestamp: req.headers['corfix-timestamp'] as string | undefined,
        signature: req.headers['corfix-signature'] as string | undefined,
        contentType: req.headers['content-type'],
      });
      res.statusCode = answers.shift() ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/webhooks/corfix`;
  const set = await h.admin('PUT', `/accounts/${ACCOUNT}/webhook`, { url: receiverUrl });
  expect(set.status).toBe(200);
  projectId = h.sim.state.createProject(ACCOUNT, { name: 'Hook Site', status: 'active' }).id;
});
afterAll(async () => {
  await h.stop();
  await new Promise((resolve) => receiver.close(resolve));
});
beforeEach(() => {
  received.length = 0;
  answers = [];
});

function events(from: Received[] = received) {
  return from.map((r) => webhookEventSchema.parse(JSON.parse(r.rawBody.toString('utf8'))));
}

function completedForm(template = 'Daily Hazard Assessment') {
  return h.sim.state.createForm(ACCOUNT, { project_id: projectId, template_name: template, form_date: '2026-11-27', status: 'completed' });
}

describe('webhook deliveries', () => {
  test('form.completed and form.updated arrive signed; the signature verifies with the shared secret', async () => {
    const draft = h.sim.state.createForm(ACCOUNT, { project_id: projectId, template_name: 'Permit', form_date: '2026-11-28' });
    const completed = await h.admin('POST', `/accounts/${ACCOUNT}/forms/${draft.id}/complete`);
    const edited = await h.admin('POST', `/accounts/${ACCOUNT}/forms/${draft.id}/edit`, { template_name: 'Permit to Work' });
    await h.sim.webhooks.idle();

    expect(received).toHaveLength(2);
    expect(events()).toEqual([
      expect.objectContaining({
        event_type: 'form.completed',
        account_id: ACCOUNT,
        form_id: draft.id,
        project_id: projectId,
        revision: completed.body.revision,
      }),
      expect.objectContaining({ event_type: 'form.updated', form_id: draft.id, revision: edited.body.revision }),
    ]);
    expect(edited.body.revision).toBe(completed.body.revision + 1);
    for (const delivery of received) {
      expect(delivery.contentType).toBe('application/json');
      expect(delivery.signature).toMatch(/^v1=[0-9a-f]{64}$/);
      const verdict = verifyCorfixWebhook({
        secret: SECRET,
        rawBody: delivery.rawBody,
        timestamp: delivery.timestamp,
        signature: delivery.signature,
      });
      expect(verdict).toEqual({ ok: true, timestamp: Number(delivery.timestamp) });
    }
    expect(new Set(events().map((e) => e.event_id)).size).toBe(2);
  });

  test('a wrong secret, a changed body or a stale timestamp fail verification', async () => {
    completedForm();
    await h.sim.webhooks.idle();
    const [delivery] = received;
    if (!delivery) throw new Error('no delivery arrived');
    const base = { rawBody: delivery.rawBody, timestamp: delivery.timestamp, signature: delivery.signature };
    expect(verifyCorfixWebhook({ ...base, secret: 'another-secret' })).toEqual({ ok: false, reason: 'bad_signature' });
    const tampered = Buffer.from(delivery.rawBody.toString('utf8').replace(/"revision":\d+/, '"revision":99'));
    expect(verifyCorfixWebhook({ ...base, rawBody: tampered, secret: SECRET })).toEqual({ ok: false, reason: 'bad_signature' });
    const later = new Date((Number(delivery.timestamp) + 301) * 1000);
    expect(verifyCorfixWebhook({ ...base, secret: SECRET, now: later })).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  test('drafts and accounts without a webhook URL send nothing', async () => {
    const draft = h.sim.state.createForm(ACCOUNT, { project_id: projectId, template_name: 'Draft', form_date: '2026-11-29' });
    h.sim.state.editForm(ACCOUNT, draft.id, {});
    const otherProject = h.sim.state.createProject(SECOND_ACCOUNT, { name: 'Quiet', status: 'active' });
    const eventsBefore = h.sim.state.events.length;
    h.sim.state.createForm(SECOND_ACCOUNT, { project_id: otherProject.id, template_name: 'T', form_date: '2026-11-29', status: 'completed' });
    await h.sim.webhooks.idle();
    expect(received).toHaveLength(0);
    expect(h.sim.state.events.length).toBe(eventsBefore + 1);
  });

  test('a non-2xx answer is retried with the same event until it is accepted', async () => {
    answers = [500, 503];
    const form = completedForm('Retried Form');
    await h.sim.webhooks.idle();
    expect(received).toHaveLength(3);
    expect(new Set(events().map((e) => e.event_id)).size).toBe(1);
    expect(events()[0]?.form_id).toBe(form.id);
    const log = (await h.admin('GET', '/webhooks')).body.deliveries.filter((d: any) => d.event.form_id === form.id);
    expect(log).toHaveLength(1);
    expect(log[0].state).toBe('delivered');
    expect(log[0].attempts.map((a: any) => a.status)).toEqual([500, 503, 200]);
  });

  test('duplicate deliveries when asked', async () => {
    await h.admin('PUT', '/webhooks/mode', { duplicate_rate: 1, seed: 7 });
    try {
      completedForm('Twice A');
      completedForm('Twice B');
      await h.sim.webhooks.idle();
    } finally {
      await h.admin('PUT', '/webhooks/mode', { duplicate_rate: 0 });
    }
    const ids = events().map((e) => e.event_id);
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(2);
    for (const id of new Set(ids)) expect(ids.filter((x) => x === id)).toHaveLength(2);
  });

  test('reordered deliveries when asked: held, then released in another, seeded, order', async () => {
    async function heldAndReleased(seed: number): Promise<{ raised: string[]; arrived: string[]; released: string[] }> {
      received.length = 0;
      await h.admin('PUT', '/webhooks/mode', { reorder: true, seed });
      const before = h.sim.state.events.length;
      for (let i = 0; i < 5; i += 1) completedForm(`Ordered ${i}`);
      const raised = h.sim.state.events.slice(before).map((e) => e.event_id);
      await h.sim.webhooks.idle();
      expect(received).toHaveLength(0);
      expect((await h.admin('GET', '/webhooks')).body.held).toBe(5);
      const { released } = (await h.admin('POST', '/webhooks/release')).body as { released: string[] };
      await eventually(
        () => received.length,
        (n) => n === 5,
      );
      await h.sim.webhooks.idle();
      await h.admin('PUT', '/webhooks/mode', { reorder: false });
      return { raised, arrived: events().map((e) => e.event_id), released };
    }

    const first = await heldAndReleased(42);
    expect([...first.arrived].sort()).toEqual([...first.raised].sort());
    expect(first.arrived).not.toEqual(first.raised);
    expect(first.arrived).toEqual(first.released);

    // The same seed shuffles the same way.
    const second = await heldAndReleased(42);
    const position = (run: { raised: string[]; arrived: string[] }) => run.arrived.map((id) => run.raised.indexOf(id));
    expect(position(second)).toEqual(position(first));
  });
});
