// Two tables for what one record does to a sync.
// - create_attempts: this integration sent (or was about to send) a Corfix
//   create for this Procore entity. Written before the create, so a record
//   whose answer or link was lost in a crash is still known as made here
//   (reported `created`), while one carrying the same external_ref from an
//   earlier generation (another integration id) stays `linked`.
// - unreadable_procore_records: a Procore list record without even a
//   readable id cannot get a report row; it is counted here (its place in
//   the list and zod's words, never its values).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('create_attempts', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.text('entity').notNullable().checkIn(['project', 'user'], 'create_attempts_entity_check');
    t.bigInteger('procore_id').notNullable();
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['integration_id', 'entity', 'procore_id']);
  });

  await db.schema.createTable('unreadable_procore_records', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.text('entity').notNullable().checkIn(['project', 'user'], 'unreadable_procore_records_entity_check');
    // which Procore list: projects, active_users, inactive_users
    t.text('list').notNullable();
    t.integer('page').notNullable();
    t.integer('position').notNullable();
    t.text('field').notNullable();
    t.text('problem').notNullable();
    t.timestamp('seen_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['integration_id', 'list', 'page', 'position']);
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTableIfExists('unreadable_procore_records');
  await db.schema.dropTableIfExists('create_attempts');
}
