// The Procore budget shared through Postgres: several processes (here,
// pacers each with their own pool over one database, as workers would have)
// spend one company's budget together without going over it.
import { openDatabase, type Database } from '../../src/db/database.js';
import { procoreRateBudgetStore } from '../../src/db/repositories/procore-rate-budgets.js';
import type { ProcoreClient } from '../../src/procore/client.js';
import { InMemoryRatePacer, PacingWaitTooLong, type RatePacer, withPacingPatience } from '../../src/procore/pacing.js';
import { SharedRatePacer, type SharedRatePacerOptions } from '../../src/procore/shared-pacing.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { eventually, settledWithin } from '../support/eventually.js';
import { startHarness, type Harness } from './harness.js';

let t: TestDatabase;
/** one pool per simulated process */
const pools: Database[] = [];
let seq = 0;
const nextCompany = () => String(8_000_000_000 + ++seq);

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  for (const pool of pools) await pool.destroy();
  await t?.drop();
});

/** A pacer as one worker process has it: its own pool over the shared database. */
function processPacer(options: Partial<SharedRatePacerOptions> = {}): SharedRatePacer {
  const pool = openDatabase(t.url, { poolMax: 4 });
  pools.push(pool);
  return new SharedRatePacer({ store: procoreRateBudgetStore(pool), ...options });
}

describe('three worker processes on one company, against the simulator (60 requests per 10 s)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ rateLimits: { spike: { limit: 60, window_seconds: 10 }, hourly: { limit: 100_000, window_seconds: 3600 } } });
  });
  afterAll(async () => {
    await h?.sim.stop();
  });

  /** 150 calls at once, 50 through each process's client; how many reached Procore, and how many it refused. */
  async function sendFromThreeProcesses(pacers: RatePacer[]): Promise<{ sent: number; refused: number }> {
    const clients: ProcoreClient[] = pacers.map((pacer) => h.client({ pacer }));
    h.sim.faults.resetCounts();
    await Promise.allSettled(
      clients.flatMap((client) => Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? client.me() : client.activeUsersPage({}, 1)))),
    );
    const tokenRequests = h.sim.faults.requestCounts()['POST /oauth/token']?.total ?? 0;
    return { sent: h.sim.faults.totalRequests() - tokenRequests, refused: h.sim.faults.countOfStatus(429) };
  }

  test('sharing the budget through Postgres they get no 429; each counting alone, they go over the limit', async () => {
    const shared = await sendFromThreeProcesses([processPacer(), processPacer(), processPacer()]);
    expect(shared).toEqual({ sent: 150, refused: 0 });

    // The control: the same three processes, each with the budget in its own
    // memory. Calls that would wait for a reset give up instead, so that it
    // takes one window: the refusals come before any wait.
    const inMemory = [new InMemoryRatePacer(), new InMemoryRatePacer(), new InMemoryRatePacer()];
    const alone = await withPacingPatience({ maxWaitMs: 0, waiting: () => undefined }, () => sendFromThreeProcesses(inMemory));
    expect(alone.refused).toBeGreaterThan(0);
  }, 45_000);
});

describe('waiting on the shared budget', () => {
  test('a caller whose patience is shorter than the wait is rejected with it, in another process too', async () => {
    const companyId = nextCompany();
    const first = processPacer();
    const resetAtMs = Date.now() + 90_000;
    (await first.acquire(companyId)).release({ limit: 10, remaining: 0, resetAtMs });

    for (const pacer of [first, processPacer()]) {
      const told: number[] = [];
      const outcome = await settledWithin(5_000, pacer.acquire(companyId, { maxWaitMs: 60_000, waiting: (untilMs) => told.push(untilMs) }));
      expect(outcome.settled).toBe('rejected');
      const error = outcome.settled === 'rejected' ? outcome.error : undefined;
      expect(error).toBeInstanceOf(PacingWaitTooLong);
      expect(error).toMatchObject({ companyId, untilMs: resetAtMs + 1000 });
      expect(told).toEqual([]);
    }
  });

  test('a patient caller is told until when it waits, as is one that comes while it waits; both go after the reset', async () => {
    const companyId = nextCompany();
    const spender = processPacer();
    const waiter = processPacer();
    const resetAtMs = Date.now() + 2_000;
    (await spender.acquire(companyId)).release({ limit: 10, remaining: 0, resetAtMs });

    const told: number[] = [];
    const patience = { maxWaitMs: 60_000, waiting: (untilMs: number) => told.push(untilMs) };
    const patient = waiter.acquire(companyId, patience);
    await eventually(async () => (told.length > 0 ? told : undefined));
    expect(told).toEqual([resetAtMs + 1000]);
    // Its process now sleeps on the spent window: a newcomer hears at once.
    const newcomer = waiter.acquire(companyId, patience);
    expect(told).toEqual([resetAtMs + 1000, resetAtMs + 1000]);

    // After the reset one of them probes; the other goes once the probe has taught the window.
    const probe = await Promise.race([patient, newcomer]);
    probe.release({ limit: 10, remaining: 9, resetAtMs: Date.now() + 10_000 });
    const both = await Promise.all([patient, newcomer]);
    for (const permit of both) permit.release();
  });

  test('while one process learns the window, the others wait for it and go once it has', async () => {
    const companyId = nextCompany();
    const [prober, other] = [processPacer(), processPacer()];
    const probe = await prober.acquire(companyId);
    const patience = { maxWaitMs: 10_000, waiting: () => undefined };
    const acquiring = Array.from({ length: 3 }, () => other.acquire(companyId, patience));
    expect((await settledWithin(300, Promise.race(acquiring))).settled).toBe('still running');

    const waiting = acquiring.map((acquired) => settledWithin(5_000, acquired));
    probe.release({ limit: 10, remaining: 2, resetAtMs: Date.now() + 60_000 });
    const outcomes = await Promise.all(waiting);
    // The window's 2 go; then it is spent for longer than the third will wait.
    expect(outcomes.map((o) => o.settled)).toEqual(['resolved', 'resolved', 'rejected']);
    expect(outcomes[2]).toMatchObject({ error: expect.any(PacingWaitTooLong) });
  });

  test('a process that died while probing holds the company only until the probe lease ends', async () => {
    const companyId = nextCompany();
    const died = processPacer({ probeLeaseMs: 500 });
    await died.acquire(companyId); // never released
    const survivor = processPacer({ probeLeaseMs: 500 });
    const outcome = await settledWithin(5_000, survivor.acquire(companyId));
    expect(outcome.settled).toBe('resolved');
    if (outcome.settled === 'resolved') outcome.value.release();
  });
});
