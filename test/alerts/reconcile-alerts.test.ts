// The alerts through the real ReconcileIntegrations workflow on a real worker
// (the service's activities, a pass every second): a receiver that is down
// does not stop the passes and gets its alert once it answers; an integration
// in error and one retrying too long get one alert each, one recovery each
// after the fix, and nothing more however many passes follow.
import type { Worker } from '@temporalio/worker';
import { startReconciler } from '../../src/client.js';
import {
  failContinuousSyncOf,
  recordSyncRecovered,
  recordSyncRetrying,
  updateIntegration,
} from '../../src/db/repositories/integrations.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { reconcileWorkflowId } from '../../src/temporal/workflow-ids.js';
import { createServiceWorker } from '../../src/worker.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, newIntegrationId, TEST_POOL_MAX, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { connectTestTemporal, uniqueTaskQueue, type TestTemporal } from '../support/temporal.js';
import { startAlertReceiver, type AlertReceiver } from './alert-receiver.js';

const SECRET = 'alert-webhook-secret-for-the-workflow-test-0123';

let t: TestDatabase;
let temporal: TestTemporal;
let receiver: AlertReceiver;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueTaskQueue('reconcile-alerts');
// What the reconcile pass starts (continuous syncs of the integrations in error
// or retrying) goes to a queue no worker polls: nothing but the test changes them.
const repairsQueue = uniqueTaskQueue('reconcile-alerts-repairs');

beforeAll(async () => {
  [t, temporal, receiver] = await Promise.all([createTestDatabase(), connectTestTemporal(), startAlertReceiver(SECRET)]);
  const logger = createLogger('silent', 'test');
  worker = await createServiceWorker({
    connection: temporal.nativeConnection,
    namespace: 'default',
    taskQueue,
    dependencies: {
      db: t.db,
      clients: createExternalApiClients(unreachableClientSettings, logger),
      logger,
      temporal: { client: temporal.client, taskQueue: repairsQueue },
      reconcileIntervalMs: 1_000,
      continuousSync: { pollIntervalMs: 300_000, reconcileIntervalMs: 86_400_000 },
      alerts: { webhook: { url: receiver.url, secret: SECRET }, alertAfterMs: 30 * 60_000, publicUrl: 'https://integration.example.test' },
    },
    databasePoolMax: TEST_POOL_MAX,
    bundleFromSource: true,
  });
  running = worker.run();
});

afterAll(async () => {
  const ids = [reconcileWorkflowId(taskQueue)];
  for await (const w of temporal.client.workflow.list({ query: `TaskQueue = "${repairsQueue}" AND ExecutionStatus = "Running"` })) ids.push(w.workflowId);
  for (const id of ids) await temporal.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await receiver?.close();
  await temporal?.close();
  await t?.drop();
});

/** How many alert passes the reconciler has run (scheduled; each follows the end of the one before). */
async function alertPasses(): Promise<number> {
  const history = await temporal.client.workflow.getHandle(reconcileWorkflowId(taskQueue)).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendAlerts').length;
}

/** Waits until `n` more alert passes have run to their end. */
async function morePasses(n: number): Promise<void> {
  const from = await alertPasses();
  await eventually(async () => ((await alertPasses()) >= from + n + 1 ? true : undefined), 30_000);
}

async function liveIntegration(label: string): Promise<string> {
  const id = await newIntegrationId(t.db, label);
  await updateIntegration(t.db, id, { status: 'active', initialSyncState: 'completed' });
  return id;
}

test('the reconciler sends one alert per incident, keeps passing while the receiver is down, and one recovery after the fix', async () => {
  await receiver.goDown();
  const failing = await liveIntegration('failing');
  const retrying = await liveIntegration('retrying');
  await failContinuousSyncOf(t.db, failing, 'Procore says the app is not connected to this company (403 App is not connected)');
  await recordSyncRetrying(t.db, retrying, { message: 'Procore answered 503 (service unavailable)', nextTryAt: new Date(Date.now() + 60_000) });
  await t.db('integrations').where({ id: retrying }).update({ sync_state_since: t.db.raw(`now() - interval '2 hours'`) });

  await startReconciler(temporal.client, taskQueue);
  // Refused every pass, and the passes go on.
  await morePasses(2);
  expect(receiver.deliveries).toEqual([]);
  const refused = await t.db('alert_incidents').whereNull('alerted_at').where('send_failures', '>', 0);
  expect(refused.length).toBeGreaterThanOrEqual(1);

  await receiver.comeUp();
  await eventually(async () => (receiver.taken().length === 2 ? true : undefined), 30_000);
  await morePasses(3);
  expect(receiver.taken().map((n) => [n.integration_id, n.kind, n.state])).toEqual([
    [failing, 'integration_error', 'open'],
    [retrying, 'retrying_too_long', 'open'],
  ]);
  expect(receiver.deliveries.every((d) => d.signatureOk)).toBe(true);

  await updateIntegration(t.db, failing, { status: 'active' });
  await recordSyncRecovered(t.db, failing);
  await recordSyncRecovered(t.db, retrying);
  await eventually(async () => (receiver.taken().length === 4 ? true : undefined), 30_000);
  await morePasses(3);
  const notices = receiver.taken();
  expect(notices).toHaveLength(4);
  expect(notices.slice(2).map((n) => [n.integration_id, n.kind, n.state])).toEqual([
    [failing, 'integration_error', 'recovered'],
    [retrying, 'retrying_too_long', 'recovered'],
  ]);
  expect(notices[2]?.incident_id).toBe(notices[0]?.incident_id);
  expect(notices[3]?.incident_id).toBe(notices[1]?.incident_id);
  expect((await temporal.client.workflow.getHandle(reconcileWorkflowId(taskQueue)).describe()).status.name).toBe('RUNNING');
});
