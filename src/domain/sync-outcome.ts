// The per-entity outcome of a sync and the reason for it: one report row per
// Procore project, per Procore user and per Corfix form filed in Procore. Shared by the rules, the database
// (sync_outcomes) and the API, so all three speak the same codes.

/** The entities that get a report row: Procore projects and users, Corfix forms. */
export const SYNC_ENTITIES = ['project', 'user', 'form'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/**
 * What happened to the record: made in Corfix, tied to what this
 * integration made before, tied to what was there already (adopted, with
 * adopt_existing), or left alone (at connect and after); changed, blocked or
 * unblocked in Corfix (a change in Procore after the connect).
 */
export const OUTCOMES = ['created', 'linked', 'adopted', 'skipped', 'updated', 'blocked', 'unblocked', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Project reasons, in the order the decisions are made; the first that applies wins. */
export const PROJECT_REASONS = [
  'linked',
  'template',
  'not_selected',
  'adopted',
  'ambiguous_match',
  'number_exists',
  'name_exists',
  'completed_not_in_corfix',
  'invalid_record',
  'created',
] as const;
export type ProjectReason = (typeof PROJECT_REASONS)[number];

/** User reasons, in the order the decisions are made; the first that applies wins. */
export const USER_REASONS = [
  'linked',
  'service_account',
  'inactive_not_in_corfix',
  'not_employee',
  'adopted',
  'ambiguous_match',
  'email_exists',
  'invalid_record',
  'created',
] as const;
export type UserReason = (typeof USER_REASONS)[number];

/**
 * What a change in Procore did to a linked project (docs/rules.md, Project
 * changes): its status moved, or its fields were written again; or nothing,
 * because the project this integration made is no longer in Corfix
 * (missing_in_corfix: someone deleted it there).
 */
export const PROJECT_CHANGE_REASONS = ['status_changed', 'fields_changed', 'missing_in_corfix'] as const;
export type ProjectChangeReason = (typeof PROJECT_CHANGE_REASONS)[number];

/**
 * What a change in Procore did to a linked worker (docs/rules.md, User
 * changes): blocked (deactivated, no longer an employee, deleted), unblocked
 * (reactivated, an employee again), fields written (email_taken: all but the
 * email, which another Corfix worker has), not blocked because it was
 * never activated (pending_activation), or nothing because the worker this
 * integration made is no longer in Corfix (missing_in_corfix).
 */
export const USER_CHANGE_REASONS = [
  'deactivated',
  'no_longer_employee',
  'deleted',
  'reactivated',
  'employee_again',
  'fields_changed',
  'email_taken',
  'pending_activation',
  'missing_in_corfix',
] as const;
export type UserChangeReason = (typeof USER_CHANGE_REASONS)[number];

/**
 * What happened to a Corfix form (docs/rules.md, Forms): filed as a new
 * Procore file (uploaded), filed as a new version of its file (new_version),
 * left alone because it is a draft, its Corfix project is not linked to a
 * Procore project, or to one the project selection leaves out (not_selected), or Sync Forms to Procore was off when it came, or given up on after days of retries or a refusal
 * (upload_failed: the form's own row says why; POST .../retry tries again).
 */
export const FORM_REASONS = ['uploaded', 'new_version', 'draft', 'project_not_linked', 'not_selected', 'sync_forms_off', 'upload_failed'] as const;
export type FormReason = (typeof FORM_REASONS)[number];

/** Every reason code, projects' and users' together (for a database check or an API enum). */
export type Reason = ProjectReason | UserReason | ProjectChangeReason | UserChangeReason | FormReason;
export const REASONS: readonly [Reason, ...Reason[]] = [
  ...new Set<Reason>([...PROJECT_REASONS, ...USER_REASONS, ...PROJECT_CHANGE_REASONS, ...USER_CHANGE_REASONS, ...FORM_REASONS]),
] as [Reason, ...Reason[]];

/** The reasons that leave a record alone. */
export type SkipReason =
  | Exclude<Reason, 'linked' | 'created' | 'adopted' | ProjectChangeReason | UserChangeReason | FormReason>
  | 'pending_activation'
  | 'not_selected';

const CHANGE_OUTCOMES: Record<ProjectChangeReason | UserChangeReason | FormReason, Outcome> = {
  status_changed: 'updated',
  fields_changed: 'updated',
  email_taken: 'updated',
  deactivated: 'blocked',
  no_longer_employee: 'blocked',
  deleted: 'blocked',
  reactivated: 'unblocked',
  employee_again: 'unblocked',
  pending_activation: 'skipped',
  missing_in_corfix: 'skipped',
  uploaded: 'created',
  new_version: 'updated',
  draft: 'skipped',
  project_not_linked: 'skipped',
  not_selected: 'skipped',
  sync_forms_off: 'skipped',
  upload_failed: 'failed',
};

/** The outcome a reason stands for: created, linked, a change's own outcome, otherwise a skip. */
export function outcomeOfReason(reason: Reason): Outcome {
  if (reason === 'created') return 'created';
  if (reason === 'linked') return 'linked';
  if (reason === 'adopted') return 'adopted';
  if (reason in CHANGE_OUTCOMES) return CHANGE_OUTCOMES[reason as keyof typeof CHANGE_OUTCOMES];
  return 'skipped';
}

/** Narrows free text (a database column, a query parameter) to a reason code. */
export function isReason(value: string): value is Reason {
  return (REASONS as readonly string[]).includes(value);
}
