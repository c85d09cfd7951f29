// The shared Procore budget's statements against a real Postgres: grants are
// atomic under concurrency, one probe at a time learns an unknown window,
// and a new window replaces the old one (and what a dead process left in flight).
// Times are passed in, so windows end without waiting for them.
import { openDatabase, type Database } from '../../src/db/database.js';
import {
  IDLE_BUDGET_MS,
  releaseProcoreRateBudget,
  takeProcoreRateBudget,
} from '../../src/db/repositories/procore-rate-budgets.js';
import type { BudgetTake, BudgetTicket } from '../../src/procore/shared-pacing.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const MARGIN_MS = 1000;
const LEASE_MS = 30_000;

let t: TestDatabase;
/** a second pool over the same database, wide enough for many statements at once */
let wide: Database;
let seq = 0;
const nextCompany = () => String(7_000_000_000 + ++seq);

beforeAll(async () => {
  t = await createTestDatabase();
  wide = openDatabase(t.url, { poolMax: 40 });
});
afterAll(async () => {
  await wide?.destroy();
  await t?.drop();
});

const take = (companyId: string, nowMs: number, db: Database = t.db, reserve = 0) =>
  takeProcoreRateBudget(db, { companyId, nowMs, resetMarginMs: MARGIN_MS, reserve, probeUntilMs: nowMs + LEASE_MS });

const release = (
  companyId: string,
  ticket: BudgetTicket,
  nowMs: number,
  observed?: { limit: number; remaining: number; resetAtMs: number },
) => releaseProcoreRateBudget(t.db, { companyId, ticket, observed, nowMs, resetMarginMs: MARGIN_MS });

function ticketOf(outcome: BudgetTake): BudgetTicket {
  if (outcome.kind !== 'granted') throw new Error(`expected a grant, got ${outcome.kind}`);
  return outcome.ticket;
}

async function rowOf(companyId: string) {
  return t.db('procore_rate_budgets').where({ company_id: companyId }).first();
}

/** A company whose window is known: `remaining` left until `resetAtMs`, nothing in flight. */
async function companyWithWindow(nowMs: number, remaining: number, resetAtMs: number): Promise<string> {
  const companyId = nextCompany();
  const probe = ticketOf(await take(companyId, nowMs));
  expect(probe.probe).toBe(true);
  await release(companyId, probe, nowMs, { limit: 60, remaining, resetAtMs });
  return companyId;
}

describe('grants', () => {
  test('200 takes at once against 50 remaining grant exactly 50, and the rest hear the window is spent', async () => {
    const now = Date.now();
    const resetAtMs = now + 60_000;
    const companyId = await companyWithWindow(now, 50, resetAtMs);

    const outcomes = await Promise.all(Array.from({ length: 200 }, () => take(companyId, now, wide)));

    const granted = outcomes.filter((o) => o.kind === 'granted');
    expect(granted).toHaveLength(50);
    expect(granted.every((o) => o.kind === 'granted' && !o.ticket.probe)).toBe(true);
    // A denial names the reset, or (its snapshot outrun by the grants) asks to ask again.
    const denials = outcomes.filter((o) => o.kind !== 'granted');
    expect(denials.filter((o) => o.kind !== 'spent' && o.kind !== 'raced')).toEqual([]);
    expect(denials).toContainEqual({ kind: 'spent', resetAtMs, limit: 60 });
    expect(await rowOf(companyId)).toMatchObject({ remaining: 0, in_flight: 50 });
    expect(await take(companyId, now)).toEqual({ kind: 'spent', resetAtMs, limit: 60 });
  });

  test('the reserve is left unspent', async () => {
    const now = Date.now();
    const companyId = await companyWithWindow(now, 5, now + 60_000);
    const outcomes = [];
    for (let i = 0; i < 5; i += 1) outcomes.push(await take(companyId, now, t.db, 2));
    expect(outcomes.map((o) => o.kind)).toEqual(['granted', 'granted', 'granted', 'spent', 'spent']);
  });

  test('a response lowers the count, by the requests still in flight, and never raises it within the window', async () => {
    const now = Date.now();
    const resetAtMs = now + 60_000;
    const companyId = await companyWithWindow(now, 40, resetAtMs);
    const tickets = [];
    for (let i = 0; i < 3; i += 1) tickets.push(ticketOf(await take(companyId, now)));
    expect(await rowOf(companyId)).toMatchObject({ remaining: 37, in_flight: 3 });

    // Overtaken by the others: says more than is left here, so it teaches nothing.
    await release(companyId, tickets[0]!, now, { limit: 60, remaining: 39, resetAtMs });
    expect(await rowOf(companyId)).toMatchObject({ remaining: 37, in_flight: 2 });
    // 30 left at the server, which may not have counted the 1 other still in flight.
    await release(companyId, tickets[1]!, now, { limit: 60, remaining: 30, resetAtMs });
    expect(await rowOf(companyId)).toMatchObject({ remaining: 29, in_flight: 1 });
    // No headers (a network failure): out of flight, nothing learned.
    await release(companyId, tickets[2]!, now);
    expect(await rowOf(companyId)).toMatchObject({ remaining: 29, in_flight: 0 });
  });
});

describe('the probe', () => {
  test('with the window unknown, of 30 takes at once exactly one is the probe; the others wait while it learns', async () => {
    const companyId = nextCompany();
    const now = Date.now();
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => take(companyId, now, wide)));
    expect(outcomes.filter((o) => o.kind === 'granted')).toEqual([{ kind: 'granted', ticket: { epoch: '1', probe: true } }]);
    expect(outcomes.filter((o) => o.kind !== 'granted' && o.kind !== 'learning' && o.kind !== 'raced')).toEqual([]);
    expect(await take(companyId, now + 100)).toEqual({ kind: 'learning' });

    await release(companyId, { epoch: '1', probe: true }, now + 200, { limit: 60, remaining: 59, resetAtMs: now + 10_000 });
    expect(await take(companyId, now + 300)).toEqual({ kind: 'granted', ticket: { epoch: '1', probe: false } });
  });

  test('a probe that never reports (its process died) holds the company until its lease ends, then another goes', async () => {
    const companyId = nextCompany();
    const now = Date.now();
    expect(ticketOf(await take(companyId, now))).toEqual({ epoch: '1', probe: true });
    expect(await take(companyId, now + LEASE_MS - 1)).toEqual({ kind: 'learning' });
    expect(await take(companyId, now + LEASE_MS)).toEqual({ kind: 'granted', ticket: { epoch: '2', probe: true } });
    expect(await rowOf(companyId)).toMatchObject({ in_flight: 1 });
  });

  test('a probe without an answer hands the turn to the next probe, teaching nothing', async () => {
    const companyId = nextCompany();
    const now = Date.now();
    const probe = ticketOf(await take(companyId, now));
    await release(companyId, probe, now + 10);
    expect(await take(companyId, now + 20)).toEqual({ kind: 'granted', ticket: { epoch: '2', probe: true } });
  });
});

describe('windows', () => {
  test('the window counts until its reset plus the margin; then one probe learns the next and the old in-flight count is gone', async () => {
    const now = Date.now();
    const resetAtMs = now + 10_000;
    const companyId = await companyWithWindow(now, 10, resetAtMs);
    // Granted and never released: a worker that died with requests in flight.
    for (let i = 0; i < 4; i += 1) ticketOf(await take(companyId, now));
    const kept = ticketOf(await take(companyId, now));
    expect(await rowOf(companyId)).toMatchObject({ remaining: 5, in_flight: 5, epoch: '1' });

    expect(ticketOf(await take(companyId, resetAtMs + MARGIN_MS - 1)).probe).toBe(false);
    const probe = ticketOf(await take(companyId, resetAtMs + MARGIN_MS));
    expect(probe).toEqual({ epoch: '2', probe: true });
    expect(await rowOf(companyId)).toMatchObject({ reset_at: null, remaining: null, in_flight: 1, epoch: '2' });

    // The old window's permit comes back late: it is not counted in the new epoch, and its old window teaches nothing.
    await release(companyId, kept, resetAtMs + MARGIN_MS + 5, { limit: 60, remaining: 0, resetAtMs });
    expect(await rowOf(companyId)).toMatchObject({ reset_at: null, in_flight: 1 });

    const nextReset = resetAtMs + 10_000;
    await release(companyId, probe, resetAtMs + MARGIN_MS + 10, { limit: 60, remaining: 58, resetAtMs: nextReset });
    expect(await rowOf(companyId)).toMatchObject({ remaining: 58, in_flight: 0, probe_until: null });
    expect((await rowOf(companyId)).reset_at).toEqual(new Date(nextReset));
    expect(await t.db('procore_rate_budgets').where({ company_id: companyId }).count()).toEqual([{ count: '1' }]);
  });

  test('a response that names a lower count in another window (a nearer limit) replaces the window', async () => {
    const now = Date.now();
    const companyId = await companyWithWindow(now, 50, now + 10_000);
    const ticket = ticketOf(await take(companyId, now));
    const hourlyReset = now + 3_000_000;
    await release(companyId, ticket, now, { limit: 600, remaining: 3, resetAtMs: hourlyReset });
    const row = await rowOf(companyId);
    expect(row).toMatchObject({ remaining: 3, request_limit: 600 });
    expect(row.reset_at).toEqual(new Date(hourlyReset));
  });

  test("rows nobody touched for a day are cleared when a probe is granted; a live company's row stays", async () => {
    const now = Date.now();
    const idle = nextCompany();
    ticketOf(await take(idle, now - IDLE_BUDGET_MS - 60_000));
    const live = await companyWithWindow(now - 1000, 10, now + 10_000);

    ticketOf(await take(nextCompany(), now));

    expect(await rowOf(idle)).toBeUndefined();
    expect(await rowOf(live)).toMatchObject({ remaining: 10 });
  });
});
