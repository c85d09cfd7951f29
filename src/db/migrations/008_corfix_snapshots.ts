// The Corfix snapshot of an initial sync: what the Corfix account held when
// the sync began (its matching keys and external refs), read once, and what
// the sync has made since. Every page reads only the keys of its own
// entities from here, instead of listing the whole account again, and every
// worker process reads the same snapshot, so a page retried on another
// worker after a crash still sees what the dead one made.
// - corfix_snapshots: one row per integration, generation and entity
//   (project, worker): how far the listing got, and when it was complete.
// - corfix_snapshot_keys: the keys. Matching keys (project numbers and
//   names, worker emails) are kept as SHA-256 digests of the normalized key,
//   so no email or name is stored; an external ref is kept as it is, with the
//   Corfix record's id and status (a record found by it is linked, not made).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('corfix_snapshots', (t) => {
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.integer('generation').notNullable();
    t.text('entity').notNullable();
    // Corfix list pages read and kept so far: a listing cut by a crash goes on after them.
    t.integer('pages_read').notNullable().defaultTo(0);
    t.timestamp('complete_at', { useTz: true }).nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['integration_id', 'generation', 'entity']);
  });
  await db.raw(`ALTER TABLE corfix_snapshots ADD CONSTRAINT corfix_snapshots_entity_check CHECK (entity IN ('project', 'worker'))`);
  await db.schema.createTable('corfix_snapshot_keys', (t) => {
    t.uuid('integration_id').notNullable();
    t.integer('generation').notNullable();
    t.text('entity').notNullable();
    // "ref:<external_ref>", or "<kind>:<sha-256 of the normalized key>" (number, name, email)
    t.text('key').notNullable();
    t.text('corfix_id').nullable();
    t.text('corfix_status').nullable();
    t.primary(['integration_id', 'generation', 'entity', 'key']);
    t.foreign(['integration_id', 'generation', 'entity'])
      .references(['integration_id', 'generation', 'entity'])
      .inTable('corfix_snapshots')
      .onDelete('CASCADE');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('corfix_snapshot_keys');
  await db.schema.dropTable('corfix_snapshots');
}
