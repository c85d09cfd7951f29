// FormUploadWithRetry (src/workflows/form-upload.ts) on the time-skipping
// server with fake activities (form-support.ts), started and signalled the
// way the service does (client.ts: signalWithStart): how an outage is waited
// out (the backoff, the delays Procore asks for, continue-as-new inside a
// wait of days) and when it is given up on, and what wakes a failed form or
// ends its workflow. Every timing is workflow time: the waits as the
// workflow's timers hold them (its histories), and the calls' moments on the
// test server's clock. Time stands still unless a test awaits the end
// (ended) or sleeps on the test server (env.sleep).
import { FAILED_HOLD_MS } from '../../src/workflows/form-upload.js';
import { ended } from './continuous-support.js';
import { DAY, HOUR, formStatus, gapsInSeconds, gate, shown, timersOf, withForm } from './form-support.js';
import { CAP_S, DOUBLING, busy, expectCallsAfter, failingFor, refused, runLengths, useFormUploadTests, waitingWhen } from './form-upload-support.js';
import { env, retryable } from './support.js';

const newForm = useFormUploadTests();

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
