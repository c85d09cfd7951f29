// What every activity shares: API errors turned into Temporal failures the
// workflows can act on, heartbeats that prove progress (an activity stuck on
// anything else, a database lock say, times out by its heartbeat), and
// stopping: at the next entity when cancelled or when the worker shuts down.
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Database } from '../db/database.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { ApiError, AwaitingAccessError, RateLimitedError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { withPacingPatience } from '../procore/pacing.js';

/** What activities are built over: the process's database and API clients. */
export interface ActivityDependencies {
  db: Database;
  clients: ExternalApiClients;
  logger: Logger;
  /** true once the worker running these activities is shutting down: pages hand themselves back */
  workerStopping?: () => boolean;
  /** Corfix creates in flight per page (CORFIX_CREATE_CONCURRENCY; default DEFAULT_CORFIX_CREATE_CONCURRENCY) */
  corfixCreateConcurrency?: number;
}

/** Details carried by a retryable failure: when to try again and where to resume. */
export interface RetryDetails {
  retryAfterMs?: number;
  /** the API that failed, for the wait's words in the Web UI ("waiting for Procore's rate-limit window ...") */
  api?: string;
  resume?: unknown;
  /** not one of the service's own errors: a bug or unreadable data; the workflow gives it a few attempts only */
  unexpected?: true;
}

/**
 * Postgres error classes and socket errors that mean "the database is away
 * for a while" (connection lost, shutting down, out of connections, a
 * statement or lock timeout, a deadlock): retried like an API outage.
 */
const DATABASE_AWAY = /^(08|53|57P0[1-3]|57014|55P03|40001|40P01)|^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN)$/;

function isDatabaseAway(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // knex's pool: no connection could be had in time.
  return (typeof code === 'string' && DATABASE_AWAY.test(code)) || error.name === 'KnexTimeoutError';
}

/**
 * API errors keep their class name as the failure type, their sentence as
 * the message and their retryability; a rate limit carries the server's
 * delay, a refusal someone must fix (a permission, a credential) its slow
 * schedule (also as nextRetryDelay, for activities the server retries itself).
 * A failure the activity decided itself passes through. Anything else is the
 * database away (retried like an outage) or unexpected: a bug or data the
 * code cannot read, named by its class only (its message may quote data),
 * which the workflow stops on after a few attempts.
 */
export function toFailure(error: unknown, resume?: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof ApiError)) {
    const withResume = resume !== undefined ? { resume } : {};
    if (isDatabaseAway(error)) {
      const code = String((error as { code?: unknown }).code ?? (error as Error).name);
      return ApplicationFailure.create({
        type: 'DatabaseUnavailable',
        message: `Postgres did not answer (${code}); it will be tried again later`,
        details: [withResume satisfies RetryDetails],
      });
    }
    const kind = error instanceof Error ? error.name : typeof error;
    return ApplicationFailure.create({
      type: 'UnexpectedError',
      message: `An unexpected ${kind} stopped this step (a bug, or data the code cannot read); the worker's log has its trace`,
      details: [{ ...withResume, unexpected: true } satisfies RetryDetails],
    });
  }
  const retryAfterMs =
    error instanceof RateLimitedError || error instanceof AwaitingAccessError ? error.retryAfterMs : undefined;
  const details: RetryDetails = {
    api: error.api,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(resume !== undefined ? { resume } : {}),
  };
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    nonRetryable: !error.retryable,
    details: [details],
    ...(retryAfterMs !== undefined ? { nextRetryDelay: retryAfterMs } : {}),
  });
}

/**
 * The longest an activity waits for its turn on Procore's budget; a longer
 * wait ends it with the wait as the server-given delay, and the workflow
 * waits instead (visibly retrying, until the reset).
 */
export const MAX_PACER_WAIT_MS = 60_000;

/** While a wait for the budget goes on, a heartbeat every this often says until when. */
const WAITING_HEARTBEAT_MS = 2_000;

/** What `work` can do: report progress, and learn that it should stop. */
export interface ActivityProgress {
  /** reports progress (a finished entity, an answered call) with the current resume point */
  heartbeat(): void;
  /** cancelled, its workflow gone, or the worker shutting down: stop before the next entity */
  stopRequested(): boolean;
}

/**
 * A short wait within a page (Corfix asked a create to come back in a
 * moment, entity-page.ts), heartbeating every two seconds so that the
 * activity's heartbeat timeout does not end it meanwhile.
 */
export async function pauseWithHeartbeats(activity: ActivityProgress, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    activity.heartbeat();
    const left = until - Date.now();
    if (left <= 0) return;
    await delay(Math.min(left, WAITING_HEARTBEAT_MS));
  }
}

/** Thrown by work that stopped early because `stopRequested()` said so. */
export class StopRequested extends Error {
  constructor() {
    super('the activity stopped before its next entity');
    this.name = 'StopRequested';
  }
}

/**
 * Runs `work`, heartbeating `progress()` at the start and whenever `work`
 * reports progress, and every few seconds while a Procore call waits for the
 * company's budget (saying until when). Nothing else keeps the activity alive:
 * work stuck elsewhere lets the heartbeat timeout end it. Errors are converted
 * with `toFailure` (attaching the progress to resume from).
 */
export async function withHeartbeats<T>(
  progress: () => unknown,
  work: (activity: ActivityProgress) => Promise<T>,
  workerStopping: () => boolean = () => false,
): Promise<T> {
  const context = Context.current();
  let waitingUntil = 0;
  let waitTimer: NodeJS.Timeout | undefined;
  const details = () => {
    const at = progress();
    if (Date.now() >= waitingUntil) return at;
    return { ...(typeof at === 'object' && at !== null ? at : {}), waitingForProcoreBudgetUntil: new Date(waitingUntil).toISOString() };
  };
  const heartbeat = () => context.heartbeat(details());
  const stopWaitTimer = () => {
    clearInterval(waitTimer);
    waitTimer = undefined;
  };
  const waiting = (untilMs: number) => {
    waitingUntil = Math.max(waitingUntil, untilMs);
    heartbeat();
    // Keeps the activity alive until the reset, and not a moment longer.
    waitTimer ??= setInterval(() => (Date.now() < waitingUntil ? heartbeat() : stopWaitTimer()), WAITING_HEARTBEAT_MS);
  };
  const stopRequested = () => context.cancellationSignal.aborted || workerStopping();

  heartbeat();
  try {
    return await withPacingPatience({ maxWaitMs: MAX_PACER_WAIT_MS, waiting }, () => work({ heartbeat, stopRequested }));
  } catch (error) {
    if (error instanceof StopRequested) throw stoppedFailure(context, progress());
    const failure = toFailure(error, progress());
    if (failure instanceof ApplicationFailure && failure.type === 'UnexpectedError') {
      // The trace without the message, which may quote the data that broke it.
      const trace = error instanceof Error ? (error.stack ?? '').split('\n').slice(1).join('\n') : '';
      context.log.error('unexpected error in an activity', { errorClass: (error as Error)?.name, trace });
    }
    throw failure;
  } finally {
    stopWaitTimer();
  }
}

/**
 * How an activity that stopped early ends: confirming its cancellation, or,
 * when its worker is shutting down, as a retryable failure carrying the point
 * to resume from, so that the workflow hands the rest to another worker at once.
 */
function stoppedFailure(context: Context, resume: unknown): unknown {
  const reason: unknown = context.cancellationSignal.reason;
  const shuttingDown = !context.cancellationSignal.aborted || (reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN');
  if (!shuttingDown) return reason instanceof CancelledFailure ? reason : new CancelledFailure('CANCELLED');
  return ApplicationFailure.create({
    type: 'WorkerShutdown',
    message: 'The worker shut down during this step; another worker continues from where it stopped',
    details: [{ resume } satisfies RetryDetails],
  });
}
