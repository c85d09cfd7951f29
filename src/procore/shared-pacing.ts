// Procore's budget is per company, whichever process spends it: with several
// workers (and the API's connect checks) calling for one company, each
// counting on its own would together spend a multiple of it and bounce off
// 429s. This pacer keeps the count in a store every process shares
// (Postgres in production: src/db/repositories/procore-rate-budgets.ts), on
// the in-memory pacer's rules: every grant deducted at once, responses only
// lower the count within a window, one request learns an unknown window.
// Across processes nobody is notified: a caller sleeps until the reset, or
// asks again shortly while another process learns the window.
import type { ProcoreLogger } from './logger.js';
import {
  type PacingOptions,
  type PacingPatience,
  pacingSettings,
  type PacingWaiter,
  permitReleasedOnce,
  type RateLimitSnapshot,
  type RatePacer,
  type RatePermit,
  tellWaiters,
} from './pacing.js';

/** What the store granted: in which window (its epoch), and whether it is the request that learns the window. */
export interface BudgetTicket {
  epoch: string;
  probe: boolean;
}

export interface BudgetTakeRequest {
  companyId: string;
  nowMs: number;
  /** a window counts until its reset plus this margin */
  resetMarginMs: number;
  /** requests left unspent in every window */
  reserve: number;
  /** until when a probe granted now may learn the window alone */
  probeUntilMs: number;
}

export type BudgetTake =
  | { kind: 'granted'; ticket: BudgetTicket }
  /** the window's budget is down to the reserve until it resets */
  | { kind: 'spent'; resetAtMs: number; limit: number }
  /** the window is unknown and another caller's probe is learning it */
  | { kind: 'learning' }
  /** the budget changed while the store answered: ask again */
  | { kind: 'raced' };

export interface BudgetRelease {
  companyId: string;
  ticket: BudgetTicket;
  /** the rate-limit headers of the response, when it carried them */
  observed: RateLimitSnapshot | undefined;
  nowMs: number;
  resetMarginMs: number;
}

/**
 * A company's budget as every process sees it. Each call is atomic: of
 * concurrent takes, no more are granted than the window allows.
 */
export interface SharedRateBudgetStore {
  take(request: BudgetTakeRequest): Promise<BudgetTake>;
  /** Ends a permit: no longer in flight, and what its response said about the window. */
  release(release: BudgetRelease): Promise<void>;
}

export interface SharedRatePacerOptions extends PacingOptions {
  store: SharedRateBudgetStore;
  /**
   * How long a probe may learn the window alone. At least the request
   * timeout (30 s by default), so that a live probe is never doubled; a
   * process that died while probing holds the company no longer than this.
   */
  probeLeaseMs?: number;
  /** how often a caller asks again while another process learns the window */
  learningPollMs?: number;
}

/** A company's callers in this process, asking the store one at a time, first come first served. */
interface CompanyLine {
  waiting: PacingWaiter[];
  asking: boolean;
  /** while the line sleeps on a spent window: until when, so that newcomers learn it at once */
  spentUntilMs: number | undefined;
  /** ends the line's wait for another probe early: a permit of this process was released */
  wake: (() => void) | undefined;
}

export class SharedRatePacer implements RatePacer {
  private readonly lines = new Map<string, CompanyLine>();
  private readonly store: SharedRateBudgetStore;
  private readonly resetMarginMs: number;
  private readonly reserve: number;
  private readonly probeLeaseMs: number;
  private readonly learningPollMs: number;
  private readonly now: () => number;
  private readonly logger: ProcoreLogger;

  constructor(options: SharedRatePacerOptions) {
    this.store = options.store;
    ({ resetMarginMs: this.resetMarginMs, reserve: this.reserve, now: this.now, logger: this.logger } = pacingSettings(options));
    this.probeLeaseMs = options.probeLeaseMs ?? 30_000;
    this.learningPollMs = options.learningPollMs ?? 50;
  }

  acquire(companyId: string, patience?: PacingPatience): Promise<RatePermit> {
    let line = this.lines.get(companyId);
    if (!line) {
      line = { waiting: [], asking: false, spentUntilMs: undefined, wake: undefined };
      this.lines.set(companyId, line);
    }
    const joined = line;
    const granted = new Promise<RatePermit>((resolve, reject) => {
      const waiter: PacingWaiter = { resolve, reject, patience };
      // A newcomer to a spent window hears at once, as the waiters before it did.
      if (joined.spentUntilMs !== undefined && tellWaiters(companyId, [waiter], joined.spentUntilMs, this.now()).length === 0) return;
      joined.waiting.push(waiter);
    });
    void this.serve(companyId, joined);
    return granted;
  }

  /** Asks the store for the first caller until none is left; one asking loop per company and process. */
  private async serve(companyId: string, line: CompanyLine): Promise<void> {
    if (line.asking) return;
    line.asking = true;
    try {
      for (let head = line.waiting[0]; head; head = line.waiting[0]) await this.serveFirst(companyId, line, head);
    } finally {
      line.asking = false;
      if (line.waiting.length === 0 && this.lines.get(companyId) === line) this.lines.delete(companyId);
    }
  }

  private async serveFirst(companyId: string, line: CompanyLine, head: PacingWaiter): Promise<void> {
    const nowMs = this.now();
    let take: BudgetTake;
    try {
      take = await this.store.take({
        companyId,
        nowMs,
        resetMarginMs: this.resetMarginMs,
        reserve: this.reserve,
        probeUntilMs: nowMs + this.probeLeaseMs,
      });
    } catch (error) {
      // The budget could not be read: this caller fails (its activity is retried), the next one asks again.
      line.waiting = line.waiting.filter((w) => w !== head);
      head.reject(error);
      return;
    }
    switch (take.kind) {
      case 'granted':
        line.waiting = line.waiting.filter((w) => w !== head);
        head.resolve(this.permit(companyId, take.ticket));
        return;
      case 'spent': {
        const untilMs = take.resetAtMs + this.resetMarginMs;
        const now = this.now();
        line.waiting = tellWaiters(companyId, line.waiting, untilMs, now);
        if (line.waiting.length === 0) return;
        this.logger.debug(
          { companyId, waitMs: untilMs - now, waiting: line.waiting.length, limit: take.limit },
          'Procore request budget spent for this window; waiting for the reset',
        );
        // Not woken by this process's releases: a window's count only goes down until it resets.
        line.spentUntilMs = untilMs;
        await new Promise((resolve) => setTimeout(resolve, untilMs - now));
        line.spentUntilMs = undefined;
        return;
      }
      case 'learning':
        await this.sleepUntilWoken(line, this.learningPollMs);
        return;
      case 'raced':
        return;
    }
  }

  private permit(companyId: string, ticket: BudgetTicket): RatePermit {
    return permitReleasedOnce((observed) => {
      const released = this.store.release({ companyId, ticket, observed, nowMs: this.now(), resetMarginMs: this.resetMarginMs });
      released.then(
        () => this.lines.get(companyId)?.wake?.(),
        (error: unknown) => {
          // The permit stays counted in flight until its window ends (and a
          // probe's lease runs out): the budget errs on the side of sending less.
          this.logger.warn(
            { companyId, probe: ticket.probe, error: error instanceof Error ? error.message : String(error) },
            'could not hand a Procore request permit back to the shared budget',
          );
          this.lines.get(companyId)?.wake?.();
        },
      );
    });
  }

  /**
   * Sleeps `ms`, or less when a permit of this process comes back: its probe
   * may have learned the window, and nothing else would say so.
   */
  private sleepUntilWoken(line: CompanyLine, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        line.wake = undefined;
        resolve();
      }
      line.wake = done;
    });
  }
}
