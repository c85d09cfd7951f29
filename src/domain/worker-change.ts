// What a change in Procore does to a worker this integration already linked
// (docs/rules.md, User changes). Users not linked yet are decided by the
// initial sync's rules (worker-decision.ts): new active users and inactive
// users who became active are created as they would have been at connect.
import { sameMoment } from './moments.js';
import type { ProcoreCompanyUser } from './procore-records.js';

/** What the integration remembers of a linked user (the link row), and the status it last saw the worker in. */
export interface WorkerLinkMemory {
  lastProcoreIsActive: boolean;
  lastProcoreIsEmployee: boolean;
  lastProcoreUpdatedAt: string | null;
  /** the Corfix status this service last set or saw; `blocked` only when it blocked the worker */
  lastCorfixStatus: string;
}

export type BlockReason = 'deactivated' | 'no_longer_employee' | 'deleted';
export type UnblockReason = 'reactivated' | 'employee_again';

export type WorkerStatusChange =
  | { to: 'blocked'; reason: BlockReason }
  | { to: 'unblocked'; reason: UnblockReason }
  | null;

export interface WorkerChange {
  status: WorkerStatusChange;
  /** the Procore record changed since it was last written (names, phones, employee ID, email may differ) */
  recordChanged: boolean;
}

/**
 * Whether the worker should be blocked now: the user is deleted or inactive
 * in Procore, or, with Sync Employees Only, no longer an employee.
 */
function blockReason(user: ProcoreCompanyUser | 'deleted', syncEmployeesOnly: boolean): BlockReason | null {
  if (user === 'deleted') return 'deleted';
  if (!user.isActive) return 'deactivated';
  if (syncEmployeesOnly && !user.isEmployee) return 'no_longer_employee';
  return null;
}

/**
 * The change to make: block (deactivated, deleted, or no longer an employee
 * with Sync Employees Only), unblock (only a worker this service blocked:
 * active again, or an employee again), and whether the fields may have
 * changed. Decided from the wanted state, not from the event, so the same
 * change seen twice or out of order ends the same way.
 * A worker still pending account activation is not blocked: Corfix refuses
 * the block, and the caller reports it as `pending_activation` (the rule
 * cannot know the worker's current status; Corfix does).
 */
export function decideWorkerChange(
  user: ProcoreCompanyUser | 'deleted',
  link: WorkerLinkMemory,
  settings: { syncEmployeesOnly: boolean },
): WorkerChange {
  const block = blockReason(user, settings.syncEmployeesOnly);
  const blockedByUs = link.lastCorfixStatus === 'blocked';
  let status: WorkerStatusChange = null;
  if (block !== null && !blockedByUs) status = { to: 'blocked', reason: block };
  if (block === null && blockedByUs) {
    status = { to: 'unblocked', reason: link.lastProcoreIsActive ? 'employee_again' : 'reactivated' };
  }
  const recordChanged = user !== 'deleted' && !sameMoment(user.updatedAt, link.lastProcoreUpdatedAt);
  return { status, recordChanged };
}

/** Whether Procore's record differs from what the link remembers (a cycle leaves the rest alone). */
export function userDiffersFromLink(user: ProcoreCompanyUser, link: WorkerLinkMemory): boolean {
  return (
    user.isActive !== link.lastProcoreIsActive ||
    user.isEmployee !== link.lastProcoreIsEmployee ||
    !sameMoment(user.updatedAt, link.lastProcoreUpdatedAt)
  );
}
