// The service account's token: read expires_in, renew before it runs out,
// one refresh after a 401, one token request shared by concurrent callers,
// and neither the token nor the client secret in the logs.
import { Writable } from 'node:stream';
import pino from 'pino';
import { countsFor, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.stop();
});
beforeEach(() => {
  h.sim.faults.resetCounts();
  h.sim.faults.clearFaults();
  h.sim.state.tokenLifetimeSeconds = 5400;
});

test('concurrent first calls share one token request', async () => {
  const client = h.client();
  await Promise.all(Array.from({ length: 20 }, () => client.me()));
  expect(countsFor(h.sim, 'POST /oauth/token').total).toBe(1);
});

test('a token expired early (server side) costs exactly one refresh, and the call succeeds', async () => {
  const client = h.client();
  await client.me();
  h.sim.state.expireTokens();
  await expect(client.me()).resolves.toMatchObject({ id: String(h.sim.state.serviceAccount.id) });
  expect(countsFor(h.sim, 'POST /oauth/token').total).toBe(2);
  expect(countsFor(h.sim, 'GET /rest/v1.0/me').by_status).toEqual({ '200': 2, '401': 1 });
});

test('concurrent calls that all meet the expired token still make one refresh between them', async () => {
  const client = h.client();
  await client.me();
  h.sim.state.expireTokens();
  await Promise.all(Array.from({ length: 10 }, () => client.me()));
  expect(countsFor(h.sim, 'POST /oauth/token').total).toBe(2);
  expect(countsFor(h.sim, 'GET /rest/v1.0/me').by_status).toEqual({ '200': 11, '401': 10 });
});

test('expires_in is read, not assumed: a short-lived token is renewed before Procore refuses it', async () => {
  h.sim.state.tokenLifetimeSeconds = 1;
  const client = h.client();
  await client.me();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await client.me();
  expect(countsFor(h.sim, 'POST /oauth/token').total).toBe(2);
  expect(countsFor(h.sim, 'GET /rest/v1.0/me').by_status).toEqual({ '200': 2 });
});

test('a token endpoint answering 5xx is retried (the token request is safe to repeat)', async () => {
  h.sim.faults.setFaults([{ route: 'POST /oauth/token', errors: [{ status: 500, rate: 1 }] }]);
  const client = h.client({ retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 10 } });
  await expect(client.me()).rejects.toMatchObject({ name: 'UnavailableError', status: 500 });
  expect(countsFor(h.sim, 'POST /oauth/token').total).toBe(3);
});

test('logs name calls and statuses, never the token or the client secret', async () => {
  let logged = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const client = h.client({ logger });
  await client.me();
  h.sim.state.expireTokens();
  h.sim.faults.setFaults([{ route: 'GET /rest/v1.0/companies', errors: [{ status: 500, rate: 0.5 }] }], 3);
  await client.me();
  await client.listCompanies().catch(() => undefined);
  expect(logged).toMatch(/refused the access token/);
  expect(logged).not.toContain(h.sim.clientSecret);
  expect(logged).not.toMatch(/[0-9a-f]{48}/);
  expect(logged).not.toMatch(/bearer/i);
});
