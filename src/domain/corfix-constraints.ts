// What Corfix can take (contracts/corfix-api.yaml). A record with a value outside
// these limits is skipped as `invalid_record`, naming the Corfix field,
// instead of being sent and refused with a 400.

import { presentText, textLength } from './text.js';

export const PROJECT_NAME_MAX_LENGTH = 255;
export const PROJECT_NUMBER_MAX_LENGTH = 100;
export const WORKER_NAME_MAX_LENGTH = 100;
export const EXTERNAL_REF_MAX_LENGTH = 255;

/** Why a value cannot go to Corfix. */
export type InvalidValueProblem = 'empty' | 'too_long' | 'not_an_email' | 'not_a_date';

/** A value Corfix can take, or why not. */
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: InvalidValueProblem };

/**
 * A required name: Corfix says names are non-empty. A whitespace-only name
 * counts as empty: it passes minLength 1 but names nobody in Corfix's lists.
 * The name itself is kept as given (no trimming).
 */
export function checkRequiredName(value: string | null, maxLength: number): Checked<string> {
  const name = presentText(value);
  if (name === null) return { ok: false, problem: 'empty' };
  if (textLength(name) > maxLength) return { ok: false, problem: 'too_long' };
  return { ok: true, value: name };
}

/** An optional text with a maximum length. */
export function checkOptionalText(value: string | null, maxLength: number): Checked<string | null> {
  if (value !== null && textLength(value) > maxLength) return { ok: false, problem: 'too_long' };
  return { ok: true, value };
}

// An email address as a JSON-Schema `format: email` validator accepts it:
// the intersection of ajv-formats' "full" pattern (dot-atom local part, a
// domain of at least two dot-separated labels) and its "fast" pattern
// (labels of at most 63 characters), so an address that passes here
// passes whichever mode Corfix's validator runs in. ASCII only, and no
// quoted local parts or IP-literal domains: Procore directory emails are
// plain addresses, and the narrower check never lets a refused one through.
const ATOM = "[a-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const EMAIL = new RegExp(`^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+${LABEL}$`, 'i');

export function isValidEmail(value: string): boolean {
  return EMAIL.test(value);
}

/** An optional email: null, or an address Corfix's `format: email` accepts. */
export function checkEmail(value: string | null): Checked<string | null> {
  if (value !== null && !isValidEmail(value)) return { ok: false, problem: 'not_an_email' };
  return { ok: true, value };
}
