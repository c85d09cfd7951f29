// The Postgres pool and the worker's activity slots are sized together: the
// worker runs no more pages at once than its pool (DATABASE_POOL_MAX, read in
// test/config/config.test.ts) can serve within POOL_OVERSUBSCRIPTION.
import { DEFAULT_CORFIX_CREATE_CONCURRENCY, POOL_OVERSUBSCRIPTION } from '../../src/config.js';
import { activityConcurrencyFor } from '../../src/temporal/worker-tuning.js';
import { serviceWorkerOptions, type ServiceWorkerOptions, type WorkerDependencies } from '../../src/worker.js';

test('the default pool of 20 runs 5 activities at once with the default 16 creates per page, not Temporal default 100', () => {
  expect(activityConcurrencyFor(20)).toBe(5);
  expect(activityConcurrencyFor(4)).toBe(1);
  expect(activityConcurrencyFor(100)).toBe(25);
  expect(activityConcurrencyFor(10, 8)).toBe(5);
});

test('pages in flight x creates per page never exceed the pool times the stated oversubscription, and use all of it', () => {
  for (const creates of [DEFAULT_CORFIX_CREATE_CONCURRENCY, 1, 16, 32]) {
    for (let pool = Math.max(2, Math.ceil(creates / POOL_OVERSUBSCRIPTION)); pool <= 1000; pool += 1) {
      const activities = activityConcurrencyFor(pool, creates);
      expect(activities).toBeGreaterThanOrEqual(1);
      expect(activities * creates).toBeLessThanOrEqual(pool * POOL_OVERSUBSCRIPTION);
      expect((activities + 1) * creates).toBeGreaterThan(pool * POOL_OVERSUBSCRIPTION);
    }
  }
});

test('the service worker takes its activity slots from the pool size, unless a test tunes them', () => {
  const base = {
    connection: {} as ServiceWorkerOptions['connection'],
    namespace: 'default',
    taskQueue: 'q',
    dependencies: {} as WorkerDependencies,
    bundleFromSource: true,
  };
  expect(serviceWorkerOptions({ ...base, databasePoolMax: 20 }).maxConcurrentActivityTaskExecutions).toBe(5);
  expect(serviceWorkerOptions({ ...base, databasePoolMax: 48 }).maxConcurrentActivityTaskExecutions).toBe(12);
  const fewerCreates = { ...base, dependencies: { corfixCreateConcurrency: 4 } as WorkerDependencies };
  expect(serviceWorkerOptions({ ...fewerCreates, databasePoolMax: 10 }).maxConcurrentActivityTaskExecutions).toBe(10);
  const tuned = serviceWorkerOptions({ ...base, databasePoolMax: 10, tuning: { maxConcurrentActivityTaskExecutions: 2 } });
  expect(tuned.maxConcurrentActivityTaskExecutions).toBe(2);
});
