// The Procore clients a process keeps, one per company id, are bounded: the
// connect preflight creates one for any company id a caller sends. They pace
// on the pacer the process gives, the service's one shared through Postgres.
import { createExternalApiClients, PROCORE_CLIENT_LIMIT } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import type { RatePacer } from '../../src/procore/pacing.js';
import { serviceApiClients } from '../../src/service.js';
import { unreachableClientSettings } from '../support/client-settings.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { startHarness, type Harness } from './harness.js';

const settings = unreachableClientSettings;
const logger = createLogger('silent', 'test');

test('the same company gets the same client', () => {
  const clients = createExternalApiClients(settings, logger);
  // compared by identity without printing a client: a client holds the secret
  expect(clients.procore('7') === clients.procore('7')).toBe(true);
  expect(clients.procore('8') === clients.procore('7')).toBe(false);
});

test('more companies than the bound keep only the bound, dropping the least recently used', () => {
  expect(PROCORE_CLIENT_LIMIT).toBe(1000);
  const clients = createExternalApiClients(settings, logger);
  const first = clients.procore('1');
  const second = clients.procore('2');
  for (let id = 3; id <= PROCORE_CLIENT_LIMIT; id += 1) clients.procore(String(id));
  expect(clients.procoreClientCount()).toBe(PROCORE_CLIENT_LIMIT);
  expect(clients.procore('1') === first).toBe(true); // used again: now the most recent
  clients.procore(String(PROCORE_CLIENT_LIMIT + 1)); // one past the bound: '2' is the least recently used
  expect(clients.procoreClientCount()).toBe(PROCORE_CLIENT_LIMIT);
  expect(clients.procore('1') === first).toBe(true);
  expect(clients.procore('2') === second).toBe(false);
  for (let id = 5000; id < 5000 + 2 * PROCORE_CLIENT_LIMIT; id += 1) clients.procore(String(id));
  expect(clients.procoreClientCount()).toBe(PROCORE_CLIENT_LIMIT);
});

describe('the pacer', () => {
  let h: Harness;
  let t: TestDatabase;
  beforeAll(async () => {
    [h, t] = await Promise.all([startHarness(), createTestDatabase()]);
  });
  afterAll(async () => {
    await h?.sim.stop();
    await t?.drop();
  });
  const reachingProcore = () => ({
    ...settings,
    PROCORE_API_BASE_URL: h.sim.url,
    PROCORE_AUTH_BASE_URL: h.sim.url,
    PROCORE_CLIENT_ID: h.sim.clientId,
    PROCORE_CLIENT_SECRET: h.sim.clientSecret,
  });

  test("every company's client takes its turns on the pacer given", async () => {
    const asked: string[] = [];
    const pacer: RatePacer = {
      acquire: async (companyId) => {
        asked.push(companyId);
        return { release: () => undefined };
      },
    };
    const clients = createExternalApiClients(reachingProcore(), logger, { pacer });
    await clients.procore(String(h.company.id)).me();
    expect(asked).toEqual([String(h.company.id)]);
  });

  test("a service process's clients count the company's budget in its database", async () => {
    const clients = serviceApiClients(reachingProcore(), t.db, logger);
    await clients.procore(String(h.company.id)).me();
    await eventually(async () => {
      const row = await t.db('procore_rate_budgets').where({ company_id: String(h.company.id) }).first();
      return row?.in_flight === 0 && row.remaining !== null ? row : undefined;
    });
  });
});
