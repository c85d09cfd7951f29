// The Procore page size each list of an integration's company can answer in
// time: a list that timed out (408) on large pages is asked in smaller ones
// from then on, by this sync and the ones after it. Keyed by list
// (`projects`, `active`, `inactive`); a list not named uses its largest size.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.jsonb('procore_page_sizes').notNullable().defaultTo('{}');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.dropColumn('procore_page_sizes');
  });
}
