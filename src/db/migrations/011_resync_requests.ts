// The last full reconciliation an operator asked for (POST .../resync, `npm run
// ops -- resync`), kept with the integration: the request stands in Postgres
// even when Temporal did not hear its signal, and the continuous syncs owe a
// full cycle while it is later than their last reconciliation.
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.timestamp('resync_requested_at', { useTz: true }).nullable();
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.dropColumn('resync_requested_at');
  });
}
