import { findUnsafeInteger, parseJsonBody, UnsafeIntegerError } from '../../src/api/json-body.js';

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
});
