// InitialSync on Temporal's time-skipping test server with fake activities:
// how long it waits between attempts, how it fails, what it carries over
// continue-as-new and what the progress query says. The server skips the
// waits, so minutes of workflow time take milliseconds. The tests see the
// workflow only from outside: its type and input, the `progress` query, the
// activities it calls, its search attributes and its failure.
// (test/sync/initial-sync.test.ts runs the real activities end to end.)
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../src/activities/activity-support.js';
import { classifyFailure } from '../../src/procore/transport.js';
import { SyncStateKey } from '../../src/temporal/search-attributes.js';
import { clock, env, pageOf, retryable, useTimeSkipping, waitsInSeconds, withInitialSync, type Call, type Progress } from './support.js';

useTimeSkipping();

test('a page that was rate limited is tried again after exactly the Retry-After', async () => {
  const calls: Call[] = [];
  await withInitialSync(
    {
      syncProjectPage: async (input) => {
        calls.push(await clock());
        if (calls.length === 1) throw retryable({ retryAfterMs: 7_000 });
        return pageOf(input);
      },
    },
    (handle) => handle.result(),
  );
  expect(waitsInSeconds(calls)).toEqual([7]);
});

test('without a Retry-After the waits double from 1 s and stop growing at 5 minutes', async () => {
  const calls: Call[] = [];
  await withInitialSync(
    {
      syncProjectPage: async (input) => {
        calls.push(await clock());
        if (calls.length <= 12) throw retryable({});
        return pageOf(input);
      },
    },
    (handle) => handle.result(),
  );
  expect(waitsInSeconds(calls)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
});

test('a page that gets further before each failure starts its backoff afresh: a limit met now and then costs what it asks each time', async () => {
  // A large page under an intermittent rate limit (npm run chaos: a few 429s on every Corfix
  // page): each attempt finishes more entities before the next 429. Growing the wait there
  // would reach 5 minutes per 429 although the page never stopped moving.
  const calls: Call[] = [];
  await withInitialSync(
    {
      syncProjectPage: async (input) => {
        calls.push(await clock());
        if (calls.length <= 8) throw retryable({ retryAfterMs: 1_000, resume: { page: input.page, resumeAfterId: `p${calls.length}` } });
        return pageOf(input);
      },
    },
    (handle) => handle.result(),
  );
  expect(waitsInSeconds(calls)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
});

test('a page that fails again at the same entity doubles its wait, whatever it said to resume from', async () => {
  const calls: Call[] = [];
  await withInitialSync(
    {
      syncProjectPage: async (input) => {
        calls.push(await clock());
        if (calls.length <= 5) throw retryable({ resume: { page: input.page, resumeAfterId: 'p1' } });
        return pageOf(input);
      },
    },
    (handle) => handle.result(),
  );
  expect(waitsInSeconds(calls)).toEqual([1, 2, 4, 8, 16]);
});

test('a permanent failure fails the sync with the API sentence and SyncState "failed"', async () => {
  const sentence = 'Procore said 403: the app is no longer installed in this company';
  const reported: { integrationId: string; message: string }[] = [];
  const { error, syncState } = await withInitialSync(
    {
      syncProjectPage: async () => {
        throw ApplicationFailure.create({ type: 'ApiError', message: sentence, nonRetryable: true });
      },
      failInitialSync: async (input) => {
        reported.push(input);
      },
    },
    async (handle) => ({
      error: await handle.result().catch((e: unknown) => e),
      syncState: (await handle.describe()).typedSearchAttributes.get(SyncStateKey),
    }),
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause?.message).toContain(sentence);
  expect(syncState).toBe('failed');
  expect(reported).toEqual([{ integrationId: 'int-1', message: expect.stringContaining(sentence) }]);
});

test('the counts survive continue-as-new', async () => {
  // The test server suggests continue-as-new once a run's history passes
  // 4 MiB (or 4,096 events): pages with a 500 kB result (under the SDK's
  // payload warning limit) get there in nine.
  const seenBefore: number[] = [];
  const { firstRun, progress } = await withInitialSync(
    {
      syncProjectPage: async (input) => {
        seenBefore.push(input.pagesDoneBefore);
        return Object.assign(pageOf(input, 10), { padding: 'x'.repeat(500_000) });
      },
    },
    async (handle) => {
      const progress = (await handle.result()) as Progress;
      const firstRun = await env.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
      return { firstRun, progress };
    },
  );
  expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
  expect(seenBefore).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  expect(progress.projects).toEqual({ pagesDone: 10, entitiesDone: 10, created: 10 });
});

test('the progress query tells how far a running sync is', async () => {
  let entered!: () => void;
  let release!: () => void;
  const pageThreeStarted = new Promise<void>((resolve) => (entered = resolve));
  const pageThreeMayFinish = new Promise<void>((resolve) => (release = resolve));
  const { during, after } = await withInitialSync(
    {
      syncProjectPage: async (input) => {
        if (input.page === 3) {
          entered();
          await pageThreeMayFinish;
        }
        return pageOf(input, 3);
      },
    },
    async (handle) => {
      await pageThreeStarted;
      const during = await handle.query<Progress>('progress');
      release();
      return { during, after: (await handle.result()) as Progress };
    },
  );
  expect(during).toMatchObject({ phase: 'projects', nextPage: 3, projects: { pagesDone: 2, entitiesDone: 2, created: 2 } });
  expect(after).toMatchObject({ phase: 'done', projects: { pagesDone: 3, entitiesDone: 3, created: 3 } });
});

test('an unexpected error (a bug, unreadable data) stops the sync after three attempts, with a sentence', async () => {
  let calls = 0;
  const unexpected = () =>
    ApplicationFailure.create({
      type: 'UnexpectedError',
      message: 'An unexpected TypeError in syncProjectPage; see the worker log',
      details: [{ unexpected: true }],
    });
  const { error, syncState } = await withInitialSync(
    {
      syncProjectPage: async (input) => {
        calls += 1;
        // Bounded, so that a workflow that retries for ever still ends the test.
        if (calls <= 20) throw unexpected();
        return pageOf(input);
      },
    },
    async (handle) => ({
      error: await handle.result().catch((e: unknown) => e),
      syncState: (await handle.describe()).typedSearchAttributes.get(SyncStateKey),
    }),
  );
  expect(calls).toBe(3);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause?.message).toContain('unexpected TypeError');
  expect(syncState).toBe('failed');
});

test('a refusal someone must fix (a Procore 403 on the users list) waits minutes with SyncState "retrying", then goes on by itself', async () => {
  const operation = 'GET /rest/v1.3/companies/7/users';
  const refusal = () =>
    toFailure(
      classifyFailure({ status: 403, headers: {}, body: '{"errors":"Forbidden"}' }, { api: 'Procore', operation }, '7', Date.now()),
    );
  const calls: Call[] = [];
  const seen: Array<{ progress: Progress; syncState: unknown }> = [];
  const done = await withInitialSync(
    {
      syncUserPage: async (input) => {
        if (input.list === 'inactive') return pageOf(input);
        calls.push(await clock());
        if (calls.length <= 2) throw refusal();
        return pageOf(input);
      },
      recordSyncProblem: async () => {
        const handle = env.client.workflow.getHandle(Context.current().info.workflowExecution?.workflowId as string);
        seen.push({
          progress: await handle.query<Progress>('progress'),
          syncState: (await handle.describe()).typedSearchAttributes.get(SyncStateKey),
        });
      },
    },
    async (handle) => (await handle.result()) as Progress,
  );
  const sentence = `Procore refused ${operation} (403): the app's service account needs the Directory tool's read permission in this company; retrying every 5 minutes`;
  expect(seen[0]).toMatchObject({
    progress: { state: 'retrying', problem: `${sentence} (attempt 1; next try in 300 s)` },
    syncState: 'retrying',
  });
  expect(waitsInSeconds(calls)).toEqual([300, 300]);
  expect(done).toMatchObject({ phase: 'done', state: 'ok' });
});

test('a Corfix snapshot cut by an outage goes on with its own generation, and every page reads that one', async () => {
  const snapshotInputs: Array<{ resume?: { generation: number } | null }> = [];
  const generations: Array<number | null | undefined> = [];
  await withInitialSync(
    {
      takeCorfixSnapshot: async (input) => {
        snapshotInputs.push(input);
        if (snapshotInputs.length === 1) throw retryable({ resume: { generation: 6 } });
        return { generation: input.resume?.generation ?? 1 };
      },
      syncProjectPage: async (input) => {
        generations.push(input.snapshotGeneration);
        return pageOf(input, 2);
      },
      syncUserPage: async (input) => {
        generations.push(input.snapshotGeneration);
        return pageOf(input);
      },
    },
    (handle) => handle.result(),
  );
  expect(snapshotInputs.map((i) => i.resume ?? null)).toEqual([null, { generation: 6 }]);
  // two project pages, one active and one inactive user page
  expect(generations).toEqual([6, 6, 6, 6]);
});
