// A worker alone (`npm run worker`: node on the built dist/bin/worker.js) has
// no API: with METRICS_PORT it serves /metrics on a port of its own, for a
// scrape sending METRICS_TOKEN, with the Temporal SDK's metrics of its worker.
// Needs `npm run build`.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/stack.js';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.js';

const METRICS_TOKEN = 'worker-metrics-token-0123';
let t: TestDatabase;
let worker: ChildProcess | undefined;
let exited: Promise<void> | undefined;
let metricsUrl: string;
const output: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = spawn(process.execPath, ['dist/bin/worker.js'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    env: {
      PATH: process.env['PATH'] ?? '',
      DATABASE_URL: t.url,
      DATABASE_POOL_MAX: '4',
      CORFIX_CREATE_CONCURRENCY: '4',
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('worker-metrics'),
      ...unreachableClientSettings,
      CORFIX_WEBHOOK_SECRET: 'worker-metrics-webhook-secret',
      METRICS_TOKEN,
      METRICS_PORT: String(port),
      METRICS_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  worker.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const child = worker;
  exited = new Promise((resolve) => child.once('exit', () => resolve()));
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  await exited;
  await t?.drop();
});

test("a worker alone serves /metrics on METRICS_PORT, with its SDK's metrics, to METRICS_TOKEN only", async () => {
  const text = await eventually(async () => {
    const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    const body = await response.text();
    // The worker's pollers report once it polls.
    return response.status === 200 && /^temporal_num_pollers\{/m.test(body) ? body : undefined;
  }, 30_000).catch((error: unknown) => {
    throw new Error(`${String(error)}\nworker output:\n${output.join('').slice(-3000)}`);
  });
  expect(text).toMatch(/^# TYPE corfix_procore_entities_synced_total counter$/m);
  expect(text).toMatch(/^# TYPE corfix_procore_webhook_events_total counter$/m);
  expect(text).toMatch(/^process_resident_memory_bytes [0-9]+$/m);
  expect((await fetch(metricsUrl)).status).toBe(401);
  expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer worker-metrics-token-9999' } })).status).toBe(401);
  expect((await fetch(metricsUrl.replace('/metrics', '/health'))).status).toBe(404);
});
