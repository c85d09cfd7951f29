// JSON bodies are checked before JSON.parse so that an integer JSON cannot
// carry exactly (beyond 2^53) is refused with a clear message instead of being
// silently rounded into another company's id.

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * The field holding the first integer literal that is not a safe JS integer
 * (the nearest object key before it), '(body)' when there is no key, or null
 * when every integer is safe. Strings are skipped, so digits inside them never count.
 */
export function findUnsafeInteger(json: string): string | null {
  let lastKey: string | null = null;
  let i = 0;
  while (i < json.length) {
    const c = json[i] as string;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const text = json.slice(i, j + 1);
      // A string followed by ':' is a key.
      let k = j + 1;
      while (k < json.length && /\s/.test(json[k] as string)) k += 1;
      if (json[k] === ':') {
        try {
          lastKey = JSON.parse(text) as string;
        } catch {
          return null; // malformed: JSON.parse will say so with its own message
        }
      }
      i = j + 1;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(json);
      if (!match) return null;
      const [literal, fraction, exponent] = match;
      if (fraction === undefined && exponent === undefined && !Number.isSafeInteger(Number(literal))) {
        return lastKey ?? '(body)';
      }
      i += literal.length;
      continue;
    }
    i += 1;
  }
  return null;
}

export class UnsafeIntegerError extends Error {
  readonly statusCode = 400;
  constructor(readonly field: string) {
    super(`${field}: integers above 2^53 cannot be represented exactly; send this id as a string of digits`);
    this.name = 'UnsafeIntegerError';
  }
}

/** fastify content-type parser for application/json with the check above. */
export function parseJsonBody(body: string): unknown {
  const field = findUnsafeInteger(body);
  if (field !== null) throw new UnsafeIntegerError(field);
  return body.length === 0 ? undefined : JSON.parse(body);
}
