// Pacing on the X-Rate-Limit-* headers: the client slows down before the
// limit instead of bouncing off 429s, and concurrent callers share the budget.
import { InMemoryRatePacer, type RatePermit } from '../../src/procore/pacing.js';
import { startHarness, type Harness } from './harness.js';

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
});

describe('against the simulator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      rateLimits: { spike: { limit: 10, window_seconds: 2 }, hourly: { limit: 100_000, window_seconds: 3600 } },
    });
  });
  afterAll(async () => {
    await h.sim.stop();
  });

  test('10 requests per 2-second window: 100 concurrent calls finish with zero 429s', async () => {
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
