// FormUploadWithRetry (src/workflows/form-upload.ts) on the time-skipping
// server with fake activities (form-support.ts), started and signalled the
// way the service does (client.ts: signalWithStart). How a burst of
// revisions coalesces, and how held, gone and skipped end or hold it (an
// outage, and a failed form: form-upload-retries.test.ts). Every timing is
// workflow time: the waits as the workflow's timers hold them (its
// histories), and the calls' moments on the test server's clock. Time stands
// still unless a test awaits the end (ended) or sleeps on the test server.
import { HELD_RECHECK_MS } from '../../src/workflows/form-upload.js';
import { ended } from './continuous-support.js';
import { formStatus, gapsInSeconds, gate, shown, timersOf, withForm } from './form-support.js';
import { busy, expectCallsAfter, useFormUploadTests, waitingWhen } from './form-upload-support.js';

const newForm = useFormUploadTests();

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
