// How the sync workflows call activities. Two kinds of call, one set of
// options each, so every workflow waits and retries the same way.
import type { ActivityOptions } from '@temporalio/workflow';

/**
 * A unit of sync work (a Procore page): one attempt per call, so the workflow
 * decides retries and shows that it waits (visible-retries.ts).
 */
export const syncWork: ActivityOptions = {
  // A page of 1,000 users with one Corfix create each, paced by Procore's budget.
  startToCloseTimeout: '1 hour',
  // Activities heartbeat on progress (each entity, each listing page, a budget
  // wait): one silent for 10 s has lost its worker or is stuck.
  heartbeatTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
};

/** Writing the sync's state to Postgres: short, and retried by Temporal until it lands. */
export const bookkeeping: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
};

/** A call's options with its summary, the words the Web UI shows for it ("users page 3 of 10"). */
export const summarized = (options: ActivityOptions, summary: string): ActivityOptions => ({ ...options, summary });
