// Procore's request budget is the scarce resource: the client spends it at
// the pace the X-Rate-Limit-* headers allow instead of bouncing off 429s.
// Pacing sits behind one interface, per company: the in-memory pacer here
// counts for one process; production shares the count between processes
// through Postgres (shared-pacing.ts), on the same rules.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ProcoreLogger } from './logger.js';
import { silentLogger } from './logger.js';

/** What one response said about the limit nearest to running out. */
export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  /** when that window starts afresh, in epoch milliseconds */
  resetAtMs: number;
}

export interface RatePermit {
  /**
   * Hands the permit back once the response (or the failure) is in, with the
   * rate-limit headers it carried when it carried any.
   */
  release(observed?: RateLimitSnapshot): void;
}

/**
 * How a caller waits for its turn: told until when it waits (an activity
 * heartbeats that), and not at all when the wait is longer than it will
 * sleep (an activity hands the wait to its workflow instead).
 */
export interface PacingPatience {
  maxWaitMs: number;
  waiting(untilMs: number): void;
}

/** The budget is spent until `untilMs`, later than the caller's patience. */
export class PacingWaitTooLong extends Error {
  constructor(
    readonly companyId: string,
    readonly untilMs: number,
  ) {
    super(`Procore's request budget for company ${companyId} is spent until ${new Date(untilMs).toISOString()}`);
    this.name = 'PacingWaitTooLong';
  }
}

export interface RatePacer {
  /**
   * Resolves when one more request to Procore for this company may be sent;
   * with `patience`, rejects with PacingWaitTooLong instead of waiting longer.
   */
  acquire(companyId: string, patience?: PacingPatience): Promise<RatePermit>;
}

const patienceOfCaller = new AsyncLocalStorage<PacingPatience>();

/** Runs `work` with every Procore call it makes waiting on the budget with `patience`. */
export function withPacingPatience<T>(patience: PacingPatience, work: () => T): T {
  return patienceOfCaller.run(patience, work);
}

/** The patience of the caller in whose async context this runs, if any. */
export function currentPacingPatience(): PacingPatience | undefined {
  return patienceOfCaller.getStore();
}

/** Reads the three X-Rate-Limit-* headers; undefined when any is missing or malformed. */
export function readRateLimitHeaders(
  headers: Record<string, string | string[] | undefined>,
): RateLimitSnapshot | undefined {
  const limit = wholeNumber(headers['x-rate-limit-limit']);
  const remaining = wholeNumber(headers['x-rate-limit-remaining']);
  const reset = wholeNumber(headers['x-rate-limit-reset']);
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, resetAtMs: reset * 1000 };
}

function wholeNumber(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A caller waiting for its turn on a company's budget. */
export interface PacingWaiter {
  resolve(permit: RatePermit): void;
  reject(error: unknown): void;
  patience: PacingPatience | undefined;
}

/**
 * The budget is spent until `untilMs`: callers that will not wait that long
 * are rejected with PacingWaitTooLong, the others are told until when they
 * wait. Returns the callers still waiting, in their order.
 */
export function tellWaiters(companyId: string, waiting: readonly PacingWaiter[], untilMs: number, now: number): PacingWaiter[] {
  const waitMs = untilMs - now;
  const patient: PacingWaiter[] = [];
  for (const waiter of waiting) {
    if (waiter.patience !== undefined && waitMs > waiter.patience.maxWaitMs) waiter.reject(new PacingWaitTooLong(companyId, untilMs));
    else patient.push(waiter);
  }
  for (const waiter of patient) waiter.patience?.waiting(untilMs);
  return patient;
}

/** A permit whose `release` acts once, however often the caller calls it. */
export function permitReleasedOnce(release: (observed?: RateLimitSnapshot) => void): RatePermit {
  let released = false;
  return {
    release: (observed) => {
      if (released) return;
      released = true;
      release(observed);
    },
  };
}

/** How a pacer paces, wherever it keeps the count. */
export interface PacingOptions {
  /**
   * Waited past the announced reset. The reset is given in whole seconds and
   * clocks differ, so waiting exactly until it can still land in the old window.
   */
  resetMarginMs?: number;
  /** Requests left unspent in every window, for other callers sharing the same budget. */
  reserve?: number;
  now?: () => number;
  logger?: ProcoreLogger;
}

/** The pacing options, defaults filled in. */
export function pacingSettings(options: PacingOptions): Required<PacingOptions> {
  return {
    resetMarginMs: options.resetMarginMs ?? 1000,
    reserve: options.reserve ?? 0,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
  };
}

export type InMemoryRatePacerOptions = PacingOptions;

interface KnownWindow {
  limit: number;
  /** what this process may still send before the reset, in-flight requests already deducted */
  remaining: number;
  resetAtMs: number;
}

interface CompanyBudget {
  window: KnownWindow | undefined;
  inFlight: number;
  /** while the window is unknown, one request at a time goes out to learn it */
  probing: boolean;
  waiting: PacingWaiter[];
  timer: NodeJS.Timeout | undefined;
}

/**
 * Keeps, per company, a conservative count of the requests still allowed
 * before the window resets. Every grant is deducted at once, so concurrent
 * callers cannot all spend the last request; each response corrects the
 * count downwards (never upwards within a window, since responses overtake
 * one another). When the window is unknown (first call, or after a reset)
 * a single request goes out to learn the new numbers.
 */
export class InMemoryRatePacer implements RatePacer {
  private readonly budgets = new Map<string, CompanyBudget>();
  private readonly resetMarginMs: number;
  private readonly reserve: number;
  private readonly now: () => number;
  private readonly logger: ProcoreLogger;

  constructor(options: InMemoryRatePacerOptions = {}) {
    ({ resetMarginMs: this.resetMarginMs, reserve: this.reserve, now: this.now, logger: this.logger } = pacingSettings(options));
  }

  acquire(companyId: string, patience?: PacingPatience): Promise<RatePermit> {
    const budget = this.budgetFor(companyId);
    const granted = new Promise<RatePermit>((resolve, reject) => budget.waiting.push({ resolve, reject, patience }));
    this.grantWhatIsAllowed(companyId, budget);
    return granted;
  }

  private budgetFor(companyId: string): CompanyBudget {
    let budget = this.budgets.get(companyId);
    if (!budget) {
      budget = { window: undefined, inFlight: 0, probing: false, waiting: [], timer: undefined };
      this.budgets.set(companyId, budget);
    }
    return budget;
  }

  private grantWhatIsAllowed(companyId: string, budget: CompanyBudget): void {
    if (budget.timer) {
      clearTimeout(budget.timer);
      budget.timer = undefined;
    }
    while (budget.waiting.length > 0) {
      const now = this.now();
      if (budget.window && now >= budget.window.resetAtMs + this.resetMarginMs) budget.window = undefined;
      const window = budget.window;
      if (!window) {
        if (budget.probing) return;
        budget.probing = true;
        this.grant(companyId, budget, true);
        continue;
      }
      if (window.remaining > this.reserve) {
        window.remaining -= 1;
        this.grant(companyId, budget, false);
        continue;
      }
      const untilMs = window.resetAtMs + this.resetMarginMs;
      const waitMs = untilMs - now;
      budget.waiting = tellWaiters(companyId, budget.waiting, untilMs, now);
      if (budget.waiting.length === 0) return;
      this.logger.debug(
        { companyId, waitMs, waiting: budget.waiting.length, limit: window.limit },
        'Procore request budget spent for this window; waiting for the reset',
      );
      budget.timer = setTimeout(() => this.grantWhatIsAllowed(companyId, budget), waitMs);
      return;
    }
  }

  private grant(companyId: string, budget: CompanyBudget, probe: boolean): void {
    const waiter = budget.waiting.shift();
    if (!waiter) return;
    budget.inFlight += 1;
    waiter.resolve(
      permitReleasedOnce((observed) => {
        budget.inFlight -= 1;
        if (probe) budget.probing = false;
        if (observed) this.observe(budget, observed);
        this.grantWhatIsAllowed(companyId, budget);
      }),
    );
  }

  private observe(budget: CompanyBudget, observed: RateLimitSnapshot): void {
    const now = this.now();
    if (observed.resetAtMs + this.resetMarginMs <= now) return;
    // The server counted this request; the others still out may not be counted yet.
    const remaining = Math.max(0, observed.remaining - budget.inFlight);
    const known = budget.window && now < budget.window.resetAtMs + this.resetMarginMs ? budget.window : undefined;
    if (!known || remaining < known.remaining) {
      budget.window = { limit: observed.limit, remaining, resetAtMs: observed.resetAtMs };
    }
  }
}
