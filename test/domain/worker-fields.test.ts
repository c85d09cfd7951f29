import {
  workerEmail,
  workerEmployeeNumber,
  workerFields,
  workerPhoneNumber,
} from '../../src/domain/worker-fields.js';
import { COMPANY_ID, procoreUser } from './procore-fixtures.js';

const options = { companyId: COMPANY_ID };

describe('worker fields', () => {
  test('each Procore field goes to its Corfix field', () => {
    expect(workerFields(procoreUser(), options)).toEqual({
      valid: true,
      fields: {
        first_name: 'Aroha',
        last_name: 'Ngata',
        email: 'aroha.ngata@example.com',
        phone_number: '+64 21 555 0101',
        employee_number: '00417',
        external_ref: `procore:${COMPANY_ID}:user:9007199254740993`,
      },
    });
  });

  test('mobile phone -> phone number', () => {
    expect(workerPhoneNumber({ mobilePhone: '021 555 0101', businessPhone: '09 555 0199' })).toBe('021 555 0101');
  });

  test('business phone when the mobile phone is empty ("" or null)', () => {
    for (const mobilePhone of [null, '', '  ']) {
      expect(workerPhoneNumber({ mobilePhone, businessPhone: '09 555 0199' })).toBe('09 555 0199');
    }
  });

  test('no phone number when both phones are empty', () => {
    expect(workerPhoneNumber({ mobilePhone: '', businessPhone: null })).toBeNull();
    expect(workerPhoneNumber({ mobilePhone: null, businessPhone: '' })).toBeNull();
  });

  test('employee ID given as a string -> employee number, verbatim with its leading zeros', () => {
    expect(workerEmployeeNumber({ employeeId: '00417' })).toBe('00417');
    expect(workerEmployeeNumber({ employeeId: 'E-17' })).toBe('E-17');
    expect(workerEmployeeNumber({ employeeId: '' })).toBeNull();
    expect(workerEmployeeNumber({ employeeId: null })).toBeNull();
  });

  test('an empty email is no email', () => {
    for (const emailAddress of [null, '', '   ']) {
      expect(workerEmail({ emailAddress })).toBeNull();
      const result = workerFields(procoreUser({ emailAddress }), options);
      expect(result.valid && result.fields.email).toBeNull();
    }
  });

  test('an email is trimmed; its case is kept', () => {
    expect(workerEmail({ emailAddress: '  Aroha.Ngata@Example.com ' })).toBe('Aroha.Ngata@Example.com');
  });

  test('names are passed as Procore gives them', () => {
    const result = workerFields(procoreUser({ firstName: ' Aroha ', lastName: "O'Neill-Ngata" }), options);
    expect(result.valid && [result.fields.first_name, result.fields.last_name]).toEqual([' Aroha ', "O'Neill-Ngata"]);
  });

  test('invalid_record names the field: first_name empty or longer than 100', () => {
    for (const firstName of [null, '', ' ']) {
      expect(workerFields(procoreUser({ firstName }), options)).toEqual({ valid: false, field: 'first_name', problem: 'empty' });
    }
    expect(workerFields(procoreUser({ firstName: 'a'.repeat(100) }), options).valid).toBe(true);
    expect(workerFields(procoreUser({ firstName: 'a'.repeat(101) }), options)).toEqual({
      valid: false,
      field: 'first_name',
      problem: 'too_long',
    });
  });

  test('invalid_record names the field: last_name empty or longer than 100', () => {
    expect(workerFields(procoreUser({ lastName: '' }), options)).toEqual({ valid: false, field: 'last_name', problem: 'empty' });
    expect(workerFields(procoreUser({ lastName: 'b'.repeat(101) }), options)).toEqual({
      valid: false,
      field: 'last_name',
      problem: 'too_long',
    });
  });

  test('invalid_record names the field: email not a valid address', () => {
    for (const emailAddress of ['aroha', 'aroha@', 'aroha@example', 'aroha ngata@example.com']) {
      expect(workerFields(procoreUser({ emailAddress }), options)).toEqual({
        valid: false,
        field: 'email',
        problem: 'not_an_email',
      });
    }
  });

  test('invalid_record names the field: external_ref longer than 255', () => {
    expect(workerFields(procoreUser(), { companyId: '1'.repeat(240) })).toEqual({
      valid: false,
      field: 'external_ref',
      problem: 'too_long',
    });
  });

  test('with several invalid values the first in field order is named', () => {
    expect(workerFields(procoreUser({ firstName: '', lastName: '', emailAddress: 'x' }), options)).toMatchObject({
      field: 'first_name',
    });
    expect(workerFields(procoreUser({ lastName: '', emailAddress: 'x' }), options)).toMatchObject({ field: 'last_name' });
  });
});
