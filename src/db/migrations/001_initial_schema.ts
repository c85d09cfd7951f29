// The whole data model of docs/design.md. Unique constraints make duplicates
// impossible even when two attempts of one activity race each other.
import type { Knex } from 'knex';

const INTEGRATION_STATUSES = ['connecting', 'initial_sync', 'active', 'paused', 'error', 'disconnected'];

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('integrations', (t) => {
    t.uuid('id').primary();
    t.text('corfix_account_id').notNullable();
    t.bigInteger('procore_company_id').notNullable();
    // Grows at each reconnect of the same account, so ids and keys of an old
    // attempt never answer for a new one.
    t.integer('generation').notNullable();
    t.boolean('sync_employees_only').notNullable().defaultTo(false);
    t.boolean('auto_activate_workers').notNullable().defaultTo(false);
    t.boolean('sync_forms').notNullable().defaultTo(false);
    t.text('status').notNullable().checkIn(INTEGRATION_STATUSES, 'integrations_status_check');
    t.text('initial_sync_state').nullable().checkIn(['running', 'completed', 'failed'], 'integrations_initial_sync_state_check');
    t.jsonb('initial_sync_progress').nullable();
    t.text('last_error').nullable();
    t.timestamp('last_error_at', { useTz: true }).nullable();
    t.timestamp('projects_synced_until', { useTz: true }).nullable();
    t.timestamp('users_synced_until', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('disconnected_at', { useTz: true }).nullable();
    t.unique(['corfix_account_id', 'generation']);
  });
  // One live integration per account and per company; disconnected ones stay as history.
  await db.raw(
    `CREATE UNIQUE INDEX integrations_one_live_per_account ON integrations (corfix_account_id) WHERE status <> 'disconnected'`,
  );
  await db.raw(
    `CREATE UNIQUE INDEX integrations_one_live_per_company ON integrations (procore_company_id) WHERE status <> 'disconnected'`,
  );

  await db.schema.createTable('project_links', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.bigInteger('procore_project_id').notNullable();
    t.text('corfix_project_id').notNullable();
    t.boolean('last_procore_active').notNullable();
    t.timestamp('last_procore_updated_at', { useTz: true }).nullable();
    t.text('last_corfix_status').notNullable().checkIn(['active', 'upcoming', 'completed'], 'project_links_status_check');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['integration_id', 'procore_project_id']);
    t.unique(['integration_id', 'corfix_project_id']);
  });

  await db.schema.createTable('worker_links', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.bigInteger('procore_user_id').notNullable();
    t.text('corfix_worker_id').notNullable();
    t.boolean('last_procore_is_active').notNullable();
    t.boolean('last_procore_is_employee').notNullable();
    t.timestamp('last_procore_updated_at', { useTz: true }).nullable();
    // The status this service last set or saw: "never activated" workers stay
    // pending and are not blocked, which needs this memory.
    t.text('last_corfix_status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['integration_id', 'procore_user_id']);
    t.unique(['integration_id', 'corfix_worker_id']);
  });

  await db.schema.createTable('sync_outcomes', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.text('entity').notNullable().checkIn(['project', 'user'], 'sync_outcomes_entity_check');
    t.bigInteger('procore_id').notNullable();
    t.text('outcome').notNullable().checkIn(['created', 'linked', 'skipped'], 'sync_outcomes_outcome_check');
    t.text('reason').notNullable();
    // For invalid_record: the field Corfix cannot take. Ids and codes only, no names or emails.
    t.text('field').nullable();
    t.text('corfix_id').nullable();
    t.timestamp('decided_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['integration_id', 'entity', 'procore_id']);
    t.index(['integration_id', 'entity', 'reason']);
  });

  await db.schema.createTable('form_links', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.text('corfix_form_id').notNullable();
    t.bigInteger('procore_project_id').notNullable();
    t.bigInteger('procore_file_id').nullable();
    t.integer('uploaded_revision').nullable();
    // Procore uploads are not idempotent: the intent is written before the
    // create-file call, so a retry looks for that file before uploading again.
    t.integer('intent_revision').nullable();
    t.text('intent_upload_uuid').nullable();
    t.text('intent_file_name').nullable();
    t.timestamp('intent_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['integration_id', 'corfix_form_id']);
    t.unique(['integration_id', 'procore_file_id']);
  });

  await db.schema.createTable('procore_folders', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.bigInteger('procore_project_id').notNullable();
    // "corfix-forms" for the Corfix Forms folder, "YYYY-MM" for a month folder in it.
    t.text('folder_key').notNullable();
    t.bigInteger('procore_folder_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.unique(['integration_id', 'procore_project_id', 'folder_key'], { indexName: 'procore_folders_project_key_unique' });
  });

  await db.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id');
    t.text('source').notNullable().checkIn(['procore', 'corfix'], 'webhook_events_source_check');
    // Procore's ulid or Corfix's event_id: deliveries are at least once.
    t.text('event_id').notNullable();
    t.uuid('integration_id').nullable().references('integrations.id').onDelete('SET NULL');
    t.text('event_type').notNullable();
    t.jsonb('payload').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('processed_at', { useTz: true }).nullable();
    t.unique(['source', 'event_id']);
  });

  await db.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('integration_id').nullable().references('integrations.id').onDelete('SET NULL');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.jsonb('details').notNullable().defaultTo('{}');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['integration_id', 'at']);
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of [
    'audit_log',
    'webhook_events',
    'procore_folders',
    'form_links',
    'sync_outcomes',
    'worker_links',
    'project_links',
    'integrations',
  ]) {
    await db.schema.dropTableIfExists(table);
  }
}
