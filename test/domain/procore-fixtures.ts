// Procore records for the domain tests: a project and a user that the rules
// create, so each test changes only what its rule is about.

import type { ProcoreCompanyUser, ProcoreProjectRecord } from '../../src/domain/procore-records.js';

export const COMPANY_ID = '4200001';
export const TODAY = '2026-03-15';

export function procoreProject(overrides: Partial<ProcoreProjectRecord> = {}): ProcoreProjectRecord {
  return {
    id: '562949953421312',
    name: 'Harbour Tower',
    projectNumber: 'HT-001',
    description: 'Internal: phase 2 budget',
    publicNotes: 'Site office at gate B',
    address: '12 Quay Street',
    city: 'Auckland',
    stateCode: 'AUK',
    countryCode: 'NZ',
    zip: '1010',
    active: true,
    startDate: '2026-01-10',
    template: false,
    updatedAt: '2026-03-01T10:00:00Z',
    ...overrides,
  };
}

export function procoreUser(overrides: Partial<ProcoreCompanyUser> = {}): ProcoreCompanyUser {
  return {
    id: '9007199254740993',
    firstName: 'Aroha',
    lastName: 'Ngata',
    emailAddress: 'aroha.ngata@example.com',
    mobilePhone: '+64 21 555 0101',
    businessPhone: '+64 9 555 0199',
    employeeId: '00417',
    isEmployee: true,
    isActive: true,
    updatedAt: '2026-03-01T10:00:00Z',
    ...overrides,
  };
}
