// A query that cannot go on (a lock held elsewhere, a statement that runs
// away) fails within bounded time instead of holding an activity, and its
// connection, for as long as it likes.
import { createIntegration } from '../../src/db/repositories/integrations.js';
import { createTestDatabase, TOGGLES_OFF, type TestDatabase } from '../support/database.js';
import { settledWithin } from '../support/eventually.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

test('every pooled connection carries a statement timeout, a lock timeout and an idle-in-transaction timeout', async () => {
  const settings = await t.db.raw<{ rows: Array<{ name: string; setting: string; unit: string | null }> }>(
    `select name, setting, unit from pg_settings
      where name in ('statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout')`,
  );
  const ms = Object.fromEntries(settings.rows.map((r) => [r.name, Number(r.setting)]));
  expect(ms['statement_timeout']).toBeGreaterThan(0);
  expect(ms['statement_timeout']).toBeLessThanOrEqual(60_000);
  expect(ms['lock_timeout']).toBeGreaterThan(0);
  expect(ms['lock_timeout']).toBeLessThanOrEqual(ms['statement_timeout'] as number);
  expect(ms['idle_in_transaction_session_timeout']).toBeGreaterThan(0);
});

test('a write waiting on a row another session holds fails within the lock timeout', async () => {
  const integration = await createIntegration(t.db, { corfixAccountId: 'acc_locked', procoreCompanyId: '777000111', ...TOGGLES_OFF });
  const holder = await t.db.transaction();
  try {
    await holder('integrations').where({ id: integration.id }).forUpdate().first();
    const started = Date.now();
    const outcome = await settledWithin(25_000, t.db('integrations').where({ id: integration.id }).update({ last_error: 'x' }));
    expect(outcome.settled).toBe('rejected');
    expect(outcome.settled === 'rejected' && (outcome.error as { code?: string }).code).toBe('55P03'); // lock_not_available
    expect(Date.now() - started).toBeLessThan(25_000);
  } finally {
    await holder.rollback();
  }
}, 40_000);
