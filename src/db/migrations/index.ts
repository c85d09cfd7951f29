// Migrations are imported, not discovered on disk, so the same list runs from
// the TypeScript sources (tests) and the built JavaScript (production).
import type { Knex } from 'knex';
import * as m001 from './001_initial_schema.js';
import * as m002 from './002_sync_state.js';
import * as m003 from './003_record_failures_and_create_attempts.js';
import * as m004 from './004_procore_page_sizes.js';
import * as m005 from './005_connect_signin.js';
import * as m006 from './006_continuous_sync.js';
import * as m007 from './007_form_uploads.js';
import * as m008 from './008_corfix_snapshots.js';
import * as m009 from './009_procore_rate_budgets.js';
import * as m010 from './010_alert_incidents.js';
import * as m011 from './011_resync_requests.js';
import * as m012 from './012_adopt_and_project_selection.js';
import * as m013 from './013_previews.js';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

const migrations: ReadonlyArray<readonly [string, Migration]> = [
  ['001_initial_schema', m001],
  ['002_sync_state', m002],
  ['003_record_failures_and_create_attempts', m003],
  ['004_procore_page_sizes', m004],
  ['005_connect_signin', m005],
  ['006_continuous_sync', m006],
  ['007_form_uploads', m007],
  ['008_corfix_snapshots', m008],
  ['009_procore_rate_budgets', m009],
  ['010_alert_incidents', m010],
  ['011_resync_requests', m011],
  ['012_adopt_and_project_selection', m012],
  ['013_previews', m013],
];

/** Every migration's name, oldest first. */
export const MIGRATION_NAMES = migrations.map(([name]) => name);

export const migrationSource: Knex.MigrationSource<readonly [string, Migration]> = {
  getMigrations: async () => [...migrations],
  getMigrationName: ([name]) => name,
  getMigration: async ([, migration]) => migration,
};
