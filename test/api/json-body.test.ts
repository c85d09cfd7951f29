import { z } from 'zod';
import { findUnsafeInteger, parseJsonBody, schemaReads, UnsafeIntegerError } from '../../src/api/json-body.js';

describe('integers beyond 2^53 in JSON bodies', () => {
  test('a safe integer passes', () => {
    expect(findUnsafeInteger('{"procore_company_id": 9007199254740991}')).toBeNull();
  });
  test('2^53 + 1 is named by its field', () => {
    expect(findUnsafeInteger('{"a": 1, "procore_company_id": 9007199254740993}')).toBe('procore_company_id');
  });
  test('2^53 itself is refused too (it may be a rounded neighbour)', () => {
    expect(findUnsafeInteger('{"procore_company_id":9007199254740992}')).toBe('procore_company_id');
  });
  test('digits inside strings, escaped quotes included, never count', () => {
    expect(findUnsafeInteger('{"note": "id \\"x\\": 123456789012345678901", "procore_company_id": "123456789012345678901"}')).toBeNull();
  });
  test('fractions and exponents are not integers', () => {
    expect(findUnsafeInteger('{"ratio": 12345678901234567.5, "big": 1e30}')).toBeNull();
  });
  test('negative integers and a bare top-level number', () => {
    expect(findUnsafeInteger('{"x": -9007199254740993}')).toBe('x');
    expect(findUnsafeInteger('9007199254740993')).toBe('(body)');
  });
  test('the parser refuses with a sentence naming the field and parses the rest', () => {
    expect(() => parseJsonBody('{"procore_company_id": 12345678901234567890}')).toThrow(UnsafeIntegerError);
    expect(() => parseJsonBody('{"procore_company_id": 12345678901234567890}')).toThrow(/procore_company_id/);
    expect(parseJsonBody('{"procore_company_id": 42}')).toEqual({ procore_company_id: 42 });
  });
  test('a nested one is named by its path', () => {
    expect(findUnsafeInteger('{"metadata": {"a": [1, {"id": 9007199254740993}]}}')).toBe('metadata.a.1.id');
  });
});

// schemathesis found it: a webhook whose schema lets senders add fields was refused (400) for a large
// integer in a field it never reads, so a delivery carrying one more Procore id would be lost.
describe("only the fields a route's schema reads are refused for an integer beyond 2^53", () => {
  const body = z.object({
    company_id: z.union([z.string(), z.number()]),
    user_id: z.number().nullable().optional(),
    metadata: z.object({ source_application_id: z.number().optional() }).optional(),
    ids: z.array(z.number()).optional(),
    extra: z.unknown().optional(),
  });
  const reads = schemaReads(body);
  test.each([
    ['{"company_id": 9007199254740993}', 'company_id'],
    ['{"user_id": 9007199254740993}', 'user_id'],
    ['{"metadata": {"source_application_id": 9007199254740993}}', 'metadata.source_application_id'],
    ['{"ids": [1, 9007199254740993]}', 'ids.1'],
    ['{"extra": {"deep": [9007199254740993]}}', 'extra.deep.0'],
  ])('read: %s is refused naming %s', (json, field) => {
    expect(findUnsafeInteger(json, reads)).toBe(field);
    expect(() => parseJsonBody(json, body)).toThrow(UnsafeIntegerError);
  });
  test.each([
    '{"company_id": "1", "added_by_procore": 9007199254740993}',
    '{"company_id": "1", "": {"x": 576460752303423489}}',
    '{"company_id": "1", "metadata": {"other_app_field": 9007199254740993}}',
    '{"company_id": "1", "user_id": {"nested": 9007199254740993}}',
  ])('not read: %s is parsed (the schema decides what to make of the rest)', (json) => {
    expect(findUnsafeInteger(json, reads)).toBeNull();
    expect(() => parseJsonBody(json, body)).not.toThrow();
  });
  test('without a schema every field counts, as before', () => {
    expect(() => parseJsonBody('{"anything": 9007199254740993}')).toThrow(UnsafeIntegerError);
  });
});
