// The Corfix status of a Procore project (docs/rules.md, Project status).

import { isAfter, isCalendarDate } from './calendar-date.js';
import type { ProcoreProjectRecord } from './procore-records.js';

// Defined once here, and src/corfix/schemas.ts imports it: the rule writes exactly Corfix's statuses, and the domain may not import the client.
export const CORFIX_PROJECT_STATUSES = ['active', 'upcoming', 'completed'] as const;
export type CorfixProjectStatus = (typeof CORFIX_PROJECT_STATUSES)[number];

/**
 * Active in Procore -> active. Inactive with a start date after today (UTC)
 * -> upcoming. Inactive otherwise -> completed (docs/rules.md, Project
 * status): only "in the past" is named, so a project starting today, or one
 * with no start date, is treated as not upcoming. Dates are 'YYYY-MM-DD';
 * anything else throws a RangeError (the Procore client is where dates get
 * their shape).
 */
export function projectStatus(
  project: Pick<ProcoreProjectRecord, 'active' | 'startDate'>,
  today: string,
): CorfixProjectStatus {
  // Checked even for active projects, so a caller passing a timestamp fails at once.
  if (!isCalendarDate(today)) throw new RangeError(`today is not a YYYY-MM-DD date: ${JSON.stringify(today)}`);
  if (project.active) return 'active';
  if (project.startDate !== null && isAfter(project.startDate, today)) return 'upcoming';
  return 'completed';
}
