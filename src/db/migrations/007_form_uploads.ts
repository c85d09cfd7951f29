// What filing Corfix forms in Procore keeps (FormUploadWithRetry):
// - on each form link: where the file is (folder, the name Procore gave it,
//   how many versions it had after our last upload), the newest revision a
//   webhook announced, the upload's state (pending, retrying, uploaded,
//   failed, skipped) with the problem in words and when it is tried again;
//   and for the intent, the folder and size of the upload under way, so a
//   retry after a crash can recognise the file its lost answer created;
// - a form's row in the sync report (entity `form`, keyed by the Corfix form
//   id: the Procore file id is only known once it is uploaded), and the
//   outcome `failed` for a form given up on.
import type { Knex } from 'knex';

const FORM_STATES = ['pending', 'retrying', 'uploaded', 'failed', 'skipped'];
const OUTCOMES_BEFORE = ['created', 'linked', 'skipped', 'updated', 'blocked', 'unblocked'];

async function replaceCheck(db: Knex, table: string, name: string, column: string, values: readonly string[]): Promise<void> {
  await db.raw(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}`);
  // DDL takes no bind parameters: the values are this file's constants, quoted as literals.
  const list = values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
  await db.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${column} IN (${list}))`);
}

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('form_links', (t) => {
    // A form whose Corfix project is not linked has no Procore project.
    t.bigInteger('procore_project_id').nullable().alter();
    t.text('state').notNullable().defaultTo('pending');
    t.integer('latest_revision').nullable();
    t.bigInteger('procore_folder_id').nullable();
    t.text('procore_file_name').nullable();
    t.integer('procore_version_count').nullable();
    t.bigInteger('intent_folder_id').nullable();
    t.integer('intent_size').nullable();
    t.text('last_error').nullable();
    t.timestamp('next_try_at', { useTz: true }).nullable();
    t.timestamp('failed_at', { useTz: true }).nullable();
    t.index(['integration_id', 'state'], 'form_links_state');
  });
  await replaceCheck(db, 'form_links', 'form_links_state_check', 'state', FORM_STATES);

  await db.raw('ALTER TABLE sync_outcomes ALTER COLUMN procore_id DROP NOT NULL');
  await replaceCheck(db, 'sync_outcomes', 'sync_outcomes_entity_check', 'entity', ['project', 'user', 'form']);
  await replaceCheck(db, 'sync_outcomes', 'sync_outcomes_outcome_check', 'outcome', [...OUTCOMES_BEFORE, 'failed']);
  // Projects and users are keyed by their Procore id; a form by its Corfix id.
  await db.raw(
    `ALTER TABLE sync_outcomes ADD CONSTRAINT sync_outcomes_key_check
       CHECK ((entity = 'form' AND corfix_id IS NOT NULL) OR (entity <> 'form' AND procore_id IS NOT NULL))`,
  );
  await db.raw(`CREATE UNIQUE INDEX sync_outcomes_form_unique ON sync_outcomes (integration_id, corfix_id) WHERE entity = 'form'`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS sync_outcomes_form_unique');
  await db.raw('ALTER TABLE sync_outcomes DROP CONSTRAINT IF EXISTS sync_outcomes_key_check');
  await db('sync_outcomes').where({ entity: 'form' }).delete();
  await replaceCheck(db, 'sync_outcomes', 'sync_outcomes_outcome_check', 'outcome', OUTCOMES_BEFORE);
  await replaceCheck(db, 'sync_outcomes', 'sync_outcomes_entity_check', 'entity', ['project', 'user']);
  await db.raw('ALTER TABLE sync_outcomes ALTER COLUMN procore_id SET NOT NULL');
  await db.raw('ALTER TABLE form_links DROP CONSTRAINT IF EXISTS form_links_state_check');
  await db('form_links').whereNull('procore_project_id').delete();
  await db.schema.alterTable('form_links', (t) => {
    t.dropIndex([], 'form_links_state');
    t.dropColumns(
      'state',
      'latest_revision',
      'procore_folder_id',
      'procore_file_name',
      'procore_version_count',
      'intent_folder_id',
      'intent_size',
      'last_error',
      'next_try_at',
      'failed_at',
    );
  });
  await db.raw('ALTER TABLE form_links ALTER COLUMN procore_project_id SET NOT NULL');
}
