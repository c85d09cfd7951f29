// The continuous syncs' loop (src/workflows/continuous-sync.ts) on the
// time-skipping server with fake activities (continuous-support.ts): how
// cycles follow one another, what wakes them, what pauses and ends them,
// what a failure does, and what a run carries into the next. No Postgres,
// no simulators. Time stands still unless a test awaits the workflow's
// result or sleeps on the test server (env.sleep): a test that sends a
// signal and sees a cycle start knows the signal started it.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { SyncPhaseKey, SyncStateKey } from '../../src/temporal/search-attributes.js';
import { FakeLoop, HOUR, MINUTE, ended, finishCounts, gate, isWaiting, pageCounts, statusOf, until, waitingAfter, withLoop } from './continuous-support.js';
import { env, historiesOfRuns, restartTimeSkipping, retryable, useTimeSkipping, waitsInSeconds } from './support.js';

useTimeSkipping();

const runLengths = async (handle: WorkflowHandleWithFirstExecutionRunId) =>
  (await historiesOfRuns(handle.workflowId, handle.firstExecutionRunId)).map((h) => h.events?.length ?? 0);

const searchAttributes = async (handle: WorkflowHandleWithFirstExecutionRunId) => {
  const attributes = (await handle.describe()).typedSearchAttributes;
  return { phase: attributes.get(SyncPhaseKey), state: attributes.get(SyncStateKey) };
};

/** Ends the loop as a disconnect does in Postgres: the next run's load answers `gone`. */
const stopAfter = (loop: FakeLoop, cycles: number) => {
  loop.onFinish = (cycle) => {
    if (cycle >= cycles) loop.status = 'gone';
  };
};

/**
 * Each wait is `seconds`, to the second the measure allows: a wait is workflow
 * time less the real time that passed, read one after the other, so a loaded
 * machine (a CI run measured one of 299 waits as 59 s) moves it by a second.
 * A cycle missed or doubled is a whole poll interval off.
 */
const expectEachAbout = (waits: number[], seconds: number) =>
  expect(waits.filter((wait) => Math.abs(wait - seconds) > 1)).toEqual([]);

const appNotConnected = () =>
  ApplicationFailure.create({ type: 'AppNotConnected', message: 'App is not connected to this company', nonRetryable: true });

describe('cycles', () => {
  test('300 cycles one poll interval apart: each its own run, well under 2,000 events, none lost or doubled', async () => {
    const loop = new FakeLoop({ entity: 'projects', pollIntervalMs: MINUTE });
    stopAfter(loop, 300);
    const lengths = await withLoop(loop, async (handle) => {
      await ended(handle);
      return runLengths(handle);
    });
    expect(loop.begins).toHaveLength(300);
    expect(loop.finishes).toHaveLength(300);
    expect(loop.pageCalls).toHaveLength(300);
    // each cycle continued as new; the 301st run found the integration gone
    expect(lengths).toHaveLength(301);
    expect(Math.max(...lengths)).toBeLessThan(2_000);
    // one cycle per poll interval: the first at once, then 60 s apart
    expectEachAbout(waitsInSeconds(loop.begins), 60);
    // each cycle once: its own start, its own finish
    expect(new Set(loop.finishes.map((f) => f.input.startedAt)).size).toBe(300);
  }, 300_000);

  test.each([
    { skew: -10 * MINUTE, clock: 'behind' },
    { skew: 10 * MINUTE, clock: 'ahead of' },
  ])('with the worker clock 10 minutes $clock Temporal, cycles still come one poll interval apart', async ({ skew }) => {
    // beginCycle's startedAt comes from the worker's clock; the loop's timer runs on Temporal's.
    const loop = new FakeLoop({ entity: 'projects', pollIntervalMs: MINUTE });
    loop.workerClockSkewMs = skew;
    stopAfter(loop, 5);
    await withLoop(loop, (handle) => ended(handle));
    const waits = waitsInSeconds(loop.begins);
    expect(waits).toHaveLength(4);
    expectEachAbout(waits, 60);
  });

  test('each cycle reads from the cursor the previous one ended with; the first from Postgres', async () => {
    const loop = new FakeLoop({ entity: 'users', pages: 2, pollIntervalMs: MINUTE });
    const initial = loop.cursor;
    stopAfter(loop, 4);
    await withLoop(loop, (handle) => ended(handle));
    expect(loop.begins).toHaveLength(4);
    const expected = [initial, ...loop.finishes.slice(0, 3).map((f) => f.result.cursor)];
    for (const [i, cursor] of expected.entries()) {
      const pages = loop.pagesOfCycle(i);
      // two lists of two pages each, all from the same cursor
      expect(pages.map((p) => [p.list, p.page, p.since])).toEqual([
        ['active', 1, cursor],
        ['active', 2, cursor],
        ['inactive', 1, cursor],
        ['inactive', 2, cursor],
      ]);
    }
  });

  test('the status query answers the cursor, the cycles done and the last cycle\'s counts', async () => {
    const loop = new FakeLoop({ entity: 'users', pages: 3 });
    const status = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await waitingAfter(handle, 2);
      const status = await statusOf(handle);
      await handle.signal('disconnect');
      await ended(handle);
      return status;
    });
    const last = loop.finishes[1];
    expect(status).toMatchObject({
      entity: 'users',
      phase: 'waiting',
      state: 'ok',
      cursor: last?.result.cursor,
      cycles: 2,
      paused: false,
      lastCycle: {
        // 3 pages of each list, one record each, plus what finishCycle counted
        listed: 6 * pageCounts().listed,
        updated: 6 * pageCounts().updated,
        blocked: finishCounts().blocked,
        created: 0,
        unblocked: 0,
        decided: 0,
        at: loop.begins[1]?.startedAt,
        full: false,
      },
    });
  });
});

describe('what wakes a cycle', () => {
  test('procoreChange and settingsChanged during the wait start a cycle at once, not after the poll interval', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await waitingAfter(handle, 2);
      await handle.signal('settingsChanged');
      await waitingAfter(handle, 3);
      await handle.signal('disconnect');
      await ended(handle);
    });
    const waits = loop.begins.slice(1).map((b, i) => b.workflowMs - (loop.begins[i]?.workflowMs ?? 0));
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeLessThan(MINUTE);
  });

  test('several signals during a cycle give exactly one more cycle after it', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const during = gate();
    loop.page = async (input) => {
      if (loop.begins.length === 2 && input.list === 'active') await during.pass();
      return loop.pageOf(input);
    };
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await during.reached;
      for (const signal of ['procoreChange', 'procoreChange', 'settingsChanged', 'procoreChange']) await handle.signal(signal);
      during.release();
      await waitingAfter(handle, 3);
      // half a poll interval later: no fourth cycle
      await env.sleep(HOUR / 2);
      expect(loop.begins).toHaveLength(3);
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.finishes).toHaveLength(3);
  });

  test('a signal sent while a run continues as new is not lost', async () => {
    // Each cycle's finishCycle sends a procoreChange as it returns: it reaches the run
    // just before, during or after its continue-as-new; every one must give a cycle.
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const signals = 15;
    let handle!: WorkflowHandleWithFirstExecutionRunId;
    // The test server (not Temporal's) can refuse a signal in the instant between two runs
    // ("Completed workflow"): the sender is told, and sends again (a lost signal is one accepted and never acted on).
    const send = (): Promise<void> =>
      handle.signal('procoreChange').catch(async (error: unknown) => {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return send();
      });
    loop.onFinish = (cycle) => {
      if (cycle <= signals) setTimeout(() => void send(), cycle % 5);
    };
    await withLoop(loop, async (h) => {
      handle = h;
      await waitingAfter(handle, signals + 1);
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.finishes).toHaveLength(signals + 1);
    for (const [i, begin] of loop.begins.slice(1).entries()) {
      expect(begin.workflowMs - (loop.begins[i]?.workflowMs ?? 0)).toBeLessThan(MINUTE);
    }
  });

  test('resync makes the next cycle full (since: null), and the one after reads from its cursor again', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const status = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('resync');
      await waitingAfter(handle, 2);
      await handle.signal('procoreChange');
      await waitingAfter(handle, 3);
      const status = await statusOf(handle);
      await handle.signal('disconnect');
      await ended(handle);
      return status;
    });
    expect(loop.finishes.map((f) => f.input.full)).toEqual([false, true, false]);
    expect(loop.pagesOfCycle(1).map((p) => p.since)).toEqual([null, null]);
    expect(loop.pagesOfCycle(2).map((p) => p.since)).toEqual([loop.finishes[1]?.result.cursor, loop.finishes[1]?.result.cursor]);
    expect(status.reconciledAt).toBe(loop.begins[1]?.startedAt);
  });

  test('a resync Postgres holds but whose signal never came (Temporal did not answer the API): the next run makes its cycle full, once', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      // Saved by the API after the last reconciliation; the signal was lost.
      loop.resyncRequestedAt = new Date(await env.currentTimeMs()).toISOString();
      await env.sleep(HOUR);
      await waitingAfter(handle, 3);
      await env.sleep(HOUR);
      await waitingAfter(handle, 4);
      await handle.signal('disconnect');
      await ended(handle);
    });
    // The run waiting when it was saved had read Postgres already: its cycle is plain; the next run's is full, and only that one.
    expect(loop.finishes.map((f) => f.input.full)).toEqual([false, false, true, false]);
  });

  test.each([
    // age of the last reconciliation at the first load -> the cycles (10 min apart) that are full, with a 1 h interval
    { ago: 2 * HOUR, full: [0, 6, 12] },
    { ago: 30 * MINUTE, full: [3, 9] },
    { ago: null, full: [0, 6, 12] },
  ])('a full cycle comes when the last reconciliation is older than the interval (last one $ago ms ago), and not otherwise', async ({ ago, full }) => {
    const loop = new FakeLoop({ pollIntervalMs: 10 * MINUTE, reconcileIntervalMs: HOUR, reconciledAgoMs: ago });
    stopAfter(loop, 14);
    await withLoop(loop, (handle) => ended(handle));
    const flags = loop.finishes.map((f) => f.input.full);
    expect(flags.flatMap((isFull, i) => (isFull ? [i] : []))).toEqual(full);
    for (const [i, isFull] of flags.entries()) {
      expect(loop.pagesOfCycle(i).every((p) => (p.since === null) === isFull)).toBe(true);
    }
  });
});

describe('pause, resume, disconnect', () => {
  test('pause during the wait holds the loop: nothing is read for hours, until resume; then cycles go on', async () => {
    const loop = new FakeLoop({ pollIntervalMs: MINUTE });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('pause');
      await waitingAfter(handle, 1, 'paused');
      await env.sleep(3 * HOUR);
      expect(loop.begins).toHaveLength(1);
      expect(loop.pageCalls).toHaveLength(2);
      expect(await statusOf(handle)).toMatchObject({ phase: 'paused', paused: true, cycles: 1 });
      expect(await searchAttributes(handle)).toEqual({ phase: 'paused', state: 'ok' });

      await handle.signal('resume');
      await waitingAfter(handle, 2);
      expect(await statusOf(handle)).toMatchObject({ paused: false });
      // three poll intervals and a half: three cycles
      await env.sleep(3.5 * MINUTE);
      await waitingAfter(handle, 5);
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.finishes).toHaveLength(5);
    expect(loop.recoveries).toBe(0);
  });

  test('a pause that follows a resume holds (a resume that ended no wait does not end a later one)', async () => {
    const loop = new FakeLoop({ pollIntervalMs: MINUTE });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      // An operator resumes a loop that is not paused (both loops are told; one was running).
      await handle.signal('resume');
      await waitingAfter(handle, 2);
      await handle.signal('pause');
      await waitingAfter(handle, 2, 'paused');
      await env.sleep(HOUR);
      expect(await statusOf(handle)).toMatchObject({ phase: 'paused', paused: true, cycles: 2 });
      expect(loop.begins).toHaveLength(2);
      await handle.signal('disconnect');
      await ended(handle);
    });
  });

  test('a paused loop that keeps receiving webhooks still keeps each run under 2,000 events', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR, status: 'paused' });
    const lengths = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 0, 'paused');
      // webhooks one after another, the loop taking each batch before the next comes
      for (let i = 1; i <= 1_500; i += 1) {
        await handle.signal('procoreChange');
        // A hang guard: on a loaded CI machine a batch can take far longer than the 10 s default.
        if (i % 50 === 0) await until('the signals taken', () => isWaiting(handle), 60_000);
      }
      await handle.signal('disconnect');
      await ended(handle);
      return runLengths(handle);
    });
    expect(Math.max(...lengths)).toBeLessThan(2_000);
    expect(loop.begins).toHaveLength(0);
  }, 240_000);

  test.each(['pause', 'disconnect'])(
    'a cycle cut by continue-as-new is not gone on with when a %s arrives as the next run starts',
    async (signal) => {
      // Pages of 500 kB: the test server suggests continue-as-new after about nine, and the cycle goes on in the next run.
      const loop = new FakeLoop({ entity: 'projects', pages: 14, pollIntervalMs: HOUR });
      loop.page = async (input) => Object.assign(loop.pageOf(input), { padding: 'x'.repeat(500_000) });
      let handle!: WorkflowHandleWithFirstExecutionRunId;
      let pagesWhenSignalled = 0;
      // The second run: the signal reaches it while it reads Postgres, before any cycle scope exists.
      loop.onLoad = async (load) => {
        if (load !== 2) return;
        pagesWhenSignalled = loop.pageCalls.length;
        await handle.signal(signal);
      };
      const status = await withLoop(loop, async (h) => {
        handle = h;
        if (signal === 'disconnect') {
          await ended(handle);
          return null;
        }
        await waitingAfter(handle, 0, 'paused');
        return statusOf(handle);
      });
      expect(loop.loads).toHaveLength(2);
      expect(pagesWhenSignalled).toBeGreaterThan(1);
      expect(pagesWhenSignalled).toBeLessThan(14);
      expect(loop.pageCalls).toHaveLength(pagesWhenSignalled);
      expect(loop.finishes).toHaveLength(0);
      if (status) expect(status).toMatchObject({ paused: true, cycles: 0, cycle: null });
    },
    30_000,
  );

  test('disconnect during the wait ends the workflow, completed', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const description = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('disconnect');
      await ended(handle);
      return handle.describe();
    });
    expect(description.status.name).toBe('COMPLETED');
    expect(loop.begins).toHaveLength(1);
  });

  test('disconnect while paused ends the workflow, completed', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR, status: 'paused' });
    const description = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 0, 'paused');
      await handle.signal('disconnect');
      await ended(handle);
      return handle.describe();
    });
    expect(description.status.name).toBe('COMPLETED');
    expect(loop.begins).toHaveLength(0);
  });
});

describe('a pause or a disconnect while a page is read', () => {
  // These leave a cancelled activity running after its run closed: the next test gets a fresh server.
  afterEach(restartTimeSkipping);

  test('pause cancels the cycle under way; after the resume the cycle starts over from the same cursor', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const during = gate();
    loop.page = async (input) => {
      if (loop.begins.length === 2 && input.list === 'inactive') await during.pass();
      return loop.pageOf(input);
    };
    const cancelled = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await during.reached;
      const cutRun = (await handle.describe()).runId;
      await handle.signal('pause');
      await waitingAfter(handle, 1, 'paused');
      const pagesWhenPaused = loop.pageCalls.length;
      expect(await statusOf(handle)).toMatchObject({ phase: 'paused', paused: true, cycles: 1 });
      during.release();

      await handle.signal('resume');
      await waitingAfter(handle, 2);
      expect(loop.pageCalls).toHaveLength(pagesWhenPaused + 2);
      await handle.signal('disconnect');
      await ended(handle);
      const cut = await env.client.workflow.getHandle(handle.workflowId, cutRun).fetchHistory();
      return cut.events?.filter((e) => e.activityTaskCancelRequestedEventAttributes).length;
    });
    // the page under way was cancelled, the cycle not finished; the next one read both lists again from the same cursor
    expect(cancelled).toBe(1);
    expect(loop.begins).toHaveLength(3);
    expect(loop.finishes).toHaveLength(2);
    const cursor = loop.finishes[0]?.result.cursor;
    expect(loop.pagesOfCycle(1).map((p) => [p.list, p.since])).toEqual([
      ['active', cursor],
      ['inactive', cursor],
    ]);
    expect(loop.pagesOfCycle(2).map((p) => [p.list, p.since])).toEqual([
      ['active', cursor],
      ['inactive', cursor],
    ]);
  });

  test('disconnect mid-cycle ends the workflow, completed, without finishing the cycle', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    const during = gate();
    loop.page = async (input) => {
      if (loop.begins.length === 2) await during.pass();
      return loop.pageOf(input);
    };
    const description = await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await during.reached;
      await handle.signal('disconnect');
      await ended(handle);
      during.release();
      return handle.describe();
    });
    expect(description.status.name).toBe('COMPLETED');
    expect(loop.begins).toHaveLength(2);
    expect(loop.finishes).toHaveLength(1);
  });
});

describe('failures', () => {
  test('a permanent failure is recorded with its sentence and holds the loop until resume; then cycles go on', async () => {
    const loop = new FakeLoop({ pollIntervalMs: MINUTE });
    let refuse = false;
    loop.page = async (input) => {
      if (refuse) throw appNotConnected();
      return loop.pageOf(input);
    };
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      refuse = true;
      await handle.signal('procoreChange');
      await waitingAfter(handle, 1, 'paused');
      expect(loop.failures).toEqual([{ integrationId: 'int-1', message: 'App is not connected to this company' }]);
      expect(await statusOf(handle)).toMatchObject({ state: 'failed', problem: 'App is not connected to this company', phase: 'paused' });
      expect(await searchAttributes(handle)).toEqual({ phase: 'paused', state: 'failed' });

      // hours later, nothing has been tried
      const pagesWhenFailed = loop.pageCalls.length;
      await env.sleep(3 * HOUR);
      expect(loop.pageCalls).toHaveLength(pagesWhenFailed);

      // the app is installed again; an operator resumes
      refuse = false;
      await handle.signal('resume');
      await waitingAfter(handle, 2);
      expect(loop.recoveries).toBe(1);
      // the integration is out of error in Postgres too
      expect(loop.status).toBe('active');
      expect(await statusOf(handle)).toMatchObject({ state: 'ok', problem: null });
      expect(await searchAttributes(handle)).toEqual({ phase: 'waiting', state: 'ok' });
      // and the cycles go on by themselves, one a minute
      await env.sleep(5.5 * MINUTE);
      await waitingAfter(handle, 7);
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.failures).toHaveLength(1);
  });

  test('a resume that came before the failure does not release it', async () => {
    const loop = new FakeLoop({ pollIntervalMs: MINUTE });
    const during = gate();
    loop.page = async (input) => {
      if (loop.begins.length === 2) {
        await during.pass();
        throw appNotConnected();
      }
      return loop.pageOf(input);
    };
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await during.reached;
      await handle.signal('resume');
      during.release();
      await waitingAfter(handle, 1, 'paused');
      await env.sleep(HOUR);
      expect(loop.begins).toHaveLength(2);
      expect(await statusOf(handle)).toMatchObject({ state: 'failed', phase: 'paused' });
      await handle.signal('disconnect');
      await ended(handle);
    });
  });

  test('a retryable failure is tried again after the delay it asked for, in plain sight', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    let failures = 0;
    loop.page = async (input) => {
      if (loop.begins.length === 2 && input.list === 'active' && failures < 1) {
        failures += 1;
        throw retryable({ retryAfterMs: 7_000 });
      }
      return loop.pageOf(input);
    };
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await until('retrying', async () => loop.problems.length === 1 && (await isWaiting(handle)));
      expect(await statusOf(handle)).toMatchObject({ state: 'retrying', problem: 'Procore is busy (attempt 1; next try in 7 s)' });
      await env.sleep(10_000);
      await waitingAfter(handle, 2);
      expect(await statusOf(handle)).toMatchObject({ state: 'ok', problem: null });
      await handle.signal('disconnect');
      await ended(handle);
    });
    const attempts = loop.pagesOfCycle(1).filter((p) => p.list === 'active');
    expect(attempts).toHaveLength(2);
    expect(waitsInSeconds(attempts)).toEqual([7]);
    expect(loop.problems).toEqual([{ integrationId: 'int-1', message: 'Procore is busy (attempt 1; next try in 7 s)', nextTryAt: expect.any(String) }]);
    expect(loop.recoveries).toBe(1);
    expect(loop.failures).toEqual([]);
  });

  test('a pause during a retry wait, then a resume and a clean cycle: the loop is well again, not "retrying"', async () => {
    const loop = new FakeLoop({ pollIntervalMs: HOUR });
    let failing = true;
    loop.page = async (input) => {
      if (failing && loop.begins.length === 2) throw retryable({ retryAfterMs: 10 * MINUTE });
      return loop.pageOf(input);
    };
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await until('retrying', async () => loop.problems.length === 1 && (await isWaiting(handle)));
      await handle.signal('pause');
      await waitingAfter(handle, 1, 'paused');
      failing = false;
      await handle.signal('resume');
      await waitingAfter(handle, 2);
      expect(await statusOf(handle)).toMatchObject({ state: 'ok', problem: null });
      expect(await searchAttributes(handle)).toEqual({ phase: 'waiting', state: 'ok' });
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.recoveries).toBe(1);
  });
});

describe('what Postgres says when a run starts', () => {
  test('gone: the workflow ends at once, completed, having read nothing', async () => {
    const loop = new FakeLoop({ status: 'gone' });
    const description = await withLoop(loop, async (handle) => {
      await ended(handle);
      return handle.describe();
    });
    expect(description.status.name).toBe('COMPLETED');
    expect(loop.begins).toHaveLength(0);
  });

  test('paused: it starts paused, and cycles once resumed', async () => {
    const loop = new FakeLoop({ status: 'paused', pollIntervalMs: HOUR });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 0, 'paused');
      await env.sleep(2 * HOUR);
      expect(loop.begins).toHaveLength(0);
      expect(await statusOf(handle)).toMatchObject({ paused: true, state: 'ok' });
      loop.status = 'active';
      await handle.signal('resume');
      await waitingAfter(handle, 1);
      await handle.signal('disconnect');
      await ended(handle);
    });
    expect(loop.recoveries).toBe(0);
  });

  test('error (the other loop failed): it starts held, and cycles once resumed', async () => {
    const loop = new FakeLoop({ status: 'error', pollIntervalMs: MINUTE });
    await withLoop(loop, async (handle) => {
      await waitingAfter(handle, 0, 'paused');
      await env.sleep(2 * HOUR);
      expect(loop.begins).toHaveLength(0);
      expect(await statusOf(handle)).toMatchObject({ state: 'failed' });
      expect(await searchAttributes(handle)).toEqual({ phase: 'paused', state: 'failed' });
      await handle.signal('resume');
      await waitingAfter(handle, 1);
      expect(loop.recoveries).toBe(1);
      expect(loop.status).toBe('active');
      await env.sleep(3.5 * MINUTE);
      await waitingAfter(handle, 4);
      await handle.signal('disconnect');
      await ended(handle);
    });
  });
});
