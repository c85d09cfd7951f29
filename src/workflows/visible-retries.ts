// Retries decided by the workflow, not by Temporal's activity retry policy:
// every activity call gets one attempt, and the loop here tries again. That
// way the workflow itself knows when it is waiting and why (SyncState
// "retrying" in the Web UI, the sentence in the API) and waits exactly as
// long as the server asked. A failed page resumes after the last entity it
// finished (from its failure details or its last heartbeat).
import { ActivityFailure, ApplicationFailure, TimeoutFailure, sleep } from '@temporalio/workflow';

export interface VisibleRetry {
  /** the failure in words: which call, which status, what happens next */
  message: string;
  delayMs: number;
  attempt: number;
}

/** Where a retry stands: the attempt to make next, and where it resumes. */
export interface NextAttempt<R> {
  attempt: number;
  resume: R | undefined;
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

/** Doubling from 1 s, capped at 5 min: outages of hours are waited out without hammering. */
export const backoffMs = (attempt: number) => Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.min(attempt - 1, 20));

/**
 * The server's delay is waited exactly the first time; when it keeps asking,
 * the wait grows with the backoff (never below what it asked), so a limit
 * that never lifts costs a few attempts an hour, not one a second.
 */
export const retryDelayMs = (attempt: number, askedMs: number | undefined) =>
  askedMs === undefined ? backoffMs(attempt) : attempt === 1 ? askedMs : Math.max(askedMs, backoffMs(attempt));

interface FailureDetails {
  retryAfterMs?: number;
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
 * ActivityFailure). `call` gets what the previous failed attempt said to
 * resume from. `from` goes on with a retry an earlier run began.
 */
export async function retryVisibly<T, R>(
  call: (resume: R | undefined) => Promise<T>,
  hooks: VisibleRetryHooks<R>,
  from: NextAttempt<R> = { attempt: 1, resume: undefined },
): Promise<T> {
  let resume = from.resume;
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
      resume = reportedResume<R>(error) ?? resume;
      const asked = detailsOf(error)?.retryAfterMs;
      const delayMs = retryDelayMs(attempt, typeof asked === 'number' && asked > 0 ? asked : undefined);
      await hooks.onRetry({ message: describeFailure(error), delayMs, attempt });
      await sleep(delayMs);
      await hooks.afterWait({ attempt: attempt + 1, resume });
    }
  }
}
