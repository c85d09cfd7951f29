// Where each continuous sync stands, in Postgres: its cursor (Procore changes
// up to this moment are in Corfix), its last full reconciliation, and the
// app's own Procore user. A loop started afresh (by the reconciler, after a
// terminate) goes on from here; the status API shows it.
import type { Database } from '../database.js';
import type { IntegrationStatus } from './integrations.js';

export type LoopEntity = 'users' | 'projects';

const CURSOR = { users: 'users_synced_until', projects: 'projects_synced_until' } as const;
const RECONCILED = { users: 'users_reconciled_at', projects: 'projects_reconciled_at' } as const;

export interface LoopPosition {
  status: IntegrationStatus;
  initialSyncCompleted: boolean;
  cursor: Date | null;
  reconciledAt: Date | null;
  /** the last resync an operator asked for: owed while later than reconciledAt */
  resyncRequestedAt: Date | null;
  serviceAccountUserId: string | null;
}

export async function findLoopPosition(db: Database, integrationId: string, entity: LoopEntity): Promise<LoopPosition | undefined> {
  const row = await db('integrations')
    .where({ id: integrationId })
    .first<
      | {
          status: IntegrationStatus;
          initial_sync_state: string | null;
          cursor: Date | null;
          reconciled: Date | null;
          resync: Date | null;
          service: string | null;
        }
      | undefined
    >(
      'status',
      'initial_sync_state',
      `${CURSOR[entity]} as cursor`,
      `${RECONCILED[entity]} as reconciled`,
      'resync_requested_at as resync',
      'service_account_user_id as service',
    );
  if (!row) return undefined;
  return {
    status: row.status,
    initialSyncCompleted: row.initial_sync_state === 'completed',
    cursor: row.cursor,
    reconciledAt: row.reconciled,
    resyncRequestedAt: row.resync,
    serviceAccountUserId: row.service === null ? null : String(row.service),
  };
}

/** An operator asked for a full reconciliation now: kept, so that the loops owe it even if their signal is lost. */
export async function requestResync(db: Database, integrationId: string): Promise<void> {
  await db('integrations').where({ id: integrationId }).update({ resync_requested_at: db.fn.now(), updated_at: db.fn.now() });
}

/** A cycle ended: the next one reads from `cursor`; a full one also moves the reconciliation time. */
export async function saveLoopPosition(
  db: Database,
  integrationId: string,
  entity: LoopEntity,
  position: { cursor: Date; reconciledAt?: Date },
): Promise<void> {
  await db('integrations')
    .where({ id: integrationId })
    .update({
      [CURSOR[entity]]: position.cursor,
      ...(position.reconciledAt ? { [RECONCILED[entity]]: position.reconciledAt } : {}),
      updated_at: db.fn.now(),
    });
}

/**
 * The initial sync began listing at `at`: both loops start their first cycle
 * from there. It walked everything, so it counts as a full reconciliation,
 * unless links of an earlier integration were taken over (their Procore
 * state may be old): then the first cycle reads everything.
 */
export async function startLoopsFrom(db: Database, integrationId: string, at: Date, fullyReconciled: boolean): Promise<void> {
  await db('integrations')
    .where({ id: integrationId })
    .update({
      users_synced_until: at,
      projects_synced_until: at,
      users_reconciled_at: fullyReconciled ? at : null,
      projects_reconciled_at: fullyReconciled ? at : null,
      updated_at: db.fn.now(),
    });
}

export async function saveServiceAccountUserId(db: Database, integrationId: string, userId: string): Promise<void> {
  await db('integrations').where({ id: integrationId }).update({ service_account_user_id: userId });
}

/** The Procore hook that sends this integration's changes (removed at disconnect). */
export async function saveProcoreHookId(db: Database, integrationId: string, hookId: string): Promise<void> {
  await db('integrations').where({ id: integrationId }).update({ procore_hook_id: hookId });
}
