import { projectStatus } from '../../src/domain/project-status.js';

const TODAY = '2026-03-15';

describe('project status', () => {
  test('active in Procore -> active, whatever the start date', () => {
    expect(projectStatus({ active: true, startDate: '2027-01-01' }, TODAY)).toBe('active');
    expect(projectStatus({ active: true, startDate: '2020-01-01' }, TODAY)).toBe('active');
    expect(projectStatus({ active: true, startDate: null }, TODAY)).toBe('active');
  });

  test('inactive with a start date after today -> upcoming (tomorrow is the first such day)', () => {
    expect(projectStatus({ active: false, startDate: '2026-03-16' }, TODAY)).toBe('upcoming');
    expect(projectStatus({ active: false, startDate: '2030-01-01' }, TODAY)).toBe('upcoming');
  });

  test('inactive with a start date today -> completed', () => {
    expect(projectStatus({ active: false, startDate: TODAY }, TODAY)).toBe('completed');
  });

  test('inactive with a start date in the past -> completed', () => {
    expect(projectStatus({ active: false, startDate: '2026-03-14' }, TODAY)).toBe('completed');
  });

  test('inactive with no start date -> completed', () => {
    expect(projectStatus({ active: false, startDate: null }, TODAY)).toBe('completed');
  });

  test('today must be a YYYY-MM-DD date, not a timestamp (the caller gives it)', () => {
    expect(() => projectStatus({ active: true, startDate: null }, '2026-03-15T10:00:00Z')).toThrow(RangeError);
  });

  test('an inactive project whose start date is not YYYY-MM-DD: unreadable, never a throw', () => {
    for (const startDate of ['2026-03-16T00:00:00Z', '2026-02-30', '16/03/2026', '']) {
      expect(projectStatus({ active: false, startDate }, TODAY)).toEqual({ unreadable: 'start_date' });
    }
    // an active project does not need its start date
    expect(projectStatus({ active: true, startDate: '2026-03-16T00:00:00Z' }, TODAY)).toBe('active');
  });
});
