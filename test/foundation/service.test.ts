// `npm start` runs the API and the worker in one process: when the worker
// stops by itself, the process must not live on saying "ok" while nothing syncs.
import { createLogger } from '../../src/logger.js';
import { runUntilStopped, startService, type RunningService } from '../../src/service.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.js';

let t: TestDatabase;
let service: RunningService | undefined;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await service?.stop();
  await t?.drop();
});

test('a worker that stops by itself turns /health to 503 and fails the service', async () => {
  service = await startService(
    {
      DATABASE_URL: t.url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('service'),
      // Neither API is called in this test.
      ...unreachableClientSettings,
      CORFIX_WEBHOOK_SECRET: 'webhook-secret',
      RECONCILE_INTERVAL: 60_000,
      CORFIX_CREATE_CONCURRENCY: 8,
      SYNC_POLL_INTERVAL: 300_000,
      SYNC_RECONCILE_INTERVAL: 86_400_000,
      ALERT_AFTER: 1_800_000,
      DATABASE_POOL_MAX: 5,
      API_PORT: 0,
      API_HOST: '127.0.0.1',
      API_TOKEN: ['service-test-token-0123456789'],
      METRICS_HOST: '0.0.0.0',
      LOG_LEVEL: 'silent',
    },
    { api: true, worker: true, prepare: false },
  );
  const health = async () => {
    const response = await fetch(`${service?.apiUrl}/health`);
    return { status: response.status, body: (await response.json()) as { checks: Record<string, string> } };
  };
  expect(await health()).toMatchObject({ status: 200, body: { checks: { worker: 'ok' } } });

  service.worker?.shutdown(); // as if its run() had ended on its own
  await expect(service.failure).resolves.toThrow(/worker stopped/);
  expect(await health()).toMatchObject({ status: 503, body: { checks: { worker: 'stopped' } } });
});

test('runUntilStopped exits 1 when a part of the service stops by itself', async () => {
  let stopped = false;
  const exited = new Promise<number>((resolve) => {
    runUntilStopped(
      { failure: Promise.resolve(new Error('the worker stopped by itself')), stop: async () => void (stopped = true) },
      createLogger('silent', 'test'),
      resolve as (code: number) => never,
    );
  });
  expect(await exited).toBe(1);
  expect(stopped).toBe(true);
});
