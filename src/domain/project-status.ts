// The Corfix status of a Procore project (docs/rules.md, Project status).

import { isAfter, isCalendarDate } from './calendar-date.js';
import type { ProcoreProjectRecord } from './procore-records.js';

// Defined once here, and src/corfix/schemas.ts imports it: the rule writes exactly Corfix's statuses, and the domain may not import the client.
export const CORFIX_PROJECT_STATUSES = ['active', 'upcoming', 'completed'] as const;
export type CorfixProjectStatus = (typeof CORFIX_PROJECT_STATUSES)[number];

/** A start date the rule cannot read (not 'YYYY-MM-DD'): the project is `invalid_record`, naming the field. */
export interface UnreadableStartDate {
  unreadable: 'start_date';
}

/**
 * Active in Procore -> active. Inactive with a start date after today (UTC)
 * -> upcoming. Inactive otherwise -> completed (docs/rules.md, Project
 * status): only "in the past" is named, so a project starting today, or one
 * with no start date, is treated as not upcoming. Dates are 'YYYY-MM-DD'.
 * An inactive project's start date in any other shape (a timestamp, say)
 * is data the rule cannot read: it answers UnreadableStartDate instead of
 * throwing, so one record never stops a sync. `today` comes from the
 * caller, not from Procore: a bad one is a bug and throws a RangeError.
 */
export function projectStatus(
  project: Pick<ProcoreProjectRecord, 'active' | 'startDate'>,
  today: string,
): CorfixProjectStatus | UnreadableStartDate {
  // Checked even for active projects, so a caller passing a timestamp fails at once.
  if (!isCalendarDate(today)) throw new RangeError(`today is not a YYYY-MM-DD date: ${JSON.stringify(today)}`);
  if (project.active) return 'active';
  if (project.startDate === null) return 'completed';
  if (!isCalendarDate(project.startDate)) return { unreadable: 'start_date' };
  return isAfter(project.startDate, today) ? 'upcoming' : 'completed';
}
