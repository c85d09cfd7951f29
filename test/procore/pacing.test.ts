// Pacing on the X-Rate-Limit-* headers: the client slows down before the
// limit instead of bouncing off 429s, and concurrent callers share the budget.
import { RateLimitedError } from '../../src/http/errors.js';
import { InMemoryRatePacer, PacingWaitTooLong, withPacingPatience, type RatePermit } from '../../src/procore/pacing.js';
import { settledWithin } from '../support/eventually.js';
import { startHarness, windowWithTimeLeft, type Harness } from './harness.js';

describe('the in-memory pacer', () => {
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

  test('with nothing known, one request goes first to learn the budget; then no more than the budget goes out', async () => {
    const pacer = new InMemoryRatePacer({ resetMarginMs: 50 });
    const granted: RatePermit[] = [];
    const take = () => pacer.acquire('42').then((permit) => granted.push(permit));
    for (let i = 0; i < 8; i += 1) void take();
    await settle();
    expect(granted).toHaveLength(1);

    const resetAtMs = Date.now() + 300;
    granted[0]!.release({ limit: 10, remaining: 3, resetAtMs });
    await settle();
    expect(granted).toHaveLength(4);

    // An answer that overtook the others cannot raise the budget within the window.
    granted[1]!.release({ limit: 10, remaining: 9, resetAtMs });
    await settle();
    expect(granted).toHaveLength(4);

    for (const permit of granted.slice(2)) permit.release({ limit: 10, remaining: 0, resetAtMs });
    await new Promise((resolve) => setTimeout(resolve, resetAtMs + 50 - Date.now() + 30));
    // After the reset the window is unknown again: one request learns it.
    expect(granted).toHaveLength(5);
    granted[4]!.release({ limit: 10, remaining: 9, resetAtMs: Date.now() + 10_000 });
    await settle();
    expect(granted).toHaveLength(8);
  });

  test('companies have separate budgets', async () => {
    const pacer = new InMemoryRatePacer();
    const first = await pacer.acquire('1');
    first.release({ limit: 5, remaining: 0, resetAtMs: Date.now() + 60_000 });
    let otherGranted = false;
    void pacer.acquire('2').then(() => {
      otherGranted = true;
    });
    await settle();
    expect(otherGranted).toBe(true);
  });

  test('a failed request hands its turn on without teaching anything', async () => {
    const pacer = new InMemoryRatePacer();
    const probe = await pacer.acquire('7');
    let next = false;
    void pacer.acquire('7').then(() => {
      next = true;
    });
    await settle();
    expect(next).toBe(false);
    probe.release();
    await settle();
    expect(next).toBe(true);
  });

  test('a caller that will not wait past the reset hears at once until when it would wait; a patient one is told it waits', async () => {
    const pacer = new InMemoryRatePacer({ resetMarginMs: 1000 });
    const probe = await pacer.acquire('90');
    const resetAtMs = Date.now() + 90_000;
    probe.release({ limit: 10, remaining: 0, resetAtMs });

    const told: number[] = [];
    const impatient = pacer.acquire('90', { maxWaitMs: 60_000, waiting: (untilMs) => told.push(untilMs) });
    const outcome = await settledWithin(1_000, impatient);
    expect(outcome.settled).toBe('rejected');
    const error = outcome.settled === 'rejected' ? outcome.error : undefined;
    expect(error).toBeInstanceOf(PacingWaitTooLong);
    expect((error as PacingWaitTooLong).untilMs).toBe(resetAtMs + 1000);

    const shortReset = Date.now() + 300;
    const other = await pacer.acquire('91');
    other.release({ limit: 10, remaining: 0, resetAtMs: shortReset });
    const patient = pacer.acquire('91', { maxWaitMs: 60_000, waiting: (untilMs) => told.push(untilMs) });
    await settle();
    expect(told).toEqual([shortReset + 1000]);
    (await patient).release();
  });
});

/** A simulator with these rate limits for the tests of the enclosing describe. */
function simulatorWith(rateLimits: NonNullable<Parameters<typeof startHarness>[0]>['rateLimits']): () => Harness {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await startHarness({ rateLimits });
  });
  afterAll(async () => {
    await h?.sim.stop();
  });
  return () => h as Harness;
}

describe('a Procore call within a pacing patience', () => {
  const harness = simulatorWith({ hourly: { limit: 2, window_seconds: 3600 }, spike: { limit: 100, window_seconds: 10 } });

  test('fails at once with the wait until the reset as the server-given delay, instead of sleeping until then', async () => {
    const { resetAtMs } = await windowWithTimeLeft(3600, 90_000);
    const client = harness().client();
    await client.me();
    await client.me(); // the window's budget is spent: the next call would wait 90 s or more
    const told: number[] = [];
    const started = Date.now();
    const error = await withPacingPatience({ maxWaitMs: 60_000, waiting: (untilMs) => told.push(untilMs) }, () => client.me()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(RateLimitedError);
    const { retryAfterMs, message } = error as RateLimitedError;
    // until the reset, and the pacer's margin past it
    expect(Math.abs(retryAfterMs - (resetAtMs + 1000 - Date.now()))).toBeLessThan(5_000);
    expect(retryAfterMs).toBeGreaterThan(60_000);
    expect(message).toMatch(/budget/);
    expect(told).toEqual([]);
  }, 120_000);
});

describe('against the simulator', () => {
  const harness = simulatorWith({ spike: { limit: 10, window_seconds: 2 }, hourly: { limit: 100_000, window_seconds: 3600 } });

  test('10 requests per 2-second window: 100 concurrent calls finish with zero 429s', async () => {
    const h = harness();
    const [project] = h.sim.state.addProjects(h.company.id, [{ name: 'Paced' }]);
    const client = h.client();
    h.sim.faults.resetCounts();
    const started = Date.now();
    const calls = Array.from({ length: 100 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return client.me();
        case 1:
          return client.getProject(String(project!.id));
        case 2:
          return client.activeUsersPage({}, 1);
        default:
          return client.projectsPage({ status: 'All' }, 1);
      }
    });
    await Promise.all(calls);
    const elapsedMs = Date.now() - started;
    console.log(`pacing: 100 requests at 10 per 2 s took ${elapsedMs} ms`);
    expect(h.sim.faults.countOfStatus(429)).toBe(0);
    expect(h.sim.faults.totalRequests() - (h.sim.faults.requestCounts()['POST /oauth/token']?.total ?? 0)).toBe(100);
    // 100 requests need at least 9 more windows after the first; pacing wastes little beyond that.
    expect(elapsedMs).toBeGreaterThanOrEqual(16_000);
    expect(elapsedMs).toBeLessThan(30_000);
  }, 40_000);
});
