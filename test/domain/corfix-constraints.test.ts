import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import {
  checkEmail,
  checkOptionalText,
  checkRequiredName,
  isValidEmail,
} from '../../src/domain/corfix-constraints.js';
import { presentText, textLength } from '../../src/domain/text.js';

function jsonSchemaEmailValidator(mode: 'full' | 'fast'): (value: string) => boolean {
  const ajv = new Ajv.default();
  addFormats.default(ajv, { mode, formats: ['email'] });
  const validate = ajv.compile({ type: 'string', format: 'email' });
  return (value) => validate(value) === true;
}

const SAMPLE_ADDRESSES = [
  'aroha.ngata@example.com',
  'First.Last+site-3@sub.example.co.nz',
  "o'brien@example.ie",
  'UPPER@EXAMPLE.COM',
  'x@a-b.example',
  '1@2.3',
  `a@${'l'.repeat(63)}.com`,
  `a@${'l'.repeat(64)}.com`,
  'a@b',
  'a..b@example.com',
  '.a@example.com',
  'a.@example.com',
  'a@-example.com',
  'a@example-.com',
  'a@example..com',
  'a b@example.com',
  ' a@example.com',
  'a@example.com ',
  'ä@example.com',
  'a@exämple.com',
  '"quoted"@example.com',
  'a@[127.0.0.1]',
  'no-at-sign',
  'two@@example.com',
  '',
];

describe('what Corfix can take', () => {
  test('the email check accepts what a JSON-Schema format: email validator accepts in both ajv modes, and nothing else', () => {
    const full = jsonSchemaEmailValidator('full');
    const fast = jsonSchemaEmailValidator('fast');
    for (const address of SAMPLE_ADDRESSES) {
      expect({ address, accepted: isValidEmail(address) }).toEqual({
        address,
        accepted: full(address) && fast(address),
      });
    }
    // The list has to exercise both sides of the check to mean anything.
    expect(SAMPLE_ADDRESSES.filter(isValidEmail).length).toBeGreaterThanOrEqual(5);
    expect(SAMPLE_ADDRESSES.filter((a) => !isValidEmail(a)).length).toBeGreaterThanOrEqual(10);
  });

  test('an email is null or a valid address, never ""', () => {
    expect(checkEmail(null)).toEqual({ ok: true, value: null });
    expect(checkEmail('aroha@example.com')).toEqual({ ok: true, value: 'aroha@example.com' });
    expect(checkEmail('aroha@')).toEqual({ ok: false, problem: 'not_an_email' });
    expect(checkEmail('')).toEqual({ ok: false, problem: 'not_an_email' });
  });

  test('a required name is non-empty: null, "" and whitespace-only are empty', () => {
    for (const empty of [null, '', '   ', '\t\n']) {
      expect(checkRequiredName(empty, 100)).toEqual({ ok: false, problem: 'empty' });
    }
    expect(checkRequiredName(' Aroha ', 100)).toEqual({ ok: true, value: ' Aroha ' });
  });

  test('lengths are counted in code points, as JSON Schema counts them', () => {
    expect(textLength('😀')).toBe(1);
    expect(textLength('Māori')).toBe(5);
    expect(checkRequiredName('😀'.repeat(100), 100)).toEqual({ ok: true, value: '😀'.repeat(100) });
    expect(checkRequiredName('😀'.repeat(101), 100)).toEqual({ ok: false, problem: 'too_long' });
  });

  test('an optional text may be null and may not exceed its maximum', () => {
    expect(checkOptionalText(null, 100)).toEqual({ ok: true, value: null });
    expect(checkOptionalText('9'.repeat(100), 100)).toEqual({ ok: true, value: '9'.repeat(100) });
    expect(checkOptionalText('9'.repeat(101), 100)).toEqual({ ok: false, problem: 'too_long' });
  });

  test('a blank Procore text is no value; a present one is kept verbatim', () => {
    expect(presentText(null)).toBeNull();
    expect(presentText('')).toBeNull();
    expect(presentText('  ')).toBeNull();
    expect(presentText(' 021 555 ')).toBe(' 021 555 ');
  });
});
