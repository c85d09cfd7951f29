// What to do with one Procore company user. The decisions are made in a
// fixed order and the first that applies is the outcome and reason of its
// report row: linked, service_account, inactive_not_in_corfix, not_employee,
// email_exists, invalid_record, otherwise created. With adopt_existing on,
// an email held by exactly one free Corfix worker adopts it instead of
// email_exists, and one held by several is ambiguous_match (existing-match.ts).

import type { InvalidValueProblem } from './corfix-constraints.js';
import { decisionOfMatch, type CorfixMatch } from './existing-match.js';
import { emailKey, type EmailKey } from './matching-keys.js';
import type { ProcoreCompanyUser } from './procore-records.js';
import { activateOnCreate } from './worker-activation.js';
import { workerEmail, workerFields, type LimitedWorkerField, type MappedWorkerFields } from './worker-fields.js';

/** The facts a worker decision needs; the caller gathers them, the rule does no I/O. */
export interface WorkerDecisionContext {
  /** The Procore company the integration is connected to (for external_ref). */
  companyId: string;
  /**
   * This integration already made the worker: a link row, or a Corfix
   * worker carrying its external_ref. Decided first, so a rerun after a
   * crash between "create" and "write link" does not see its own worker's
   * email and skip it.
   */
  linked: boolean;
  /** The id of the app's own user (`GET /rest/v1.0/me`), as a decimal string. */
  serviceAccountUserId: string;
  /** The "Sync Employees Only" toggle. */
  syncEmployeesOnly: boolean;
  /** The "Automatically Activate Workers" toggle. */
  automaticallyActivateWorkers: boolean;
  /** The "adopt existing" setting: link a user matching exactly one free Corfix worker to it. */
  adoptExisting: boolean;
  /**
   * The workers in Corfix now, this sync's own creations included, that have
   * this email. Called with emailKey(...) of the user's email.
   */
  corfixWorkersWithEmail: (key: EmailKey) => readonly CorfixMatch[];
}

export type WorkerDecision =
  | {
      outcome: 'created';
      reason: 'created';
      /** The Corfix create body, without `activate`. */
      fields: MappedWorkerFields;
      /** The create's `activate` flag. */
      activate: boolean;
      /** What to add to the caller's set once created, so a later user with this email gets email_exists. */
      emailKey: EmailKey | null;
    }
  | {
      outcome: 'adopted';
      reason: 'adopted';
      /** the Corfix worker to link it to */
      corfixId: string;
      emailKey: EmailKey;
    }
  | { outcome: 'linked'; reason: 'linked' }
  | { outcome: 'skipped'; reason: 'email_exists' | 'ambiguous_match'; corfixIds: string[] }
  | { outcome: 'skipped'; reason: 'service_account' | 'inactive_not_in_corfix' | 'not_employee' }
  | { outcome: 'skipped'; reason: 'invalid_record'; field: LimitedWorkerField; problem: InvalidValueProblem };

/** docs/rules.md, User decisions #2: the service account is never synced. Ids compare as Procore's decimal strings. */
export function isServiceAccount(user: Pick<ProcoreCompanyUser, 'id'>, serviceAccountUserId: string): boolean {
  return user.id === serviceAccountUserId;
}

export function decideWorker(user: ProcoreCompanyUser, context: WorkerDecisionContext): WorkerDecision {
  if (context.linked) return { outcome: 'linked', reason: 'linked' };

  if (isServiceAccount(user, context.serviceAccountUserId)) {
    return { outcome: 'skipped', reason: 'service_account' };
  }

  // docs/rules.md, User decisions #3: not in Corfix and inactive in Procore -> not created.
  if (!user.isActive) return { outcome: 'skipped', reason: 'inactive_not_in_corfix' };

  // docs/rules.md, User decisions #4: with Sync Employees Only, only users
  // marked as employees are created.
  if (context.syncEmployeesOnly && !user.isEmployee) {
    return { outcome: 'skipped', reason: 'not_employee' };
  }

  // docs/rules.md, User decisions #5: the same email as an existing Corfix
  // worker -> not synced. No email (null, "" or blank) never matches.
  const email = workerEmail(user);
  if (email !== null) {
    const key = emailKey(email);
    const decided = decisionOfMatch(context.corfixWorkersWithEmail(key), context.adoptExisting, 'email_exists', { emailKey: key });
    if (decided) return decided;
  }

  const mapped = workerFields(user, { companyId: context.companyId });
  if (!mapped.valid) {
    return { outcome: 'skipped', reason: 'invalid_record', field: mapped.field, problem: mapped.problem };
  }

  const { fields } = mapped;
  return {
    outcome: 'created',
    reason: 'created',
    fields,
    activate: activateOnCreate(context),
    emailKey: fields.email === null ? null : emailKey(fields.email),
  };
}
