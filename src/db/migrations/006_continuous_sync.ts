// What the continuous syncs keep after the connect:
// - on the integration: the app's own Procore user (read once at the initial
//   sync, so no cycle spends a Procore request on GET /me), when each loop
//   last ran a full reconciliation, and the Procore hook registered for it;
// - on each link: a hash of the fields last written to Corfix (so a Procore
//   change to a field Corfix does not hold writes nothing, and no names or
//   emails are kept here), and when a full reconciliation last saw the
//   Procore record in a list (one not seen was deleted in Procore);
// - the report's outcomes of a change: updated, blocked, unblocked.
import type { Knex } from 'knex';

const OUTCOMES_BEFORE = ['created', 'linked', 'skipped'];
const OUTCOMES = [...OUTCOMES_BEFORE, 'updated', 'blocked', 'unblocked'];

async function outcomeCheck(db: Knex, outcomes: readonly string[]): Promise<void> {
  await db.raw('ALTER TABLE sync_outcomes DROP CONSTRAINT IF EXISTS sync_outcomes_outcome_check');
  // DDL takes no bind parameters: knex writes the (constant) outcomes into the statement, quoted.
  const check = db.raw(
    `ALTER TABLE sync_outcomes ADD CONSTRAINT sync_outcomes_outcome_check CHECK (outcome IN (${outcomes.map(() => '?').join(', ')}))`,
    [...outcomes],
  );
  await db.raw(check.toQuery());
}

export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('integrations', (t) => {
    t.bigInteger('service_account_user_id').nullable();
    t.timestamp('projects_reconciled_at', { useTz: true }).nullable();
    t.timestamp('users_reconciled_at', { useTz: true }).nullable();
    t.bigInteger('procore_hook_id').nullable();
  });
  for (const table of ['project_links', 'worker_links']) {
    await db.schema.alterTable(table, (t) => {
      t.text('synced_fields_hash').nullable();
      t.timestamp('last_listed_at', { useTz: true }).nullable();
    });
  }
  await outcomeCheck(db, OUTCOMES);
  await db.schema.alterTable('webhook_events', (t) => {
    t.index(['integration_id', 'source', 'processed_at'], 'webhook_events_pending');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('webhook_events', (t) => t.dropIndex([], 'webhook_events_pending'));
  await db('sync_outcomes').whereNotIn('outcome', OUTCOMES_BEFORE).delete();
  await outcomeCheck(db, OUTCOMES_BEFORE);
  for (const table of ['project_links', 'worker_links']) {
    await db.schema.alterTable(table, (t) => t.dropColumns('synced_fields_hash', 'last_listed_at'));
  }
  await db.schema.alterTable('integrations', (t) =>
    t.dropColumns('service_account_user_id', 'projects_reconciled_at', 'users_reconciled_at', 'procore_hook_id'),
  );
}
