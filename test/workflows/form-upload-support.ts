// The test side of FormUploadWithRetry's tests (form-upload*.test.ts), on top
// of the fakes of form-support.ts: the time-skipping server of the file, a
// check after every test that the workflow never ran two uploads at once,
// the failures the fakes throw, and the waits: the backoff's, the calls'
// gaps in workflow time, and a wait until the workflow waits with nothing in
// flight.
import { ApplicationFailure } from '@temporalio/common';
import type { FormUploadResult } from '../../src/activities/form-upload.js';
import { FORM_RETRY_POLICY } from '../../src/workflows/form-upload.js';
import { isWaiting, until } from './continuous-support.js';
import { FakeForm, gapsInSeconds, type Attempt } from './form-support.js';
import { historiesOfRuns, retryable, useTimeSkipping } from './support.js';

/**
 * Call at the top of a test file: the server and the bundle for its tests,
 * and after every test the check on the form made last; gives `newForm`,
 * which makes the form a test drives.
 */
export function useFormUploadTests(): () => FakeForm {
  useTimeSkipping();
  let lastForm: FakeForm | undefined;
  afterEach(() => {
    // checked after every test: whatever came in, the workflow never ran two uploads at once
    expect(lastForm?.maxInFlight ?? 0).toBeLessThanOrEqual(1);
    lastForm = undefined;
  });
  return () => (lastForm = new FakeForm());
}

export const busy = () => retryable({});
export const refused = () =>
  ApplicationFailure.create({
    type: 'RequestRejectedError',
    message: 'Procore POST /rest/v1.0/files was rejected with 422: the request as sent cannot succeed',
    nonRetryable: true,
  });

/** Fails with `failure()` for `durationMs` of workflow time from the first call, then files the revision read. */
export function failingFor(form: FakeForm, durationMs: number, failure: () => Error = busy) {
  let until: number | undefined;
  return async (attempt: Attempt): Promise<FormUploadResult> => {
    until ??= attempt.workflowMs + durationMs;
    if (attempt.workflowMs < until) throw failure();
    return form.file(attempt.read);
  };
}

/** The backoff's first waits, in seconds: doubling from 1 s up to the last one under the hour's cap. */
export const DOUBLING = Array.from({ length: 12 }, (_, i) => 2 ** i);
export const CAP_S = FORM_RETRY_POLICY.maxBackoffMs / 1000;

/** Each call came after the wait before it (workflow time), and without any other wait: only the time the work took. */
export function expectCallsAfter(form: FakeForm, waits: number[]): void {
  const gaps = gapsInSeconds(form);
  expect(gaps).toHaveLength(waits.length);
  for (const [i, wait] of waits.entries()) {
    expect(gaps[i]).toBeGreaterThanOrEqual(wait);
    expect(gaps[i]).toBeLessThan(wait + 60);
  }
}

export const runLengths = async (workflowId: string, firstRunId: string) =>
  (await historiesOfRuns(workflowId, firstRunId)).map((h) => h.events?.length ?? 0);

/** Until the form's workflow waits (a timer, a signal) with nothing in flight, and `probe` holds. */
export const waitingWhen = (handle: { workflowId: string }, what: string, probe: () => boolean) =>
  until(what, async () => probe() && (await isWaiting(handle)), 20_000);
