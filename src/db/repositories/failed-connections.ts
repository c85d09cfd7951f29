// Connections whose initial sync failed (the app removed, the account gone)
// never became live. A new connect of the same account or company closes
// them (so the partial unique indexes let it through), and takes that back
// when its own start fails (src/api/connect-integration.ts).
import type { Database } from '../database.js';

/** A failed connection closed by a connect, with what it looked like before (to reopen it). */
export interface ClosedConnection {
  id: string;
  updatedAt: Date;
}

/**
 * A connection whose initial sync failed (app removed, account gone) never
 * became live: it is closed as disconnected, so the account and the company
 * may connect again. Returns those closed, each with its updated_at before.
 */
export async function closeFailedConnections(
  db: Database,
  sides: { corfixAccountId: string; procoreCompanyId: string },
): Promise<ClosedConnection[]> {
  // `before` is read from the rows as they were before this update.
  const { rows } = await db.raw<{ rows: Array<{ id: string; updated_at: Date }> }>(
    `UPDATE integrations AS i
        SET status = 'disconnected', disconnected_at = now(), updated_at = now()
       FROM integrations AS before
      WHERE before.id = i.id
        AND i.status = 'error' AND i.initial_sync_state = 'failed'
        AND (i.corfix_account_id = ? OR i.procore_company_id = ?)
  RETURNING i.id, before.updated_at`,
    [sides.corfixAccountId, sides.procoreCompanyId],
  );
  return rows.map((r) => ({ id: r.id, updatedAt: r.updated_at }));
}

/**
 * Undoes closeFailedConnections: each connection goes back to its failed
 * state as it was, unless its account or company has meanwhile connected
 * again (then it stays closed). Returns the ids reopened.
 */
export async function reopenFailedConnections(db: Database, closed: readonly ClosedConnection[]): Promise<string[]> {
  const reopened: string[] = [];
  for (const c of closed) {
    const rows = await db('integrations as i')
      .where({ 'i.id': c.id, 'i.status': 'disconnected', 'i.initial_sync_state': 'failed' })
      .whereNotExists((q) =>
        q
          .select(db.raw('1'))
          .from('integrations as o')
          .whereNot('o.status', 'disconnected')
          .andWhereRaw('(o.corfix_account_id = i.corfix_account_id OR o.procore_company_id = i.procore_company_id)'),
      )
      .update({ status: 'error', disconnected_at: null, updated_at: c.updatedAt })
      .returning('i.id');
    if (rows.length > 0) reopened.push(c.id);
  }
  return reopened;
}
