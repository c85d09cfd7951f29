import { sameMoment } from '../../src/domain/moments.js';

test('the same moment written with and without milliseconds, or in another offset, is the same', () => {
  expect(sameMoment('2026-11-29T23:40:00Z', '2026-11-29T23:40:00.000Z')).toBe(true);
  expect(sameMoment('2026-11-30T00:40:00+01:00', '2026-11-29T23:40:00.000Z')).toBe(true);
});

test('another moment, a missing one or an unreadable one is never the same', () => {
  expect(sameMoment('2026-11-29T23:40:00.001Z', '2026-11-29T23:40:00Z')).toBe(false);
  expect(sameMoment('2026-11-29T23:40:00Z', null)).toBe(false);
  expect(sameMoment(null, null)).toBe(false);
  expect(sameMoment('yesterday', 'yesterday')).toBe(false);
});
