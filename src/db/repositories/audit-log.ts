// Operator actions (connect, pause, resync, disconnect...). Temporal does not
// record UI/CLI actions such as activity pause or reset, so we keep our own.
import type { Database } from '../database.js';

export interface AuditEntry {
  integrationId: string | null;
  actor: string;
  action: string;
  details?: Record<string, unknown>;
}

/** Returns the entry's id. */
export async function appendAudit(db: Database, entry: AuditEntry): Promise<string> {
  const [row] = await db('audit_log')
    .insert({
      integration_id: entry.integrationId,
      actor: entry.actor,
      action: entry.action,
      details: JSON.stringify(entry.details ?? {}),
    })
    .returning('id');
  return String((row as { id: string }).id);
}

/**
 * Removes entries that record something undone before anyone could see it
 * (a connect whose workflow could not be started). Nothing else deletes audit rows.
 */
export async function deleteAuditEntries(db: Database, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db('audit_log').whereIn('id', ids).delete();
}

export async function listAudit(
  db: Database,
  integrationId: string,
): Promise<Array<{ actor: string; action: string; details: Record<string, unknown>; at: string }>> {
  const rows = await db('audit_log').where({ integration_id: integrationId }).orderBy('id');
  return rows.map((r: { actor: string; action: string; details: Record<string, unknown>; at: Date }) => ({
    actor: r.actor,
    action: r.action,
    details: r.details,
    at: r.at.toISOString(),
  }));
}
