// What the Temporal Web UI says about a sync, in words: the summary of each
// activity ("users page 3 of 10"), of each wait ("waiting for Procore's
// rate-limit window to reset at 10:42:05 UTC") and the workflow's current
// details. Pure text from ids, counts and the failure's own sentence (which
// names no person: src/http/errors.ts), so workflow code and tests share it.

/** A moment as an operator reads it next to the Web UI's clock: `10:42:05 UTC`. */
export const clockTime = (at: Date) => `${at.toISOString().slice(11, 19)} UTC`;

/** "users (active) page 3 of 10", or "page 3" while the list's length is unknown. */
export function pageSummary(list: string, page: number, totalPages: number | null | undefined): string {
  return totalPages ? `${list} page ${page} of ${Math.max(totalPages, page)}` : `${list} page ${page}`;
}

/** Why a failed call is waited for, as the activity's failure told it. */
export interface WaitCause {
  /** the failure's type: RateLimitedError, AwaitingAccessError, UnavailableError, DatabaseUnavailable, ... */
  type: string | undefined;
  /** the API that failed (Procore, Corfix), when it was one */
  api: string | undefined;
  /** the activity that failed */
  activity: string;
  attempt: number;
}

/** The wait before the next attempt, in words: what is waited for, and until when. */
export function waitSummary(cause: WaitCause, until: Date): string {
  const at = clockTime(until);
  const api = cause.api ?? 'the API';
  switch (cause.type) {
    case 'RateLimitedError':
      return `waiting for ${api}'s rate-limit window to reset at ${at}`;
    case 'AwaitingAccessError':
      return `waiting for access in ${api} to be granted; asking again at ${at}`;
    case 'UnavailableError':
      return `waiting for ${api} to answer again; next try at ${at} (attempt ${cause.attempt + 1})`;
    case 'DatabaseUnavailable':
      return `waiting for Postgres to answer again; next try at ${at} (attempt ${cause.attempt + 1})`;
    default:
      return `waiting to run ${cause.activity} again at ${at} (attempt ${cause.attempt + 1})`;
  }
}

/** The state line of the current details: well, or the problem and what happens next. */
export function stateLine(state: 'ok' | 'retrying' | 'failed', problem: string | null, waiting: string | null): string {
  if (state === 'ok') return 'State: ok';
  if (state === 'retrying') return `State: retrying. ${problem ?? ''}${waiting ? `\nNext: ${waiting}` : ''}`;
  return `State: failed. ${problem ?? ''}\nNext: nothing until an operator acts (resume, retry or connect again)`;
}

/** The ids that say which integration a workflow serves (all three are search attributes too). */
export interface IntegrationIds {
  integrationId: string;
  corfixAccountId: string | undefined;
  procoreCompanyId: string | undefined;
}

/** What each kind of workflow is for. */
export type WorkflowPurpose =
  | { kind: 'connect' }
  | { kind: 'initial-sync' }
  | { kind: 'continuous'; entity: 'users' | 'projects' }
  | { kind: 'form-upload'; formId: string }
  | { kind: 'preview' };

/**
 * One line that says what the workflow is for and for which integration: the
 * static summary it is started with, and the first line of its current
 * details (a run begun by continue-as-new has no static summary of its own).
 */
export function purposeLine(purpose: WorkflowPurpose, ids: IntegrationIds): string {
  const company = ids.procoreCompanyId ? `Procore company ${ids.procoreCompanyId}` : 'the Procore company';
  const account = ids.corfixAccountId ? `Corfix account ${ids.corfixAccountId}` : `the Corfix account of integration ${ids.integrationId}`;
  switch (purpose.kind) {
    case 'connect':
      return `Connect ${company} to ${account}: hook, initial sync, then the continuous syncs`;
    case 'initial-sync':
      return `Initial sync: every project and user of ${company} into ${account}`;
    case 'continuous':
      return purpose.entity === 'users'
        ? `Keeps the workers of ${account} in step with the users of ${company}`
        : `Keeps the projects of ${account} in step with the projects of ${company}`;
    case 'form-upload':
      return `Files form ${purpose.formId} of ${account} in the Documents of ${company}`;
    case 'preview':
      return `Preview: what connecting ${company} to ${account} would do, deciding every project and user and writing nothing`;
  }
}
