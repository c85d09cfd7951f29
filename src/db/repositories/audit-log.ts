// Operator actions (connect, pause, resync, disconnect...). Temporal does not
// record UI/CLI actions such as activity pause or reset, so we keep our own.
import type { Database } from '../database.js';

export interface AuditEntry {
  integrationId: string | null;
  actor: string;
  action: string;
  details?: Record<string, unknown>;
}

export async function appendAudit(db: Database, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    integration_id: entry.integrationId,
    actor: entry.actor,
    action: entry.action,
    details: JSON.stringify(entry.details ?? {}),
  });
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
