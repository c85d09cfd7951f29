// The preview of a connect (POST /v1/integrations/preview, issue 15): what
// the initial sync would decide, with nothing written to Corfix, Procore or
// any integration's rows. A preview keeps only its own rows:
// - integration_previews: what was asked (the connect body's settings), how
//   far the PreviewIntegration workflow got, its counts, and the page sizes
//   Procore answered in time (as an integration remembers them);
// - preview_outcomes: per Procore project and user the outcome and reason the
//   connect would record, the Corfix records it would be linked to, adopt or
//   collide with (ids only), and the outcome under the other adopt_existing.
// Corfix snapshots now belong to an initial sync or a preview (`owner_id`),
// and keep, per matching key, each Corfix record holding it (its id, and
// whether it carries an external_ref, i.e. belongs to an integration
// already): a key held by one free record can be adopted, one held by
// several is ambiguous. Rows kept before this migration have no id ('') and
// count as taken, so they still collide and are never adopted.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('integration_previews', (t) => {
    t.uuid('id').primary();
    t.text('corfix_account_id').notNullable();
    t.bigInteger('procore_company_id').notNullable();
    // The connect body's settings, as a connect would save them (src/db/repositories/previews.ts: ids as strings).
    t.jsonb('settings').notNullable();
    t.text('state').notNullable().defaultTo('running').checkIn(['running', 'completed', 'failed'], 'integration_previews_state_check');
    // The workflow's progress: phase, pages and entities decided.
    t.jsonb('progress').notNullable().defaultTo('{}');
    t.jsonb('procore_page_sizes').notNullable().defaultTo('{}');
    t.text('error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('completed_at', { useTz: true }).nullable();
    t.index(['corfix_account_id', 'created_at'], 'integration_previews_account');
  });
  await db.schema.createTable('preview_outcomes', (t) => {
    t.uuid('preview_id').notNullable().references('integration_previews.id').onDelete('CASCADE');
    t.text('entity').notNullable().checkIn(['project', 'user'], 'preview_outcomes_entity_check');
    t.bigInteger('procore_id').notNullable();
    t.text('outcome').notNullable();
    t.text('reason').notNullable();
    t.text('field').nullable();
    // The Corfix records it would be linked to or adopt, or collides with (number_exists, name_exists, email_exists, ambiguous_match).
    t.specificType('corfix_ids', 'text[]').notNullable().defaultTo('{}');
    // What it would be with adopt_existing the other way; null when the same.
    t.text('other_outcome').nullable();
    t.text('other_reason').nullable();
    t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['preview_id', 'entity', 'procore_id']);
    t.index(['preview_id', 'entity', 'reason'], 'preview_outcomes_reason');
  });

  // Snapshots: owned by an initial sync (its integration) or a preview.
  await db.raw('ALTER TABLE corfix_snapshot_keys DROP CONSTRAINT IF EXISTS corfix_snapshot_keys_integration_id_generation_entity_foreign');
  await db.raw('ALTER TABLE corfix_snapshots DROP CONSTRAINT IF EXISTS corfix_snapshots_integration_id_foreign');
  await db.raw('ALTER TABLE corfix_snapshots RENAME COLUMN integration_id TO owner_id');
  await db.raw('ALTER TABLE corfix_snapshot_keys RENAME COLUMN integration_id TO owner_id');
  await db.raw(`UPDATE corfix_snapshot_keys SET corfix_id = '' WHERE corfix_id IS NULL`);
  await db.raw('ALTER TABLE corfix_snapshot_keys ALTER COLUMN corfix_id SET NOT NULL');
  await db.schema.alterTable('corfix_snapshot_keys', (t) => {
    // A matching key's record carries an external_ref (an integration's), or this sync made or adopted it: never adopted again.
    t.boolean('taken').notNullable().defaultTo(true);
  });
  await db.raw('ALTER TABLE corfix_snapshot_keys DROP CONSTRAINT corfix_snapshot_keys_pkey');
  await db.raw('ALTER TABLE corfix_snapshot_keys ADD CONSTRAINT corfix_snapshot_keys_pkey PRIMARY KEY (owner_id, generation, entity, key, corfix_id)');
  // A record adopted: every key it holds is taken at once.
  await db.raw('CREATE INDEX corfix_snapshot_keys_record ON corfix_snapshot_keys (owner_id, generation, entity, corfix_id)');
  await db.raw(
    `ALTER TABLE corfix_snapshot_keys ADD CONSTRAINT corfix_snapshot_keys_listing_foreign
       FOREIGN KEY (owner_id, generation, entity) REFERENCES corfix_snapshots (owner_id, generation, entity) ON DELETE CASCADE`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('ALTER TABLE corfix_snapshot_keys DROP CONSTRAINT corfix_snapshot_keys_listing_foreign');
  await db.raw('DROP INDEX corfix_snapshot_keys_record');
  await db.raw('ALTER TABLE corfix_snapshot_keys DROP CONSTRAINT corfix_snapshot_keys_pkey');
  // One row per key again: the first record of each.
  await db.raw(
    `DELETE FROM corfix_snapshot_keys k USING corfix_snapshot_keys o
      WHERE k.owner_id = o.owner_id AND k.generation = o.generation AND k.entity = o.entity AND k.key = o.key AND k.corfix_id > o.corfix_id`,
  );
  await db.schema.alterTable('corfix_snapshot_keys', (t) => t.dropColumn('taken'));
  await db.raw('ALTER TABLE corfix_snapshot_keys ALTER COLUMN corfix_id DROP NOT NULL');
  await db.raw(`UPDATE corfix_snapshot_keys SET corfix_id = NULL WHERE key NOT LIKE 'ref:%'`);
  await db.raw('ALTER TABLE corfix_snapshot_keys RENAME COLUMN owner_id TO integration_id');
  await db.raw('ALTER TABLE corfix_snapshots RENAME COLUMN owner_id TO integration_id');
  // Snapshots of previews have no integration: they go.
  await db.raw('DELETE FROM corfix_snapshots s WHERE NOT EXISTS (SELECT 1 FROM integrations i WHERE i.id = s.integration_id)');
  await db.raw('ALTER TABLE corfix_snapshot_keys ADD PRIMARY KEY (integration_id, generation, entity, key)');
  await db.raw(
    `ALTER TABLE corfix_snapshot_keys ADD CONSTRAINT corfix_snapshot_keys_integration_id_generation_entity_foreign
       FOREIGN KEY (integration_id, generation, entity) REFERENCES corfix_snapshots (integration_id, generation, entity) ON DELETE CASCADE`,
  );
  await db.raw(
    `ALTER TABLE corfix_snapshots ADD CONSTRAINT corfix_snapshots_integration_id_foreign
       FOREIGN KEY (integration_id) REFERENCES integrations (id) ON DELETE CASCADE`,
  );
  await db.schema.dropTable('preview_outcomes');
  await db.schema.dropTable('integration_previews');
}
