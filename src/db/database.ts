// One knex instance per process. Procore ids are bigint columns: pg hands
// bigints back as strings, which is what the rest of the code wants.
import knex, { type Knex } from 'knex';
import { migrationSource } from './migrations/index.js';

export type Database = Knex;

/**
 * Set on every pooled connection. A query that cannot go on (a lock held
 * elsewhere, a runaway statement, a transaction left open) fails within
 * bounded time instead of holding an activity and its connection: activities
 * heartbeat only on progress, and a stuck query must let them fail.
 */
export const SESSION_TIMEOUTS = {
  statement_timeout: 30_000,
  lock_timeout: 10_000,
  idle_in_transaction_session_timeout: 60_000,
} as const;

/** `poolMax`: DATABASE_POOL_MAX (src/config.ts, default 10); the worker sizes its activity slots from it. */
export function openDatabase(databaseUrl: string, options: { poolMax?: number } = {}): Database {
  return knex({
    client: 'pg',
    connection: { connectionString: databaseUrl, ...SESSION_TIMEOUTS },
    pool: { min: 0, max: options.poolMax ?? 10 },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  });
}

/** Applies pending migrations; returns the names applied. */
export async function migrateToLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.migrate.latest()) as [number, string[]];
  return applied;
}

/** Undoes every migration (tests and operators only). */
export async function migrateAllDown(db: Database): Promise<void> {
  await db.migrate.rollback(undefined, true);
}
