// JSON bodies are checked before JSON.parse so that an integer JSON cannot
// carry exactly (beyond 2^53) is refused with a clear message instead of being
// silently rounded into another company's id. Only where the route's schema
// reads it: a field the sender added and the route ignores (Procore adds its
// own to webhooks) is no reason to refuse the delivery.
import type { z } from 'zod';

const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/** Where a value sits in a JSON document: object keys and array indexes from the root. */
type JsonPath = ReadonlyArray<string | number>;

/**
 * The path (keys joined by '.') of the first integer literal that is not a
 * safe JS integer and that `reads` says the route reads, '(body)' for the
 * whole body, or null when there is none. Strings are skipped, so digits
 * inside them never count. Without `reads`, every integer counts.
 */
export function findUnsafeInteger(json: string, reads: (path: JsonPath) => boolean = () => true): string | null {
  // one entry per open object (its current key) or array (its current index)
  const open: Array<{ at: string | number; array: boolean }> = [];
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
        const top = open.at(-1);
        try {
          if (top && !top.array) top.at = JSON.parse(text) as string;
        } catch {
          return null; // malformed: JSON.parse will say so with its own message
        }
      }
      i = j + 1;
      continue;
    }
    if (c === '{' || c === '[') open.push({ at: c === '[' ? 0 : '', array: c === '[' });
    else if (c === '}' || c === ']') open.pop();
    else if (c === ',') {
      const top = open.at(-1);
      if (top?.array) top.at = (top.at as number) + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(json);
      if (match) {
        const [literal, fraction, exponent] = match;
        if (fraction === undefined && exponent === undefined && !Number.isSafeInteger(Number(literal))) {
          const path = open.map((o) => o.at);
          if (reads(path)) return path.length === 0 ? '(body)' : path.join('.');
        }
        i += literal.length;
        continue;
      }
    }
    i += 1;
  }
  return null;
}

/** The parts of a zod definition this walk looks at (zod's own types name each kind separately). */
interface Definition {
  type: string;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  options?: readonly z.core.$ZodType[];
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  valueType?: z.core.$ZodType;
  getter?: () => z.core.$ZodType;
}

function reads(schema: z.core.$ZodType, path: JsonPath, at: number): boolean {
  const def = schema._zod.def as unknown as Definition;
  const next = path[at];
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return reads(def.innerType as z.core.$ZodType, path, at);
    case 'pipe':
      return reads(def.in as z.core.$ZodType, path, at);
    case 'lazy':
      return reads((def.getter as () => z.core.$ZodType)(), path, at);
    case 'union':
      return (def.options ?? []).some((option) => reads(option, path, at));
    case 'object': {
      if (next === undefined) return true;
      const shape = def.shape ?? {};
      return typeof next === 'string' && Object.hasOwn(shape, next) && reads(shape[next] as z.core.$ZodType, path, at + 1);
    }
    case 'array':
      return next === undefined || (typeof next === 'number' && reads(def.element as z.core.$ZodType, path, at + 1));
    case 'record':
      return next === undefined || reads(def.valueType as z.core.$ZodType, path, at + 1);
    case 'any':
    case 'unknown':
      return true; // whatever lies beneath is kept as it came
    default:
      return next === undefined; // a leaf reads its own value, nothing inside it (the schema refuses that)
  }
}

/** Whether a body validated by `schema` reads the value at a path (unknown keys of a non-strict object are not read). */
export const schemaReads =
  (schema: z.core.$ZodType) =>
  (path: JsonPath): boolean =>
    reads(schema, path, 0);

export class UnsafeIntegerError extends Error {
  readonly statusCode = 400;
  constructor(readonly field: string) {
    super(`${field}: integers above 2^53 cannot be represented exactly; send this id as a string of digits`);
    this.name = 'UnsafeIntegerError';
  }
}

/** A zod schema, as a route's `schema.body` may hold one (fastify types it unknown). */
const isZodSchema = (value: unknown): value is z.core.$ZodType => typeof value === 'object' && value !== null && '_zod' in value;

/**
 * fastify content-type parser for application/json with the check above,
 * against the fields `schema` (the route's body schema) reads; without one,
 * every field.
 */
export function parseJsonBody(body: string, schema?: unknown): unknown {
  const field = findUnsafeInteger(body, isZodSchema(schema) ? schemaReads(schema) : undefined);
  if (field !== null) throw new UnsafeIntegerError(field);
  return body.length === 0 ? undefined : JSON.parse(body);
}
