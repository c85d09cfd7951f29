import { projectFields, projectNumberOf } from '../../src/domain/project-fields.js';
import { COMPANY_ID, TODAY, procoreProject } from './procore-fixtures.js';

const options = { companyId: COMPANY_ID, today: TODAY };

describe('project fields', () => {
  test('each Procore field goes to its Corfix field, codes as Procore gives them', () => {
    expect(projectFields(procoreProject(), options)).toEqual({
      valid: true,
      fields: {
        name: 'Harbour Tower',
        project_number: 'HT-001',
        private_description: 'Internal: phase 2 budget',
        public_info: 'Site office at gate B',
        street_address: '12 Quay Street',
        city: 'Auckland',
        state: 'AUK',
        country: 'NZ',
        zip: '1010',
        status: 'active',
        external_ref: `procore:${COMPANY_ID}:project:562949953421312`,
      },
    });
  });

  test('missing optional fields stay null', () => {
    const result = projectFields(
      procoreProject({ description: null, publicNotes: null, address: null, city: null, stateCode: null, countryCode: null, zip: null }),
      options,
    );
    expect(result.valid && result.fields).toMatchObject({
      private_description: null,
      public_info: null,
      street_address: null,
      city: null,
      state: null,
      country: null,
      zip: null,
    });
  });

  test('the status is the project status for today', () => {
    const result = projectFields(procoreProject({ active: false, startDate: '2026-03-16' }), options);
    expect(result.valid && result.fields.status).toBe('upcoming');
  });

  test('a blank project number is no number; any other is kept exactly', () => {
    expect(projectNumberOf({ projectNumber: null })).toBeNull();
    expect(projectNumberOf({ projectNumber: '' })).toBeNull();
    expect(projectNumberOf({ projectNumber: '  ' })).toBeNull();
    expect(projectNumberOf({ projectNumber: ' ht-001 ' })).toBe(' ht-001 ');
    const result = projectFields(procoreProject({ projectNumber: '' }), options);
    expect(result.valid && result.fields.project_number).toBeNull();
  });

  test('invalid_record names the field: name empty', () => {
    expect(projectFields(procoreProject({ name: '' }), options)).toEqual({ valid: false, field: 'name', problem: 'empty' });
    expect(projectFields(procoreProject({ name: null }), options)).toEqual({ valid: false, field: 'name', problem: 'empty' });
  });

  test('invalid_record names the field: name longer than 255', () => {
    expect(projectFields(procoreProject({ name: 'n'.repeat(255) }), options).valid).toBe(true);
    expect(projectFields(procoreProject({ name: 'n'.repeat(256) }), options)).toEqual({
      valid: false,
      field: 'name',
      problem: 'too_long',
    });
  });

  test('invalid_record names the field: project_number longer than 100', () => {
    expect(projectFields(procoreProject({ projectNumber: '7'.repeat(100) }), options).valid).toBe(true);
    expect(projectFields(procoreProject({ projectNumber: '7'.repeat(101) }), options)).toEqual({
      valid: false,
      field: 'project_number',
      problem: 'too_long',
    });
  });

  test('invalid_record names the field: external_ref longer than 255', () => {
    const longCompany = { companyId: '1'.repeat(240), today: TODAY };
    expect(projectFields(procoreProject(), longCompany)).toEqual({
      valid: false,
      field: 'external_ref',
      problem: 'too_long',
    });
  });

  test('with several invalid values the first in field order is named', () => {
    expect(projectFields(procoreProject({ name: '', projectNumber: '7'.repeat(101) }), options)).toMatchObject({
      field: 'name',
    });
  });
});
