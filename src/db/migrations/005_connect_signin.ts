// The Procore sign-in at connect: the nonces of the sign-in `state`s this
// service issued (a state is good once: its nonce row is deleted when it is
// used, so a replay finds none), and who connected each integration (the
// Procore user id and login proven by the sign-in; null for a direct connect).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('connect_state_nonces', (t) => {
    t.text('nonce').primary();
    t.text('corfix_account_id').notNullable();
    t.timestamp('issued_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
  await db.schema.alterTable('integrations', (t) => {
    t.bigInteger('connected_by_procore_user_id').nullable();
    t.text('connected_by_procore_login').nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.dropColumn('connected_by_procore_login');
    t.dropColumn('connected_by_procore_user_id');
  });
  await db.schema.dropTableIfExists('connect_state_nonces');
}
