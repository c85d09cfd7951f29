// Each test file gets a database of its own on the run's Postgres server, so
// files can run in parallel and a migration test cannot disturb another file.
import { randomBytes } from 'node:crypto';
import { databaseUrlOn, dropDatabase, ensureDatabase } from '../../src/dev/embedded-postgres.js';
import { migrateToLatest, openDatabase, type Database } from '../../src/db/database.js';
import { createIntegration } from '../../src/db/repositories/integrations.js';

/** Each test database's pool (a service worker over it is sized from it). */
export const TEST_POOL_MAX = 8;

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env['TEST_POSTGRES_URL'];
  if (!url) throw new Error('TEST_POSTGRES_URL is not set: run the tests through jest (npm test), whose global setup starts Postgres');
  return url;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = serverUrl();
  await ensureDatabase(admin, name);
  const url = databaseUrlOn(admin, name);
  const db = openDatabase(url, { poolMax: TEST_POOL_MAX });
  if (options.migrate !== false) await migrateToLatest(db);
  return {
    db,
    url,
    name,
    drop: async () => {
      await db.destroy();
      await dropDatabase(admin, name);
    },
  };
}

/** An integration's three toggles, all off. */
export const TOGGLES_OFF = { syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false } as const;

let integrations = 0;

/** A new integration (toggles off) of an account and company no other test uses; its id. */
export async function newIntegrationId(db: TestDatabase['db'], label: string): Promise<string> {
  integrations += 1;
  const integration = await createIntegration(db, {
    corfixAccountId: `acc_${label}_${integrations}_${Date.now()}`,
    procoreCompanyId: String(9_000_000_000 + integrations),
    ...TOGGLES_OFF,
  });
  return integration.id;
}
