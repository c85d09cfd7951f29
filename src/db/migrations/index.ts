// Migrations are imported, not discovered on disk, so the same list runs from
// the TypeScript sources (tests) and the built JavaScript (production).
import type { Knex } from 'knex';
import * as m001 from './001_initial_schema.js';
import * as m002 from './002_procore_page_sizes.js';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ['001_initial_schema', m001],
  ['002_procore_page_sizes', m002],
];

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
