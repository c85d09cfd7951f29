// Text helpers shared by the field mappings and Corfix's limits.

/**
 * The value of a Procore text field, or null when it has none: Procore gives
 * null or "" for a missing value, and a whitespace-only value carries nothing
 * either. A value that is present is returned exactly as given.
 */
export function presentText(value: string | null): string | null {
  return value === null || value.trim() === '' ? null : value;
}

/**
 * Length as JSON Schema's minLength/maxLength count it (Unicode code points,
 * not UTF-16 units), since Corfix's limits are written in JSON Schema.
 */
export function textLength(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}
