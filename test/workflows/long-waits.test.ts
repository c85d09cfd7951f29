// A sync that waits for hours (a 429 that never lifts, an outage) must not
// grow one run's history towards Temporal's limit, which would end it: the
// waits grow, and a run continues as new from inside a long wait, carrying
// its attempt count so the backoff goes on where it was.
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import {
  historiesOfRuns,
  pageFailingFor,
  retryable,
  useTimeSkipping,
  waitsInSeconds,
  withInitialSync,
  type Call,
  type Progress,
} from './support.js';

useTimeSkipping();

const runLengths = async (handle: WorkflowHandleWithFirstExecutionRunId) =>
  (await historiesOfRuns(handle.workflowId, handle.firstExecutionRunId)).map((h) => h.events?.length ?? 0);

test('a 429 with Retry-After: 1 that lasts 10 minutes keeps each run under 2,000 events', async () => {
  const calls: Call[] = [];
  const { lengths, progress } = await withInitialSync(
    { syncProjectPage: pageFailingFor(10 * 60_000, () => retryable({ retryAfterMs: 1_000 }), calls) },
    async (handle) => ({ progress: (await handle.result()) as Progress, lengths: await runLengths(handle) }),
  );
  expect(progress.projects.pagesDone).toBe(1);
  for (const length of lengths) expect(length).toBeLessThan(2_000);
  // The server's delay is honoured first, then the waits grow as it keeps asking.
  const waits = waitsInSeconds(calls);
  expect(waits[0]).toBe(1);
  expect(Math.max(...waits)).toBeGreaterThan(60);
}, 60_000);

test('an outage of hours continues as new inside the wait, and the backoff goes on where it was', async () => {
  const calls: Call[] = [];
  const { lengths, progress } = await withInitialSync(
    { syncProjectPage: pageFailingFor(10 * 3_600_000, () => retryable({}), calls) },
    async (handle) => ({ progress: (await handle.result()) as Progress, lengths: await runLengths(handle) }),
  );
  expect(lengths.length).toBeGreaterThan(1);
  for (const length of lengths) expect(length).toBeLessThan(2_000);
  expect(progress.projects.pagesDone).toBe(1);
  // After the first minutes every wait is the 5-minute cap, across runs too.
  expect(waitsInSeconds(calls).slice(9).every((w) => w === 300)).toBe(true);
}, 60_000);
