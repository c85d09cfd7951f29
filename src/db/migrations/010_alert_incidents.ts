// The alerts' incidents (src/domain/alert-incidents.ts says which problems
// they are): one row per incident, from the pass that saw the problem to the
// recovery notice. At most one open incident per key (integration, kind, and
// for a form the form): a partial unique index, so that two passes racing on
// several workers open it once. A problem that comes back after a recovery
// is a new row, with its own alert.
// Each incident sends two notices, each at most once at a time: a sender
// claims it (`send_claimed_until`, a lease), posts, then records it as sent;
// a sender that died between its POST and recording it leaves the lease to
// run out, and the notice is sent again with the same alert id, which the
// receiver drops.
import type { Knex } from 'knex';

const KINDS = ['integration_error', 'retrying_too_long', 'form_upload_failed'];

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('alert_incidents', (t) => {
    t.uuid('id').primary();
    t.uuid('integration_id').notNullable().references('integrations.id').onDelete('CASCADE');
    t.text('kind').notNullable().checkIn(KINDS, 'alert_incidents_kind_check');
    // Only for form_upload_failed.
    t.text('corfix_form_id').nullable();
    // Since when the problem holds, and what it is in words (the open notice's).
    t.timestamp('since', { useTz: true }).notNullable();
    t.text('message').notNullable();
    t.timestamp('opened_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    // The open notice was delivered (a 2xx from the receiver).
    t.timestamp('alerted_at', { useTz: true }).nullable();
    // The problem is over, and how it ended in words (the recovery notice's).
    t.timestamp('recovered_at', { useTz: true }).nullable();
    t.text('recovery_message').nullable();
    t.timestamp('recovery_alerted_at', { useTz: true }).nullable();
    // A sender is posting one of its notices until then.
    t.timestamp('send_claimed_until', { useTz: true }).nullable();
    // Notices the receiver did not take (refused, unreachable), and the last reason (a status or an error code).
    t.integer('send_failures').notNullable().defaultTo(0);
    t.text('last_send_failure').nullable();
  });
  await db.raw(
    `ALTER TABLE alert_incidents ADD CONSTRAINT alert_incidents_form_check
       CHECK ((kind = 'form_upload_failed') = (corfix_form_id IS NOT NULL))`,
  );
  await db.raw(
    `ALTER TABLE alert_incidents ADD CONSTRAINT alert_incidents_recovery_check
       CHECK ((recovered_at IS NULL) = (recovery_message IS NULL) AND (recovery_alerted_at IS NULL OR recovered_at IS NOT NULL))`,
  );
  await db.raw(
    `CREATE UNIQUE INDEX alert_incidents_one_open
       ON alert_incidents (integration_id, kind, COALESCE(corfix_form_id, ''))
       WHERE recovered_at IS NULL`,
  );
  // What each pass looks for: a notice not sent yet.
  await db.raw(
    `CREATE INDEX alert_incidents_unsent ON alert_incidents (opened_at)
       WHERE alerted_at IS NULL OR (recovered_at IS NOT NULL AND recovery_alerted_at IS NULL)`,
  );
  // Each pass also looks for failed forms across all integrations: few among many.
  await db.raw(`CREATE INDEX form_links_failed ON form_links (integration_id) WHERE state = 'failed'`);
}

export async function down(db: Knex): Promise<void> {
  await db.raw('DROP INDEX IF EXISTS form_links_failed');
  await db.schema.dropTable('alert_incidents');
}
