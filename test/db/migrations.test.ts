import { migrateAllDown, migrateToLatest } from '../../src/db/database.js';
import { MIGRATION_NAMES } from '../../src/db/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TABLES = [
  'integrations',
  'connect_state_nonces',
  'project_links',
  'worker_links',
  'sync_outcomes',
  'form_links',
  'procore_folders',
  'webhook_events',
  'audit_log',
  'create_attempts',
  'unreadable_procore_records',
  'corfix_snapshots',
  'corfix_snapshot_keys',
  'procore_rate_budgets',
  'alert_incidents',
  'integration_previews',
  'preview_outcomes',
];

async function tablesIn(t: TestDatabase): Promise<string[]> {
  const rows = await t.db('information_schema.tables').where({ table_schema: 'public' }).select('table_name');
  return rows.map((r: { table_name: string }) => r.table_name).filter((n: string) => !n.startsWith('knex_'));
}

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => t.drop());

  test('go up, down and up again', async () => {
    expect(MIGRATION_NAMES[0]).toBe('001_initial_schema');
    expect(await migrateToLatest(t.db)).toEqual(MIGRATION_NAMES);
    expect((await tablesIn(t)).sort()).toEqual([...TABLES].sort());

    await migrateAllDown(t.db);
    expect(await tablesIn(t)).toEqual([]);

    expect(await migrateToLatest(t.db)).toEqual(MIGRATION_NAMES);
    expect((await tablesIn(t)).sort()).toEqual([...TABLES].sort());
    expect(await migrateToLatest(t.db)).toEqual([]);
  });
});
