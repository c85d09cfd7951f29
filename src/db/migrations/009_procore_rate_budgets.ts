// Procore's request budget per company, shared by every process that calls
// Procore (src/procore/shared-pacing.ts): one row per company holding the
// current window only. A new window overwrites the row (a new `epoch`), so
// the table stays at one row per company; rows nobody touched for a day are
// cleared on the way (src/db/repositories/procore-rate-budgets.ts).
import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('procore_rate_budgets', (t) => {
    // The key the pacer is given (the Procore-Company-Id header's digits).
    t.text('company_id').primary();
    // Counts the windows learned afresh: a permit carries the epoch it was
    // granted in, so that one released after its window ended changes nothing
    // in the next, and in-flight counts of a dead process end with their window.
    t.bigInteger('epoch').notNullable();
    // The window as the X-Rate-Limit-* headers announced it; all three null
    // while it is unknown (a probe is learning it, or none was sent yet).
    t.timestamp('reset_at', { useTz: true }).nullable();
    t.integer('request_limit').nullable();
    // What may still be sent before reset_at, requests in flight deducted.
    t.integer('remaining').nullable();
    // Permits of this epoch granted and not released yet.
    t.integer('in_flight').notNullable();
    // While the window is unknown, one process sends a request to learn it;
    // the others wait until it reports, or until this lease ends if it died.
    t.timestamp('probe_until', { useTz: true }).nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['updated_at'], 'procore_rate_budgets_updated_at');
  });
  await db.raw('ALTER TABLE procore_rate_budgets ADD CONSTRAINT procore_rate_budgets_counts_check CHECK (remaining >= 0 AND in_flight >= 0)');
  await db.raw(
    `ALTER TABLE procore_rate_budgets ADD CONSTRAINT procore_rate_budgets_window_check
       CHECK ((reset_at IS NULL) = (remaining IS NULL) AND (reset_at IS NULL) = (request_limit IS NULL))`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('procore_rate_budgets');
}
