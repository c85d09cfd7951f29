// Two settings of an integration beyond the seed (issue 15):
// - adopt_existing: a Procore project or user that matches exactly one
//   Corfix record (project number, else name; email) is linked to it
//   instead of skipped. A link made so says so (`adopted`), so a retry after
//   a crash reports it as adopted again, not as linked.
// - the project selection: every project (the seed's rule, the default),
//   only the Procore projects listed, or all but those listed. Ids are kept
//   as the API takes them (strings of digits).
// - the report's outcome `adopted`.
import type { Knex } from 'knex';

const OUTCOMES_BEFORE = ['created', 'linked', 'skipped', 'updated', 'blocked', 'unblocked', 'failed'];
const OUTCOMES = [...OUTCOMES_BEFORE, 'adopted'];

async function outcomeCheck(db: Knex, outcomes: readonly string[]): Promise<void> {
  await db.raw('ALTER TABLE sync_outcomes DROP CONSTRAINT IF EXISTS sync_outcomes_outcome_check');
  // DDL takes no bind parameters: the values are this file's constants, quoted as literals.
  const list = outcomes.map((o) => `'${o.replace(/'/g, "''")}'`).join(', ');
  await db.raw(`ALTER TABLE sync_outcomes ADD CONSTRAINT sync_outcomes_outcome_check CHECK (outcome IN (${list}))`);
}

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.boolean('adopt_existing').notNullable().defaultTo(false);
    t.text('project_selection').notNullable().defaultTo('all');
    t.specificType('project_selection_ids', 'text[]').notNullable().defaultTo('{}');
  });
  await db.raw(
    `ALTER TABLE integrations ADD CONSTRAINT integrations_project_selection_check
       CHECK (project_selection IN ('all', 'include', 'exclude')
              AND (project_selection <> 'all' OR cardinality(project_selection_ids) = 0))`,
  );
  for (const table of ['project_links', 'worker_links']) {
    await db.schema.alterTable(table, (t) => {
      t.boolean('adopted').notNullable().defaultTo(false);
    });
  }
  await outcomeCheck(db, OUTCOMES);
}

export async function down(db: Knex): Promise<void> {
  await db('sync_outcomes').where({ outcome: 'adopted' }).update({ outcome: 'linked' });
  await outcomeCheck(db, OUTCOMES_BEFORE);
  for (const table of ['project_links', 'worker_links']) {
    await db.schema.alterTable(table, (t) => t.dropColumn('adopted'));
  }
  await db.raw('ALTER TABLE integrations DROP CONSTRAINT IF EXISTS integrations_project_selection_check');
  await db.schema.alterTable('integrations', (t) => t.dropColumns('adopt_existing', 'project_selection', 'project_selection_ids'));
}
