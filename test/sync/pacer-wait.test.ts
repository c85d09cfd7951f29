// A page whose Procore budget is spent for longer than a minute does not sleep
// inside its activity: it fails at once with the wait as the server-given
// delay, so the workflow shows that it is retrying and until when.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createInitialSyncActivities } from '../../src/activities/initial-sync.js';
import { createIntegration } from '../../src/db/repositories/integrations.js';
import { createLogger } from '../../src/logger.js';
import { windowWithTimeLeft } from '../procore/harness.js';
import { TOGGLES_OFF } from '../support/database.js';
import { settledWithin } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT = 'acc_budget_spent';
let h: SyncHarness;

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'pacer-wait',
    corfixAccounts: [ACCOUNT],
    procore: { rateLimits: { hourly: { limit: 3, window_seconds: 3600 }, spike: { limit: 100, window_seconds: 10 } } },
  });
});
afterAll(async () => h?.stop());

test('a project page that would wait over a minute for the Procore budget fails fast with retryAfterMs until the reset', async () => {
  const { resetAtMs } = await windowWithTimeLeft(3600, 90_000);
  const company = h.procore.state.addCompany({ name: 'Spent Budget Ltd' });
  h.procore.state.generateProjects(company.id, 3);
  const companyId = String(company.id);
  const integration = await createIntegration(h.t.db, { corfixAccountId: ACCOUNT, procoreCompanyId: companyId, ...TOGGLES_OFF });
  // Spend the window's budget through the same clients (and pacer) the activity uses.
  const procore = h.clients.procore(companyId);
  for (let i = 0; i < 3; i += 1) await procore.me();

  const activities = createInitialSyncActivities({ db: h.t.db, clients: h.clients, logger: createLogger('silent', 'test') });
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const started = Date.now();
  const page = env.run(activities.syncProjectPage, { integrationId: integration.id, page: 1, pagesDoneBefore: 0, resumeAfterId: null });
  const outcome = await settledWithin(15_000, page);
  expect(outcome.settled).toBe('rejected');
  const failure = outcome.settled === 'rejected' ? outcome.error : undefined;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  if (!(failure instanceof ApplicationFailure)) return;
  expect(failure.nonRetryable).toBe(false);
  const { retryAfterMs } = failure.details?.[0] as { retryAfterMs?: number };
  expect(Math.abs((retryAfterMs as number) - (resetAtMs + 1000 - Date.now()))).toBeLessThan(5_000);
  expect(retryAfterMs).toBeGreaterThan(60_000);
  expect(failure.message).toMatch(/budget/);
  expect(Date.now() - started).toBeLessThan(15_000);
  env.cancel();
  await page.catch(() => undefined);
}, 130_000);
