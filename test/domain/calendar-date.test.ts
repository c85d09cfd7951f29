import { isAfter, isCalendarDate, utcCalendarDate } from '../../src/domain/calendar-date.js';

describe('calendar dates', () => {
  test('a calendar date is a real date written YYYY-MM-DD', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-3-15')).toBe(false);
    expect(isCalendarDate('2026-03-15T00:00:00Z')).toBe(false);
  });

  test("today is the UTC date of the instant, not the local one", () => {
    expect(utcCalendarDate(new Date('2026-03-15T23:30:00-05:00'))).toBe('2026-03-16');
    expect(utcCalendarDate(new Date('2026-03-16T00:30:00+13:00'))).toBe('2026-03-15');
  });

  test('isAfter is strictly after and refuses anything but dates', () => {
    expect(isAfter('2026-03-16', '2026-03-15')).toBe(true);
    expect(isAfter('2026-03-15', '2026-03-15')).toBe(false);
    expect(isAfter('2025-12-31', '2026-01-01')).toBe(false);
    expect(() => isAfter('2026-03-15T00:00:00Z', '2026-03-15')).toThrow(RangeError);
  });
});
