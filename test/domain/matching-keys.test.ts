import { emailKey, projectNameKey, projectNumberKey } from '../../src/domain/matching-keys.js';

describe('matching keys', () => {
  test('emails match ignoring case and surrounding whitespace', () => {
    expect(emailKey(' Aroha.Ngata@Example.COM ')).toBe(emailKey('aroha.ngata@example.com'));
    expect(emailKey('aroha@example.com')).not.toBe(emailKey('aroha2@example.com'));
  });

  test('project names match ignoring case, as Corfix’s name filter does', () => {
    expect(projectNameKey('HARBOUR Tower')).toBe(projectNameKey('harbour tower'));
    expect(projectNameKey('Éclair Plaza')).toBe(projectNameKey('éclair plaza'));
  });

  test('project names do not match ignoring whitespace: the filter is an exact match', () => {
    expect(projectNameKey('Harbour Tower ')).not.toBe(projectNameKey('Harbour Tower'));
    expect(projectNameKey('Harbour  Tower')).not.toBe(projectNameKey('Harbour Tower'));
  });

  test('project numbers match exactly', () => {
    expect(projectNumberKey('HT-001')).toBe(projectNumberKey('HT-001'));
    expect(projectNumberKey('HT-001')).not.toBe(projectNumberKey('ht-001'));
    expect(projectNumberKey('HT-001')).not.toBe(projectNumberKey(' HT-001'));
  });
});
