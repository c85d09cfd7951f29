// How a response that breaks the contract is described in an error: which
// field, and what was wrong with it, in words that cannot quote what the API
// sent (the error reaches workflow history and Postgres; the body can hold
// names and emails).
import type { z } from 'zod';

/** The schema's own message for its custom checks; zod's issue code otherwise (its messages may quote values). */
export function issueText(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom') return issue.message;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return issue.code.replace(/_/g, ' ');
}

/** A path segment as shown: an index, a field name, or `[key]` for a key taken from the body (a record's). */
export function pathSegment(part: PropertyKey): number | string {
  if (typeof part === 'number') return part;
  const name = String(part);
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : '[key]';
}
