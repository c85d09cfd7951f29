// FormUploadWithRetry (src/workflows/form-upload.ts) on the time-skipping
// server with fake activities (form-support.ts), started and signalled the
// way the service does (client.ts: signalWithStart). How a burst of
// revisions coalesces, how an outage is waited out and when it is given up
// on, what wakes a failed form, and how held, gone and skipped end or hold
// it. Every timing is workflow time: the waits as the workflow's timers
// hold them (its histories), and the calls' moments on the test server's
// clock. Time stands still unless a test awaits the end (ended) or sleeps
// on the test server (env.sleep).
import { ApplicationFailure } from '@temporalio/common';
import type { FormUploadResult } from '../../src/activities/form-upload.js';
import { FAILED_HOLD_MS, FORM_RETRY_POLICY, HELD_RECHECK_MS } from '../../src/workflows/form-upload.js';
import { ended, isWaiting, until } from './continuous-support.js';
import { DAY, FakeForm, HOUR, formStatus, gapsInSeconds, gate, shown, timersOf, withForm, type Attempt } from './form-support.js';
import { env, historiesOfRuns, retryable, useTimeSkipping } from './support.js';

useTimeSkipping();

const busy = () => retryable({});
const refused = () =>
  ApplicationFailure.create({
    type: 'RequestRejectedError',
    message: 'Procore POST /rest/v1.0/files was rejected with 422: the request as sent cannot succeed',
    nonRetryable: true,
  });

/** Fails with `failure()` for `durationMs` of workflow time from the first call, then files the revision read. */
function failingFor(form: FakeForm, durationMs: number, failure: () => Error = busy) {
  let until: number | undefined;
  return async (attempt: Attempt): Promise<FormUploadResult> => {
    until ??= attempt.workflowMs + durationMs;
    if (attempt.workflowMs < until) throw failure();
    return form.file(attempt.read);
  };
}

/** The backoff's first waits, in seconds: doubling from 1 s up to the last one under the hour's cap. */
const DOUBLING = Array.from({ length: 12 }, (_, i) => 2 ** i);
const CAP_S = FORM_RETRY_POLICY.maxBackoffMs / 1000;

/** Each call came after the wait before it (workflow time), and without any other wait: only the time the work took. */
function expectCallsAfter(form: FakeForm, waits: number[]): void {
  const gaps = gapsInSeconds(form);
  expect(gaps).toHaveLength(waits.length);
  for (const [i, wait] of waits.entries()) {
    expect(gaps[i]).toBeGreaterThanOrEqual(wait);
    expect(gaps[i]).toBeLessThan(wait + 60);
  }
}

const runLengths = async (workflowId: string, firstRunId: string) =>
  (await historiesOfRuns(workflowId, firstRunId)).map((h) => h.events?.length ?? 0);

/** Until the form's workflow waits (a timer, a signal) with nothing in flight, and `probe` holds. */
const waitingWhen = (handle: { workflowId: string }, what: string, probe: () => boolean) =>
  until(what, async () => probe() && (await isWaiting(handle)), 20_000);

afterEach(() => {
  // checked after every test: whatever came in, the workflow never ran two uploads at once
  expect(lastForm?.maxInFlight ?? 0).toBeLessThanOrEqual(1);
  lastForm = undefined;
});
let lastForm: FakeForm | undefined;
const newForm = () => (lastForm = new FakeForm());

describe('a burst of revisions', () => {
  test('several formChanged during one upload give exactly one more upload, and it files the newest revision', async () => {
    const form = newForm();
    const first = gate();
    form.answer = async (attempt) => {
      if (attempt.n === 1) await first.pass();
      return form.file(attempt.read);
    };
    const status = await withForm(form, async ({ handle, announce }) => {
      await first.reached;
      // Corfix edits the form three times while revision 1 goes up; the webhooks come twice and out of order.
      form.revision = 4;
      for (const revision of [2, 3, 4, 4, 3, 2]) await announce(revision);
      first.release();
      await ended(handle);
      return formStatus(handle);
    });
    expect(form.calls.map((c) => c.read)).toEqual([1, 4]);
    expect(form.filed).toEqual([1, 4]);
    expect(form.maxInFlight).toBe(1);
    expect(status).toMatchObject({ phase: 'done', state: 'ok', announcedRevision: 4, handledRevision: 4, uploadedRevision: 4, lastOutcome: 'new_version' });
  });

  test('revisions announced during an upload that already read them give no further upload', async () => {
    const form = newForm();
    // The form was edited twice before the first upload read it; the webhooks of those edits come late.
    form.revision = 3;
    const first = gate();
    form.answer = async (attempt) => {
      if (attempt.n === 1) await first.pass();
      return form.file(attempt.read);
    };
    await withForm(
      form,
      async ({ handle, announce }) => {
        await first.reached;
        await announce(2);
        await announce(3);
        first.release();
        await ended(handle);
      },
      { revision: 1 },
    );
    expect(form.calls.map((c) => c.read)).toEqual([3]);
    expect(form.filed).toEqual([3]);
  });

  test('duplicate and out-of-order announcements give no extra upload; one after the end finds the revision there and files nothing', async () => {
    const form = newForm();
    form.revision = 5;
    const first = gate();
    form.answer = async (attempt) => {
      if (attempt.n === 1) await first.pass();
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, announce }) => {
      await first.reached;
      for (const revision of [5, 3, 5, 4, 1]) await announce(revision);
      first.release();
      await ended(handle);
      expect(form.calls).toHaveLength(1);
      // The same webhook delivered again after the workflow ended starts a new run (signalWithStart):
      // it reads the form, finds revision 5 in Procore, and sends nothing.
      await announce(5);
      await ended(handle);
    });
    expect(form.calls.map((c) => c.outcome)).toEqual(['uploaded', 'uploaded']);
    expect(form.filed).toEqual([5]);
  });

  test('at most one uploadForm is in flight, whatever comes in meanwhile', async () => {
    const form = newForm();
    const gates = [gate(), gate()];
    form.answer = async (attempt) => {
      await gates[attempt.n - 1]?.pass();
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, announce, retry }) => {
      await gates[0]?.reached;
      form.revision = 3;
      await announce(2);
      await retry();
      await announce(3);
      expect(form.calls).toHaveLength(1);
      gates[0]?.release();
      await gates[1]?.reached;
      await announce(3);
      await retry();
      expect(form.calls).toHaveLength(2);
      gates[1]?.release();
      await ended(handle);
    });
    expect(form.maxInFlight).toBe(1);
    // the retry asked for during the second upload gives a third look, which finds revision 3 filed
    expect(form.calls.map((c) => [c.read, c.outcome])).toEqual([
      [1, 'uploaded'],
      [3, 'uploaded'],
      [3, 'uploaded'],
    ]);
    expect(form.filed).toEqual([1, 3]);
  });
});

describe('an outage', () => {
  test('retries back off doubling from 1 s and are capped at an hour, in plain sight; then the form is filed once', async () => {
    const form = newForm();
    form.answer = failingFor(form, 6 * HOUR);
    const seen = await withForm(form, async ({ handle }) => {
      await waitingWhen(handle, 'the first retry wait', () => form.problems.length === 1);
      const waiting = { shown: await shown(handle), status: await formStatus(handle) };
      await ended(handle);
      return { waiting, after: await shown(handle) };
    });
    expect(seen.waiting.shown).toEqual({ phase: 'forms', state: 'retrying', status: 'RUNNING' });
    expect(seen.waiting.status).toMatchObject({ phase: 'forms', state: 'retrying', attempt: 1, problem: 'Procore is busy (attempt 1; next try in 1 s)' });
    // 1, 2, 4 ... 2,048 s (68 minutes in all), then an hour at a time until the sixth hour is over
    const waits = await timersOf(form);
    expect(waits).toEqual([...DOUBLING, CAP_S, CAP_S, CAP_S, CAP_S, CAP_S]);
    expectCallsAfter(form, waits);
    expect(form.filed).toEqual([1]);
    expect(form.calls.at(-1)?.outcome).toBe('uploaded');
    // recordFormRetrying before each wait, with the sentence and the moment of the next try (workflow time)
    expect(form.problems.map((p) => p.message)).toEqual(waits.map((w, i) => `Procore is busy (attempt ${i + 1}; next try in ${w} s)`));
    for (const [i, problem] of form.problems.entries()) {
      const failed = form.calls[i]!;
      const next = form.calls[i + 1]!;
      expect(Date.parse(problem.nextTryAt)).toBeGreaterThanOrEqual(failed.workflowMs + (waits[i] as number) * 1000);
      expect(Date.parse(problem.nextTryAt)).toBeLessThanOrEqual(next.workflowMs);
    }
    expect(form.recoveries).toHaveLength(1);
    expect(form.failures).toEqual([]);
    expect(seen.after).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
  });

  test("a delay the server asked for is waited: exactly the first time, at least that after; above the hour's cap too", async () => {
    const form = newForm();
    const asked = [90_000, 90_000, 2 * HOUR];
    form.answer = async (attempt) => {
      const retryAfterMs = asked[attempt.n - 1];
      if (retryAfterMs !== undefined) throw retryable({ retryAfterMs });
      if (attempt.n === 4) throw busy();
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle }) => {
      await ended(handle);
    });
    // 90 s asked at attempt 1 and 2 (the backoff, 2 s, is less), 2 h asked at attempt 3, then the backoff's 8 s
    expect(await timersOf(form)).toEqual([90, 90, 7_200, 8]);
    expectCallsAfter(form, [90, 90, 7_200, 8]);
    expect(form.problems.map((p) => p.message)).toEqual([
      'Procore is busy (attempt 1; next try in 90 s)',
      'Procore is busy (attempt 2; next try in 90 s)',
      'Procore is busy (attempt 3; next try in 7200 s)',
      'Procore is busy (attempt 4; next try in 8 s)',
    ]);
    expect(form.filed).toEqual([1]);
  });

  test.each([
    { by: 'revision' as const, started: 'a webhook' },
    { by: 'retry' as const, started: 'an operator retry alone' },
  ])('an outage of 4 days (started by $started) continues as new inside the wait; the retry goes on where it was and files the form once', async ({ by }) => {
    const form = newForm();
    form.answer = failingFor(form, 4 * DAY);
    const { handle: workflow, firstRunId } = await withForm(
      form,
      async ({ handle, firstRunId }) => {
        await ended(handle);
        return { handle, firstRunId };
      },
      { by },
    );
    const lengths = await runLengths(workflow.workflowId, firstRunId);
    expect(lengths.length).toBeGreaterThan(1);
    for (const length of lengths) expect(length).toBeLessThan(2_000);
    expect(form.filed).toEqual([1]);
    // the attempts count on across the runs, and every wait after the first hour is the cap
    const attempts = form.problems.map((p) => Number(/attempt (\d+);/.exec(p.message)?.[1]));
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
    const waits = await timersOf(form);
    expect(waits.slice(0, DOUBLING.length)).toEqual(DOUBLING);
    expect(new Set(waits.slice(DOUBLING.length))).toEqual(new Set([CAP_S]));
    expectCallsAfter(form, waits);
    expect(form.recoveries).toHaveLength(1);
    expect(await shown(workflow)).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
  }, 120_000);
});

describe('a failed form', () => {
  test('after 7 days of failures the form is failed, its workflow waits open; continue-as-new did not restart the window; a retry tries again and recovers', async () => {
    const form = newForm();
    let failing = true;
    form.answer = async (attempt) => {
      if (failing) throw busy();
      return form.file(attempt.read);
    };
    const seen = await withForm(form, async ({ handle, firstRunId, retry }) => {
      await env.sleep(7 * DAY + HOUR);
      await waitingWhen(handle, 'failed', () => form.failures.length === 1);
      const failed = { shown: await shown(handle), status: await formStatus(handle), runs: await runLengths(handle.workflowId, firstRunId) };
      // it waits, trying nothing
      await env.sleep(DAY);
      const callsWhileFailed = form.calls.length;
      failing = false;
      await retry();
      await ended(handle);
      return { failed, callsWhileFailed, after: await shown(handle) };
    });
    const first = form.calls[0]!;
    const failure = form.failures[0]!;
    // The window counts from the first failure, across runs: the form fails within 7 days of it.
    expect(seen.failed.runs.length).toBeGreaterThan(1);
    expect(failure.workflowMs - first.workflowMs).toBeLessThanOrEqual(7 * DAY);
    expect(failure.workflowMs - first.workflowMs).toBeGreaterThan(7 * DAY - HOUR);
    // 12 doubling waits (68 min), then 166 hourly ones: 179 attempts, the last one less than an hour before the 7 days end;
    // then the failed form's wait for a retry (ended by the retry)
    const waits = await timersOf(form);
    expect(waits).toEqual([...DOUBLING, ...Array<number>(166).fill(CAP_S), FAILED_HOLD_MS / 1000]);
    expect(seen.callsWhileFailed).toBe(179);
    expect(gapsInSeconds(form).slice(0, 178).every((gap, i) => gap >= (waits[i] as number) && gap < (waits[i] as number) + 60)).toBe(true);
    expect(form.problems).toHaveLength(178);
    expect(form.problems.at(-1)?.message).toBe('Procore is busy (attempt 178; next try in 3600 s)');
    expect(form.failures).toEqual([{ message: 'gave up after 167 h of retries: Procore is busy', workflowMs: expect.any(Number), realMs: expect.any(Number) }]);
    expect(seen.failed.shown).toEqual({ phase: 'paused', state: 'failed', status: 'RUNNING' });
    expect(seen.failed.status).toMatchObject({ phase: 'paused', state: 'failed', problem: failure.message, lastOutcome: 'failed', handledRevision: 1, uploadedRevision: null });
    // the retry: one attempt, filed; recovered where the API shows it
    expect(form.calls).toHaveLength(180);
    expect(form.filed).toEqual([1]);
    expect(form.recoveries).toHaveLength(1);
    expect(seen.after).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
  }, 120_000);

  test('a revision announced during the days of retries is covered by them: after 7 days the form is failed, and waits', async () => {
    const form = newForm();
    form.answer = async () => {
      throw busy();
    };
    await withForm(form, async ({ handle, announce }) => {
      // in the last wait before the give-up (the attempts come at 166.1 h and 167.1 h): the last attempt reads it
      await env.sleep(166.5 * HOUR);
      form.revision = 2;
      await announce(2);
      await env.sleep(2 * HOUR);
      await waitingWhen(handle, 'failed', () => form.failures.length === 1);
      const calls = form.calls.length;
      await env.sleep(DAY);
      expect(form.calls).toHaveLength(calls);
      expect(await shown(handle)).toEqual({ phase: 'paused', state: 'failed', status: 'RUNNING' });
      expect(await formStatus(handle)).toMatchObject({ announcedRevision: 2, handledRevision: 2 });
    });
    expect(form.failures).toHaveLength(1);
    expect(form.recoveries).toHaveLength(0);
    expect(form.calls.at(-1)?.read).toBe(2);
  }, 120_000);

  test('a failure no retry can fix fails the form at once; an old revision does not wake it, a newer one does', async () => {
    const form = newForm();
    form.answer = async (attempt) => {
      if (attempt.n === 1) throw refused();
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, announce }) => {
      await waitingWhen(handle, 'failed', () => form.failures.length === 1);
      expect(await shown(handle)).toEqual({ phase: 'paused', state: 'failed', status: 'RUNNING' });
      expect(await formStatus(handle)).toMatchObject({ state: 'failed', problem: refused().message, lastOutcome: 'failed' });
      await announce(1);
      await env.sleep(DAY);
      expect(form.calls).toHaveLength(1);
      form.revision = 2;
      await announce(2);
      await ended(handle);
      expect(await shown(handle)).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
    });
    expect(form.problems).toEqual([]);
    expect(form.failures.map((f) => f.message)).toEqual([refused().message]);
    expect(form.calls.map((c) => c.read)).toEqual([1, 2]);
    // woken at once by the newer revision, a day after the failure
    expect(gapsInSeconds(form)[0]).toBeGreaterThanOrEqual(DAY / 1000);
    expect(gapsInSeconds(form)[0]).toBeLessThan(DAY / 1000 + 60);
    expect(form.filed).toEqual([2]);
    expect(form.recoveries).toHaveLength(1);
  });

  test('a revision announced while the attempt that fails for good is in flight is tried after it', async () => {
    const form = newForm();
    const first = gate();
    form.answer = async (attempt) => {
      if (attempt.n === 1) {
        await first.pass();
        throw refused();
      }
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, announce }) => {
      await first.reached;
      form.revision = 2;
      await announce(2);
      first.release();
      await ended(handle);
    });
    expect(form.calls.map((c) => c.read)).toEqual([1, 2]);
    // at once: no wait for a retry in between
    expect(gapsInSeconds(form)[0]).toBeLessThan(60);
    expect(form.filed).toEqual([2]);
  });

  test(`unretried, a failed form's workflow ends after ${FAILED_HOLD_MS / DAY} days, still failed`, async () => {
    const form = newForm();
    form.answer = async () => {
      throw refused();
    };
    await withForm(form, async ({ handle }) => {
      await waitingWhen(handle, 'failed', () => form.failures.length === 1);
      const failedAt = await env.currentTimeMs();
      await ended(handle);
      expect((await env.currentTimeMs()) - failedAt).toBeGreaterThanOrEqual(FAILED_HOLD_MS);
      expect(await shown(handle)).toEqual({ phase: 'done', state: 'failed', status: 'COMPLETED' });
    });
    expect(form.calls).toHaveLength(1);
  });
});

describe('held, gone, skipped', () => {
  test(`held (the integration paused) looks again every ${HELD_RECHECK_MS / 60_000} minutes, paused meanwhile, then files the form`, async () => {
    const form = newForm();
    form.answer = async (attempt) => (attempt.n <= 2 ? { outcome: 'held', status: 'paused' } : form.file(attempt.read));
    await withForm(form, async ({ handle }) => {
      await waitingWhen(handle, 'held', () => form.calls.length === 1);
      expect(await shown(handle)).toEqual({ phase: 'paused', state: 'ok', status: 'RUNNING' });
      expect(await formStatus(handle)).toMatchObject({ lastOutcome: 'held' });
      await ended(handle);
      expect(await shown(handle)).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
    });
    expect(await timersOf(form)).toEqual([HELD_RECHECK_MS / 1000, HELD_RECHECK_MS / 1000]);
    expectCallsAfter(form, [HELD_RECHECK_MS / 1000, HELD_RECHECK_MS / 1000]);
    expect(form.filed).toEqual([1]);
    expect(form.problems).toEqual([]);
  });

  test('a newer revision announced while held is looked at at once', async () => {
    const form = newForm();
    form.answer = async (attempt) => (attempt.n === 1 ? { outcome: 'held', status: 'connecting' } : form.file(attempt.read));
    await withForm(form, async ({ handle, announce }) => {
      await waitingWhen(handle, 'held', () => form.calls.length === 1);
      form.revision = 2;
      await announce(2);
      await ended(handle);
    });
    // at once, not after the 5 minutes
    expect(gapsInSeconds(form)[0]).toBeLessThan(60);
    expect(form.filed).toEqual([2]);
  });

  test('gone (disconnected) ends the workflow, completed, without another look', async () => {
    const form = newForm();
    form.answer = async () => ({ outcome: 'gone' });
    await withForm(form, async ({ handle }) => {
      await ended(handle);
      expect(await shown(handle)).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
      expect(await formStatus(handle)).toMatchObject({ lastOutcome: 'gone' });
    });
    expect(form.calls).toHaveLength(1);
  });

  test('gone after a retry wait ends it too', async () => {
    const form = newForm();
    form.answer = async (attempt) => {
      if (attempt.n === 1) throw busy();
      return { outcome: 'gone' };
    };
    await withForm(form, async ({ handle }) => {
      await ended(handle);
      expect((await shown(handle)).status).toBe('COMPLETED');
    });
    expect(form.calls).toHaveLength(2);
    expect(form.failures).toEqual([]);
  });

  test('skipped (a draft) ends the workflow, completed', async () => {
    const form = newForm();
    form.answer = async () => ({ outcome: 'skipped', reason: 'draft' });
    await withForm(form, async ({ handle }) => {
      await ended(handle);
      expect(await shown(handle)).toEqual({ phase: 'done', state: 'ok', status: 'COMPLETED' });
      expect(await formStatus(handle)).toMatchObject({ lastOutcome: 'draft', handledRevision: 1, uploadedRevision: null });
    });
    expect(form.calls).toHaveLength(1);
    expect(form.filed).toEqual([]);
  });
});
