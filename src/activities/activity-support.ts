// What every activity shares: API errors turned into Temporal failures the
// workflows can act on, and heartbeats that keep flowing while an activity
// waits (on a rate limit, on a slow API), so only a dead worker times out.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/database.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { ApiError, AwaitingAccessError, RateLimitedError } from '../http/errors.js';
import type { Logger } from '../logger.js';

/** What activities are built over: the process's database and API clients. */
export interface ActivityDependencies {
  db: Database;
  clients: ExternalApiClients;
  logger: Logger;
}

/** Details carried by a retryable failure: when to try again and where to resume. */
export interface RetryDetails {
  retryAfterMs?: number;
  resume?: unknown;
}

/**
 * API errors keep their class name as the failure type, their sentence as
 * the message and their retryability; a rate limit carries the server's
 * delay, a refusal someone must fix (a permission, a credential) its slow
 * schedule (also as nextRetryDelay, for activities the server retries itself).
 */
export function toFailure(error: unknown, resume?: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const retryAfterMs =
    error instanceof RateLimitedError || error instanceof AwaitingAccessError ? error.retryAfterMs : undefined;
  const details: RetryDetails = {
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
 * Runs `work` with a heartbeat every few seconds carrying `progress()`, and
 * converts its errors with `toFailure` (attaching the progress to resume from).
 */
export async function withHeartbeats<T>(progress: () => unknown, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat(progress());
  const timer = setInterval(() => context.heartbeat(progress()), 2_000);
  try {
    return await work();
  } catch (error) {
    throw toFailure(error, progress());
  } finally {
    clearInterval(timer);
  }
}
