// Calendar dates as 'YYYY-MM-DD' strings. Rules take "today" as such a
// string instead of reading the clock, so they stay deterministic inside
// Temporal workflows; the caller derives it with utcCalendarDate.

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real date written 'YYYY-MM-DD' (2026-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
  );
}

/** The UTC calendar date of an instant: "today" in docs/rules.md is the UTC day. */
export function utcCalendarDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

/**
 * Whether calendar date `a` is strictly after `b`. 'YYYY-MM-DD' strings
 * order lexicographically as dates do, which is why both must be checked:
 * a timestamp such as '2026-05-01T00:00:00Z' would compare after '2026-05-01'.
 */
export function isAfter(a: string, b: string): boolean {
  for (const date of [a, b]) {
    if (!isCalendarDate(date)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  }
  return a > b;
}
