// The simulator's rate limiter keeps each company's busiest window of each
// kind, refused requests included: what a run with several clients of one
// company reads afterwards to see whether together they stayed within the
// limit. The clock is the test's own, so windows open and close exactly.
import { RateLimiter, type RateLimitSettings } from '../../src/simulators/procore/rate-limits.js';

const SETTINGS: RateLimitSettings = {
  hourly: { limit: 100, window_seconds: 3600 },
  spike: { limit: 3, window_seconds: 10 },
  retry_after_rate: 0,
};
// A whole hour, so that the spike and the hourly windows both start here.
const START = Date.parse('2026-11-27T08:00:00Z');

function limiterWithClock(): { limiter: RateLimiter; at(ms: number): void } {
  let now = START;
  return {
    limiter: new RateLimiter(SETTINGS, 1, () => now),
    at(ms: number) {
      now = START + ms;
    },
  };
}

const send = (limiter: RateLimiter, company: string, times: number) =>
  Array.from({ length: times }, () => limiter.consume(company).allowed);

test('the busiest window of each kind, refused requests counted', () => {
  const { limiter, at } = limiterWithClock();
  expect(limiter.peaks()).toEqual({});

  at(1_000);
  expect(send(limiter, '44', 5)).toEqual([true, true, true, false, false]);
  at(11_000); // the next spike window: fewer requests do not lower the peak
  expect(send(limiter, '44', 2)).toEqual([true, true]);
  at(21_000);
  send(limiter, '44', 4);

  // spike: 5 in the first 10 s (2 of them refused); hourly: all 11 in the same hour
  expect(limiter.peaks()).toEqual({ '44': { spike: 5, hourly: 11 } });
});

test('companies have peaks of their own', () => {
  const { limiter, at } = limiterWithClock();
  at(500);
  send(limiter, '44', 2);
  send(limiter, '45', 4);
  expect(limiter.peaks()).toEqual({ '44': { spike: 2, hourly: 2 }, '45': { spike: 4, hourly: 4 } });
});

test('new limits start the peaks afresh', () => {
  const { limiter, at } = limiterWithClock();
  at(500);
  send(limiter, '44', 4);
  limiter.configure({ ...SETTINGS, spike: { limit: 60, window_seconds: 10 } });
  expect(limiter.peaks()).toEqual({});
  send(limiter, '44', 1);
  expect(limiter.peaks()).toEqual({ '44': { spike: 1, hourly: 1 } });
});

test('the peaks handed out are a copy', () => {
  const { limiter } = limiterWithClock();
  send(limiter, '44', 1);
  const seen = limiter.peaks();
  send(limiter, '44', 1);
  expect(seen).toEqual({ '44': { spike: 1, hourly: 1 } });
});
