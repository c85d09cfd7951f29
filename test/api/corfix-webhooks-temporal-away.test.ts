// POST /webhooks/corfix when Temporal does not answer in time (the sync
// harness of corfix-webhook-support.ts, no worker on its task queue): refused
// or silent, the delivery is answered 200 queued within a second and waits in
// the inbox until the reconciler's hand-over starts its workflow; merely
// slow, the request's own hand-over goes on after the answer and starts it.
// Either way the event is handed over once, whatever is redelivered.
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApi } from '../../src/api/server.js';
import { createLogger } from '../../src/logger.js';
import { handOverWaitingFormEvents } from '../../src/temporal/hand-over-form-events.js';
import { eventually } from '../support/eventually.js';
import { CORFIX_WEBHOOK_SECRET } from '../support/sync-harness.js';
import {
  deliverEvent,
  event,
  expectNoWorkflow,
  formWorkflowId,
  h,
  historyOf,
  inboxRows,
  on,
  testWorkflowsOfThisFile,
  useCorfixWebhookHarness,
} from './corfix-webhook-support.js';

const logger = createLogger('silent', 'test');

useCorfixWebhookHarness('corfix-webhooks-temporal-away');

describe('a Temporal that cannot be reached', () => {
  /** An API like the harness's whose Temporal client points at `address`. */
  async function apiOn(address: string, lines: string[]): Promise<{ api: FastifyInstance; close(): Promise<void> }> {
    const connection = Connection.lazy({ address });
    const captured = pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) });
    const api = await buildApi({
      db: h.t.db,
      temporal: new Client({ connection }),
      taskQueue: h.taskQueue,
      logger: captured,
      clients: h.clients,
      apiToken: 'unreachable-temporal-api-token',
      corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
    });
    return {
      api,
      close: async () => {
        await api.close();
        await connection.close();
      },
    };
  }

  /** A port where nothing listens (connections refused), or a server that accepts and never answers. */
  async function deadAddress(kind: 'refused' | 'silent'): Promise<{ address: string; stop(): void }> {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    if (kind === 'refused') await new Promise<void>((resolve) => server.close(() => resolve()));
    return {
      address,
      stop: () => {
        for (const socket of sockets) socket.destroy();
        if (kind === 'silent') server.close();
      },
    };
  }

  test.each(['refused', 'silent'] as const)(
    'Temporal %s: 200 queued within a second, the event waits in the inbox; the hand-over starts its workflow later; a redelivery then changes nothing',
    async (kind) => {
      const dead = await deadAddress(kind);
      const lines: string[] = [];
      const stalled = await apiOn(dead.address, lines);
      const body = event({ revision: 7 });
      const workflowId = formWorkflowId(body.form_id);
      try {
        const begun = Date.now();
        const response = await deliverEvent(body, stalled.api);
        const took = Date.now() - begun;
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ received: true, duplicate: false, queued: true });
        expect(took).toBeLessThan(1_000);
        expect(await inboxRows(body.event_id)).toEqual([expect.objectContaining({ integration_id: on.id, processed_at: null })]);
        await expectNoWorkflow(workflowId);

        // Corfix delivers again while Temporal is still away: the same event, still queued.
        expect((await deliverEvent(body, stalled.api)).json()).toEqual({ received: true, duplicate: true, queued: true });
        expect(await inboxRows(body.event_id)).toHaveLength(1);
      } finally {
        // Closing the API waits for the hand-overs still trying after their answers (their deadline: 10 s).
        await stalled.close();
        dead.stop();
      }
      // Each hand-over that found no Temporal said so, with ids only, once it gave up.
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => typeof l.msg === 'string' && l.msg.includes('could not hand a Corfix form event'));
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatchObject({ level: 40, integrationId: on.id, eventId: body.event_id, formId: body.form_id });
      expect(lines.join('\n')).not.toContain(CORFIX_WEBHOOK_SECRET);

      // Within its grace period (as if it had just been recorded) the event is left to the request that recorded it.
      await h.t.db('webhook_events').where({ source: 'corfix', event_id: body.event_id }).update({ received_at: h.t.db.fn.now() });
      const early = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(early.failed).toBe(0);
      await expectNoWorkflow(workflowId);

      // Later (as if the grace period had passed), the reconciler's hand-over delivers it.
      await h.t.db('webhook_events').where({ source: 'corfix', event_id: body.event_id }).update({ received_at: h.t.db.raw(`now() - interval '1 minute'`) });
      const handed = await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect(handed.handedOver).toBeGreaterThanOrEqual(1);
      expect(handed.failed).toBe(0);
      const history = await historyOf(workflowId);
      expect(history.first).toEqual(['EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED']);
      expect(history.signals).toEqual([{ name: 'formChanged', input: [{ revision: 7 }] }]);
      expect((await inboxRows(body.event_id))[0].processed_at).toBeInstanceOf(Date);

      // Handed over once: another pass and a redelivery change nothing.
      await handOverWaitingFormEvents(h.t.db, h.temporal.client, h.taskQueue, logger);
      expect((await deliverEvent(body)).json()).toEqual({ received: true, duplicate: true, queued: false });
      expect((await historyOf(workflowId)).signals).toHaveLength(1);
    },
  );
});

describe('a Temporal slower than the answer', () => {
  /** A TCP proxy to Temporal that holds each new connection for `delayMs` before passing bytes on. */
  async function slowProxy(target: string, delayMs: number): Promise<{ address: string; stop(): Promise<void> }> {
    const [host, port] = target.split(':') as [string, string];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((client) => {
      client.pause();
      const upstream = net.connect(Number(port), host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => socket.destroy());
      }
      setTimeout(() => {
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      }, delayMs);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      stop: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  test('answered within a second as queued, the hand-over goes on and starts the workflow without the reconciler', async () => {
    // The bench's burst: Temporal takes a second or two to answer, beyond the 500 ms the answer waits.
    const proxy = await slowProxy(process.env['TEMPORAL_ADDRESS'] as string, 1_500);
    const connection = Connection.lazy({ address: proxy.address });
    const api = await buildApi({
      db: h.t.db,
      temporal: new Client({ connection }),
      taskQueue: h.taskQueue,
      logger,
      clients: h.clients,
      apiToken: 'slow-temporal-api-token',
      corfixWebhookSecret: CORFIX_WEBHOOK_SECRET,
    });
    const body = event({ revision: 3 });
    try {
      const begun = Date.now();
      const response = await deliverEvent(body, api);
      expect(Date.now() - begun).toBeLessThan(1_000);
      expect(response.json()).toEqual({ received: true, duplicate: false, queued: true });
      // No reconciler pass: the request's own hand-over, still going, delivers it.
      const processed = async () => ((await inboxRows(body.event_id))[0]?.processed_at ? true : undefined);
      await eventually(processed, 15_000);
      expect((await historyOf(formWorkflowId(body.form_id))).signals).toEqual([{ name: 'formChanged', input: [{ revision: 3 }] }]);
    } finally {
      await api.close();
      await connection.close();
      await proxy.stop();
    }
  });
});

// Three accepted deliveries: refused, silent, slow.
testWorkflowsOfThisFile(2);
