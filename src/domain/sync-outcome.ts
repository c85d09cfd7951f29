// The per-entity outcome of a sync and the reason for it: one report row per
// Procore project and per Procore user. Shared by the rules, the database
// (sync_outcomes) and the API, so all three speak the same codes.

/** The Procore entities that get a report row. */
export const SYNC_ENTITIES = ['project', 'user'] as const;
export type SyncEntity = (typeof SYNC_ENTITIES)[number];

/** What happened to the record: made in Corfix, tied to what was there, or left alone. */
export const OUTCOMES = ['created', 'linked', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Project reasons, in the order the decisions are made; the first that applies wins. */
export const PROJECT_REASONS = [
  'linked',
  'template',
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
  'email_exists',
  'invalid_record',
  'created',
] as const;
export type UserReason = (typeof USER_REASONS)[number];

/** Every reason code, projects' and users' together (for a database check or an API enum). */
export type Reason = ProjectReason | UserReason;
export const REASONS: readonly [Reason, ...Reason[]] = [...new Set<Reason>([...PROJECT_REASONS, ...USER_REASONS])] as [Reason, ...Reason[]];

/** The reasons that leave a record alone. */
export type SkipReason = Exclude<Reason, 'linked' | 'created'>;

/** The outcome a reason stands for: every reason but `linked` and `created` is a skip. */
export function outcomeOfReason(reason: Reason): Outcome {
  if (reason === 'created') return 'created';
  if (reason === 'linked') return 'linked';
  return 'skipped';
}

/** Narrows free text (a database column, a query parameter) to a reason code. */
export function isReason(value: string): value is Reason {
  return (REASONS as readonly string[]).includes(value);
}
