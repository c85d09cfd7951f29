// Whether a sync is well, waiting to retry or stopped, in Postgres, so the
// status API tells a retrying sync from a healthy one without asking Temporal.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.text('sync_state').notNullable().defaultTo('ok').checkIn(['ok', 'retrying', 'failed'], 'integrations_sync_state_check');
    /** when it began retrying, or failed */
    t.timestamp('sync_state_since', { useTz: true }).nullable();
    /** while retrying: when the next attempt is due */
    t.timestamp('next_try_at', { useTz: true }).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.dropChecks(['integrations_sync_state_check']);
    t.dropColumns('sync_state', 'sync_state_since', 'next_try_at');
  });
}
