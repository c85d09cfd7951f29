import { buildApi } from '../../src/api/server.js';
import { createExternalApiClients } from '../../src/external-api-clients.js';
import { openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { connectTestTemporal, type TestTemporal } from '../support/temporal.js';

let t: TestDatabase;
let temporal: TestTemporal;
const logger = createLogger('silent', 'test');
// Health touches neither API; the clients only have to exist.
const clients = createExternalApiClients(unreachableClientSettings, logger);
const apiToken = 'health-test-token-0123456789';

beforeAll(async () => {
  [t, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await temporal?.close();
  await t?.drop();
});

test('GET /health answers ok when Postgres and Temporal answer', async () => {
  const app = await buildApi({ db: t.db, temporal: temporal.client, taskQueue: 'q', logger, clients, apiToken });
  const response = await app.inject({ method: 'GET', url: '/health' });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toEqual({ status: 'ok', checks: { database: 'ok', temporal: 'ok' } });
  await app.close();
});

test('GET /health answers 503 naming the dependency that is down', async () => {
  const closedPort = openDatabase('postgres://nobody@127.0.0.1:1/none');
  const app = await buildApi({ db: closedPort, temporal: temporal.client, taskQueue: 'q', logger, clients, apiToken });
  const response = await app.inject({ method: 'GET', url: '/health' });
  expect(response.statusCode).toBe(503);
  expect(response.json()).toEqual({ status: 'degraded', checks: { database: 'unreachable', temporal: 'ok' } });
  await app.close();
  await closedPort.destroy();
});
