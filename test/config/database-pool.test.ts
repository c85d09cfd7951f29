// The Postgres pool and the worker's activity slots are sized together:
// DATABASE_POOL_MAX is read like every other variable, and the worker runs no
// more pages at once than the pool can serve within POOL_OVERSUBSCRIPTION.
import { CORFIX_CREATE_CONCURRENCY } from '../../src/activities/entity-page.js';
import { ConfigError, migrateConfigSchema, readConfig, workerConfigSchema } from '../../src/config.js';
import type { ActivityDependencies } from '../../src/activities/activity-support.js';
import { activityConcurrencyFor, POOL_OVERSUBSCRIPTION } from '../../src/temporal/worker-tuning.js';
import { serviceWorkerOptions, type ServiceWorkerOptions } from '../../src/worker.js';

const DATABASE_URL = 'postgres://app@127.0.0.1:5432/app';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(migrateConfigSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test('DATABASE_POOL_MAX defaults to 10 and is read as a number', () => {
  expect(readConfig(migrateConfigSchema, { DATABASE_URL }).DATABASE_POOL_MAX).toBe(10);
  expect(readConfig(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: '40' }).DATABASE_POOL_MAX).toBe(40);
  expect(readConfig(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: '' }).DATABASE_POOL_MAX).toBe(10);
});

test('a bad DATABASE_POOL_MAX is named and its value not repeated', () => {
  for (const bad of ['1', '0', '-3', '2.5', 'lots', '100000']) {
    const problems = problemsOf({ DATABASE_URL, DATABASE_POOL_MAX: bad });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DATABASE_POOL_MAX must be a whole number between 2 and 1000$/);
  }
});

test('the worker and every other process read it', () => {
  const { DATABASE_POOL_MAX } = readConfig(workerConfigSchema, {
    DATABASE_URL,
    DATABASE_POOL_MAX: '25',
    PROCORE_API_BASE_URL: 'https://procore.example.test',
    PROCORE_AUTH_BASE_URL: 'https://login.procore.example.test',
    PROCORE_CLIENT_ID: 'client-id',
    PROCORE_CLIENT_SECRET: 'very-secret-value',
    CORFIX_API_BASE_URL: 'https://corfix.example.test',
    CORFIX_API_TOKEN: 'corfix-token-value',
    CORFIX_WEBHOOK_SECRET: 'corfix-webhook-secret',
  });
  expect(DATABASE_POOL_MAX).toBe(25);
});

test('the default pool of 10 runs 5 activities at once, not Temporal default 100', () => {
  expect(activityConcurrencyFor(10)).toBe(5);
  expect(activityConcurrencyFor(2)).toBe(1);
  expect(activityConcurrencyFor(100)).toBe(50);
});

test('pages in flight x creates per page never exceed the pool times the stated oversubscription, and use all of it', () => {
  for (let pool = 2; pool <= 1000; pool += 1) {
    const activities = activityConcurrencyFor(pool);
    expect(activities).toBeGreaterThanOrEqual(1);
    expect(activities * CORFIX_CREATE_CONCURRENCY).toBeLessThanOrEqual(pool * POOL_OVERSUBSCRIPTION);
    expect((activities + 1) * CORFIX_CREATE_CONCURRENCY).toBeGreaterThan(pool * POOL_OVERSUBSCRIPTION);
  }
});

test('the service worker takes its activity slots from the pool size, unless a test tunes them', () => {
  const base = {
    connection: {} as ServiceWorkerOptions['connection'],
    namespace: 'default',
    taskQueue: 'q',
    dependencies: {} as ActivityDependencies,
    bundleFromSource: true,
  };
  expect(serviceWorkerOptions({ ...base, databasePoolMax: 10 }).maxConcurrentActivityTaskExecutions).toBe(5);
  expect(serviceWorkerOptions({ ...base, databasePoolMax: 24 }).maxConcurrentActivityTaskExecutions).toBe(12);
  const tuned = serviceWorkerOptions({ ...base, databasePoolMax: 10, tuning: { maxConcurrentActivityTaskExecutions: 2 } });
  expect(tuned.maxConcurrentActivityTaskExecutions).toBe(2);
});
