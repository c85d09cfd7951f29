// The chaos run's schedule is a pure function of the seed: the same seed
// gives the same disruptions, another seed others, each kind as many times
// as asked, all inside the window and apart from each other.
import fc from 'fast-check';
import { countByKind, faultSchedule, type ScheduleOptions } from '../../chaos/schedule.js';

const FULL: ScheduleOptions = { windowMs: 480_000, kills: 20, temporalRestarts: 2, postgresRestarts: 1, maxDownMs: 4_000 };

test('the same seed gives the same schedule; another seed another', () => {
  expect(faultSchedule(7, FULL)).toEqual(faultSchedule(7, FULL));
  expect(faultSchedule(8, FULL)).not.toEqual(faultSchedule(7, FULL));
});

test('every kind as many times as asked, in time order, inside the window, at least 30% of a slot apart', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 10_000, max: 1_000_000 }),
      (seed, kills, temporalRestarts, postgresRestarts, windowMs) => {
        const options = { windowMs, kills, temporalRestarts, postgresRestarts, maxDownMs: 4_000 };
        const schedule = faultSchedule(seed, options);
        expect(countByKind(schedule)).toEqual({ kill_worker: kills, restart_temporal: temporalRestarts, restart_postgres: postgresRestarts });
        const slot = windowMs / Math.max(1, schedule.length);
        schedule.forEach((d, i) => {
          expect(d.atMs).toBeGreaterThan(0);
          expect(d.atMs).toBeLessThan(windowMs);
          const previous = schedule[i - 1];
          if (previous) expect(d.atMs - previous.atMs).toBeGreaterThanOrEqual(Math.floor(0.3 * slot) - 1);
          if (d.kind === 'kill_worker') expect(d.downMs).toBe(0);
          else {
            expect(d.downMs).toBeGreaterThanOrEqual(1_000);
            expect(d.downMs).toBeLessThanOrEqual(4_000);
          }
        });
      },
    ),
  );
});

test('the restarts fall at different places for different seeds (the kinds are shuffled)', () => {
  const slots = new Set(
    Array.from({ length: 20 }, (_, seed) =>
      faultSchedule(seed, FULL)
        .map((d, i) => (d.kind === 'kill_worker' ? -1 : i))
        .filter((i) => i >= 0)
        .join(','),
    ),
  );
  expect(slots.size).toBeGreaterThan(10);
});

test('a count that is not a whole number is refused, naming it', () => {
  expect(() => faultSchedule(1, { ...FULL, kills: -1 })).toThrow('kills must be a whole number from 0, not -1');
  expect(() => faultSchedule(1, { ...FULL, windowMs: 0 })).toThrow('windowMs must be above 0');
});
