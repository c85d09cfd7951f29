// Inputs and results of the continuous syncs' activities: ids, moments,
// page numbers and counts, never records (they would land in workflow history).
import type { ContinuousEntity, CycleCounts } from '../workflows/continuous-messages.js';

/** What a loop reads from Postgres when a run starts: Postgres decides whether it should run at all. */
export interface LoopStart {
  /** gone: disconnected (or removed), the loop ends */
  status: 'active' | 'paused' | 'error' | 'gone';
  /** where a loop without state of its own starts: the last cursor saved (at first, the moment the initial sync began listing) */
  cursor: string | null;
  reconciledAt: string | null;
  /**
   * The last resync an operator asked for (ISO; null: none; absent in older
   * runs). Later than the last reconciliation: the loop owes a full cycle,
   * also when the resync's signal never reached it (Temporal did not answer the API).
   */
  resyncRequestedAt?: string | null;
  /** SYNC_POLL_INTERVAL and SYNC_RECONCILE_INTERVAL of the worker that answered: a changed setting applies from the next run */
  pollIntervalMs: number;
  reconcileIntervalMs: number;
}

export interface CycleInput {
  integrationId: string;
  entity: ContinuousEntity;
}

export interface CycleStart {
  /** the moment the cycle began listing (ISO): the next cursor is taken from it */
  startedAt: string;
  /** the inbox events this cycle answers for: those up to this row id (a bigint as a string); null: none waiting */
  inboxUpTo: string | null;
  /** the app's own Procore user, never synced (users only) */
  serviceAccountUserId: string | null;
}

/** The lists a cycle walks: the project list, the active users, the inactive users. */
export type ChangeList = 'projects' | 'active' | 'inactive';

export interface ChangePageInput {
  integrationId: string;
  list: ChangeList;
  page: number;
  /** the size `page` counts in; null: the list's largest */
  perPage: number | null;
  /**
   * changes since this moment (ISO): the lists that can be filtered are asked
   * for `updated_at` from here; on the inactive list (no filter) only records
   * changed since are decided anew. null: a full reconciliation, every record.
   */
  since: string | null;
  cycleStartedAt: string;
  serviceAccountUserId: string | null;
  /** from a failed attempt: the last Procore id of this page that was finished */
  resumeAfterId: string | null;
}

export interface ChangePageResult {
  nextPage: number | null;
  perPage: number;
  /** how many pages the list has at this page size, when Procore said (its Total header) */
  totalPages?: number | null;
  counts: CycleCounts;
}

export interface CycleEndInput extends CycleInput {
  startedAt: string;
  inboxUpTo: string | null;
  full: boolean;
}

export interface CycleEnd {
  counts: CycleCounts;
  /** the cursor the next cycle reads from (ISO) */
  cursor: string;
}
