// The Procore clients a process keeps, one per company id, are bounded: the
// connect preflight creates one for any company id a caller sends.
import { createExternalApiClients, PROCORE_CLIENT_LIMIT } from '../../src/external-api-clients.js';
import { createLogger } from '../../src/logger.js';
import { unreachableClientSettings } from '../support/client-settings.js';

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
