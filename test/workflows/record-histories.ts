// `npm run record-histories`: records the workflow histories that
// test/workflows/replay.test.ts replays, from the workflows as they are now.
// `npm run record-histories -- <scenario> ...` records only those scenarios
// (their names are the keys of `scenarios` below).
// Record again only on purpose, after a change that is meant to be
// incompatible with running workflows (and then version it: running
// histories in production cannot be recorded again).
// clean-connect.history is no longer written here: it is the connect as it
// ran before its webhook and continuous-sync steps (versioned with patched()),
// kept to prove such connects still replay; connect-with-hooks.history is
// the connect as it runs now. Likewise clean-initial-sync.history is a sync
// from before its Corfix snapshot step; initial-sync-with-snapshot.history
// is the sync as it runs now.
import { writeFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ContinuousEntity } from '../../src/workflows/continuous-messages.js';
import { FakeLoop, MINUTE, ended, isWaiting, until, waitingAfter, withLoop } from './continuous-support.js';
import { FakeForm, gate, withForm } from './form-support.js';
import { env, historiesOfRuns, pageFailingFor, pageOf, retryable, startTimeSkipping, withPreview, withWorkflow } from './support.js';

const folder = new URL('./histories/', import.meta.url);

/** Writes the history of every run of the workflow, first to last. */
async function save(name: string, workflowId: string, firstRunId?: string): Promise<void> {
  const runs = await historiesOfRuns(workflowId, firstRunId);
  for (const [i, history] of runs.entries()) {
    const file = firstRunId ? `${name}-run-${i + 1}.history` : `${name}.history`;
    // Protobuf's own encoding: what Temporal stores, read back exactly.
    await writeFile(new URL(file, folder), proto.temporal.api.history.v1.History.encode(history).finish());
    console.log(`${file}: ${history.events?.length ?? 0} events`);
  }
}

const finish = (handle: WorkflowHandleWithFirstExecutionRunId) => handle.result();

/**
 * A continuous sync's life in a few cycles, one run each: the first cycle,
 * one a webhook wakes, one on the poll timer, a resync (full), a page
 * retried after a rate limit, a pause and a resume, a failure no retry
 * fixes and the resume after it, then the disconnect.
 */
async function recordLoop(entity: ContinuousEntity, name: string): Promise<void> {
  const loop = new FakeLoop({ entity, pollIntervalMs: MINUTE });
  let fail: 'rate limit' | 'app removed' | undefined;
  loop.page = async (input) => {
    const failing = fail;
    fail = undefined;
    if (failing === 'rate limit') throw retryable({ retryAfterMs: 7_000 });
    if (failing === 'app removed') {
      throw ApplicationFailure.create({ type: 'AppNotConnected', message: 'App is not connected to this company', nonRetryable: true });
    }
    return loop.pageOf(input);
  };
  const workflowId = `${entity === 'users' ? 'user' : 'project'}-sync/int-1`;
  const handle = await withLoop(
    loop,
    async (handle) => {
      await waitingAfter(handle, 1);
      await handle.signal('procoreChange');
      await waitingAfter(handle, 2);
      await env.sleep(1.5 * MINUTE);
      await waitingAfter(handle, 3);
      await handle.signal('resync');
      await waitingAfter(handle, 4);
      fail = 'rate limit';
      await handle.signal('procoreChange');
      await until('retrying', async () => loop.problems.length === 1 && (await isWaiting(handle)));
      await env.sleep(10_000);
      await waitingAfter(handle, 5);
      await handle.signal('pause');
      await waitingAfter(handle, 5, 'paused');
      await handle.signal('resume');
      await waitingAfter(handle, 6);
      fail = 'app removed';
      await handle.signal('procoreChange');
      await waitingAfter(handle, 6, 'paused');
      await handle.signal('resume');
      await waitingAfter(handle, 7);
      await handle.signal('disconnect');
      await ended(handle);
      return handle;
    },
    workflowId,
  );
  await save(name, workflowId, handle.firstExecutionRunId);
}

const scenarios: Record<string, () => Promise<void>> = {
  // A clean connect: two project pages, two active and one inactive user page.
  connect: async () => {
    await withWorkflow(
      'ConnectIntegration',
      'connect/int-1',
      {
        syncProjectPage: async (input) => pageOf(input, 2),
        syncUserPage: async (input) => pageOf(input, input.list === 'active' ? 2 : 1),
      },
      finish,
    );
    await save('connect-with-hooks', 'connect/int-1');
  },

  // A sync whose Corfix snapshot is cut once (a Corfix outage) and goes on with the same generation.
  snapshot: async () => {
    let attempts = 0;
    await withWorkflow(
      'InitialSync',
      'initial-sync/snapshot',
      {
        takeCorfixSnapshot: async (input) => {
          attempts += 1;
          if (attempts === 1) throw retryable({ resume: { generation: 3 } });
          return { generation: input.resume?.generation ?? 0 };
        },
        syncProjectPage: async (input) => pageOf(input, 2),
        syncUserPage: async (input) => pageOf(input, input.list === 'active' ? 2 : 1),
      },
      finish,
    );
    await save('initial-sync-with-snapshot', 'initial-sync/snapshot');
  },

  // A sync that retries: two rate limits with a delay, one outage without, then it recovers.
  retrying: async () => {
    let attempts = 0;
    await withWorkflow(
      'InitialSync',
      'retrying',
      {
        syncProjectPage: async (input) => {
          attempts += 1;
          if (attempts <= 2) throw retryable({ retryAfterMs: 7_000 });
          if (attempts === 3) throw retryable({});
          return pageOf(input);
        },
      },
      finish,
    );
    await save('retrying-initial-sync', 'retrying');
  },

  // An outage of hours: the run continues as new inside the wait.
  'continued-as-new': async () => {
    const outage = await withWorkflow(
      'InitialSync',
      'continued-as-new',
      { syncProjectPage: pageFailingFor(10 * 3_600_000, () => retryable({})) },
      async (handle) => {
        await handle.result();
        return handle;
      },
    );
    await save('continued-as-new-initial-sync', 'continued-as-new', outage.firstExecutionRunId);
  },

  // A preview: two project pages, two active and one inactive user page, one page rate limited on the way.
  preview: async () => {
    let attempts = 0;
    await withPreview(
      'preview/preview-1',
      {
        previewProjectPage: async (input) => {
          attempts += 1;
          if (attempts === 1) throw retryable({ retryAfterMs: 7_000 });
          return pageOf(input, 2);
        },
        previewUserPage: async (input) => pageOf(input, input.list === 'active' ? 2 : 1),
      },
      finish,
    );
    await save('clean-preview', 'preview/preview-1');
  },

  'continuous-user-sync': () => recordLoop('users', 'continuous-user-sync'),
  'continuous-project-sync': () => recordLoop('projects', 'continuous-project-sync'),

  // A form filed, with two revisions announced during its upload: one more upload (a new version), then done.
  'form-upload': async () => {
    const form = new FakeForm();
    const first = gate();
    form.answer = async (attempt) => {
      if (attempt.n === 1) await first.pass();
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, announce }) => {
      await first.reached;
      form.revision = 3;
      await announce(2);
      await announce(3);
      first.release();
      await ended(handle);
    });
    await save('clean-form-upload', form.workflowId);
  },

  // A form upload that retries: a rate limit with a delay, an outage without, then it is filed.
  'retrying-form-upload': async () => {
    const form = new FakeForm();
    form.answer = async (attempt) => {
      if (attempt.n === 1) throw retryable({ retryAfterMs: 7_000 });
      if (attempt.n === 2) throw retryable({});
      return form.file(attempt.read);
    };
    await withForm(form, (d) => ended(d.handle));
    await save('retrying-form-upload', form.workflowId);
  },

  // A form refused for good (failed, paused), then an operator's retry: recovered and filed.
  'failed-form-upload': async () => {
    const form = new FakeForm();
    form.answer = async (attempt) => {
      if (attempt.n === 1) {
        throw ApplicationFailure.create({ type: 'RequestRejectedError', message: 'Procore POST /rest/v1.0/files was rejected with 422', nonRetryable: true });
      }
      return form.file(attempt.read);
    };
    await withForm(form, async ({ handle, retry }) => {
      await until('failed', async () => form.failures.length === 1 && (await isWaiting(handle)));
      await retry();
      await ended(handle);
    });
    await save('failed-form-upload', form.workflowId);
  },
};

const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in scenarios));
if (unknown.length > 0) throw new Error(`no such scenario: ${unknown.join(', ')} (there are: ${Object.keys(scenarios).join(', ')})`);

await startTimeSkipping();
try {
  for (const [name, record] of Object.entries(scenarios)) {
    if (chosen.length === 0 || chosen.includes(name)) await record();
  }
} finally {
  await env.teardown();
}
