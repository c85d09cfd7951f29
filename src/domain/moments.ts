// Procore's `updated_at` and the one a link remembers (read back from
// Postgres) are the same moment written two ways ("...:00Z" and
// "...:00.000Z"): they are compared as moments, never as text.

/** Whether two ISO 8601 timestamps name the same moment; an unreadable or missing one never does. */
export function sameMoment(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false;
  const ma = Date.parse(a);
  return !Number.isNaN(ma) && ma === Date.parse(b);
}
