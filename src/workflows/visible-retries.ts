// Retries decided by the workflow, not by Temporal's activity retry policy:
// every activity call gets one attempt, and the loop here tries again. That
// way the workflow itself knows when it is waiting and why (SyncState
// "retrying" in the Web UI, the sentence in the API) and waits exactly as
// long as the server asked. A failed page resumes after the last entity it
// finished (from its failure details or its last heartbeat).
import { ActivityFailure, ApplicationFailure, TimeoutFailure, sleep } from '@temporalio/workflow';
import { waitSummary } from './sync-words.js';

export interface VisibleRetry {
  /** the failure in words: which call, which status, what happens next */
  message: string;
  delayMs: number;
  attempt: number;
  /** the wait in words: what is waited for, and until when (the timer's summary in the Web UI) */
  waiting: string;
}

/** Where a retry stands: the attempt to make next, where it resumes, and since when it has been failing. */
export interface NextAttempt<R> {
  attempt: number;
  resume: R | undefined;
  /** when the first failed attempt of this call failed (ISO, workflow time): the give-up window counts from here */
  failingSince?: string;
}

/** How a call is retried; the sync workflows' defaults when left out. */
export interface RetryPolicy {
  /** the backoff's cap (default 5 minutes) */
  maxBackoffMs?: number;
  /** stop retrying once the call has failed for this long (default: never) */
  giveUpAfterMs?: number;
}

/** Thrown by retryVisibly when a call has failed for longer than the policy's giveUpAfterMs. */
export class RetriesExhausted extends Error {
  constructor(
    readonly lastFailure: ActivityFailure,
    readonly failingForMs: number,
  ) {
    super(`gave up after ${Math.round(failingForMs / 3_600_000)} h of retries: ${describeFailure(lastFailure)}`);
    this.name = 'RetriesExhausted';
  }
}

export interface VisibleRetryHooks<R> {
  /** before waiting to try again */
  onRetry(retry: VisibleRetry): Promise<void>;
  /** after a call succeeds that had failed before */
  onRecovered(): Promise<void>;
  /** after a wait, before the next attempt: the run may continue as new here, carrying `next` */
  afterWait(next: NextAttempt<R>): Promise<void>;
}

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Attempts given to a failure that is not one of the service's own (a bug,
 * data the code cannot read): a few, in case it was a fluke; then the sync
 * stops with the sentence instead of retrying for ever in silence.
 */
const UNEXPECTED_ATTEMPTS = 3;

/** Doubling from 1 s, capped (5 min by default): outages of hours are waited out without hammering. */
export const backoffMs = (attempt: number, maxMs: number = MAX_BACKOFF_MS) => Math.min(maxMs, 1_000 * 2 ** Math.min(attempt - 1, 20));

/**
 * The server's delay is waited exactly the first time; when it keeps asking,
 * the wait grows with the backoff (never below what it asked), so a limit
 * that never lifts costs a few attempts an hour, not one a second.
 */
export const retryDelayMs = (attempt: number, askedMs: number | undefined, maxBackoff: number = MAX_BACKOFF_MS) =>
  askedMs === undefined ? backoffMs(attempt, maxBackoff) : attempt === 1 ? askedMs : Math.max(askedMs, backoffMs(attempt, maxBackoff));

interface FailureDetails {
  retryAfterMs?: number;
  /** the API that failed (Procore, Corfix) */
  api?: string;
  resume?: unknown;
  unexpected?: boolean;
}

function detailsOf(failure: ActivityFailure): FailureDetails | undefined {
  const cause = failure.cause;
  if (cause instanceof ApplicationFailure) return cause.details?.[0] as FailureDetails | undefined;
  if (cause instanceof TimeoutFailure) return { resume: cause.lastHeartbeatDetails };
  return undefined;
}

/** The resume point a failed attempt reported (failure details or last heartbeat). */
function reportedResume<R>(failure: ActivityFailure): R | undefined {
  const resume = detailsOf(failure)?.resume;
  return resume === null || resume === undefined ? undefined : (resume as R);
}

/** Is the failure one that no retry can fix (app removed, account gone, a request refused)? */
function isPermanent(failure: ActivityFailure): boolean {
  return failure.cause instanceof ApplicationFailure && failure.cause.nonRetryable === true;
}

/** The failure as an operator should read it: the API's sentence, not Temporal's wrapper. */
export function describeFailure(failure: ActivityFailure): string {
  const cause = failure.cause;
  if (cause instanceof TimeoutFailure) return `${failure.activityType} did not report in time (the worker may have stopped)`;
  return cause?.message ?? failure.message;
}

/**
 * Runs `call` until it succeeds or fails permanently (then throws the
 * ActivityFailure), or, under a policy with giveUpAfterMs, has failed for
 * that long (then throws RetriesExhausted). `call` gets what the previous
 * failed attempt said to resume from. `from` goes on with a retry an
 * earlier run began.
 */
export async function retryVisibly<T, R>(
  call: (resume: R | undefined) => Promise<T>,
  hooks: VisibleRetryHooks<R>,
  from: NextAttempt<R> = { attempt: 1, resume: undefined },
  policy: RetryPolicy = {},
): Promise<T> {
  let resume = from.resume;
  let failingSince = from.failingSince;
  let unexpected = 0;
  for (let attempt = from.attempt; ; attempt += 1) {
    try {
      const result = await call(resume);
      if (attempt > 1) await hooks.onRecovered();
      return result;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isPermanent(error)) throw error;
      unexpected = detailsOf(error)?.unexpected ? unexpected + 1 : 0;
      if (unexpected >= UNEXPECTED_ATTEMPTS) throw error;
      const reported = reportedResume<R>(error);
      // The attempt got further than the one before (a page under a limit met now
      // and then): the call is moving, not failing, so its backoff starts afresh.
      if (reported !== undefined && resume !== undefined && JSON.stringify(reported) !== JSON.stringify(resume)) {
        attempt = 1;
        failingSince = undefined;
      }
      resume = reported ?? resume;
      // Workflow time: the same instant on replay.
      failingSince ??= new Date().toISOString();
      const failingForMs = Date.now() - Date.parse(failingSince);
      const asked = detailsOf(error)?.retryAfterMs;
      const delayMs = retryDelayMs(attempt, typeof asked === 'number' && asked > 0 ? asked : undefined, policy.maxBackoffMs);
      // The next try would come after the window: give up now rather than wait for nothing.
      if (policy.giveUpAfterMs !== undefined && failingForMs + delayMs > policy.giveUpAfterMs) {
        throw new RetriesExhausted(error, failingForMs);
      }
      const waiting = waitSummary(
        { type: error.cause instanceof ApplicationFailure ? (error.cause.type ?? undefined) : undefined, api: detailsOf(error)?.api, activity: error.activityType, attempt },
        new Date(Date.now() + delayMs),
      );
      await hooks.onRetry({ message: describeFailure(error), delayMs, attempt, waiting });
      await sleep(delayMs, { summary: waiting });
      await hooks.afterWait({ attempt: attempt + 1, resume, failingSince });
    }
  }
}
