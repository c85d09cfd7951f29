// One knex instance per process. Procore ids are bigint columns: pg hands
// bigints back as strings, which is what the rest of the code wants.
import knex, { type Knex } from 'knex';
import { migrationSource } from './migrations/index.js';

export type Database = Knex;

/** `poolMax`: DATABASE_POOL_MAX (src/config.ts, default 10); the worker sizes its activity slots from it. */
export function openDatabase(databaseUrl: string, options: { poolMax?: number } = {}): Database {
  return knex({
    client: 'pg',
    connection: databaseUrl,
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
