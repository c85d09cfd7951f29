// `npm run record-histories`: records the workflow histories that
// test/workflows/replay.test.ts replays, from the workflows as they are now.
// Record again only on purpose, after a change that is meant to be
// incompatible with running workflows (and then version it: running
// histories in production cannot be recorded again).
import { writeFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { env, historiesOfRuns, pageFailingFor, pageOf, retryable, startTimeSkipping, withWorkflow } from './support.js';

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

await startTimeSkipping();
try {
  // A clean connect: two project pages, two active and one inactive user page.
  await withWorkflow(
    'ConnectIntegration',
    'connect/int-1',
    {
      syncProjectPage: async (input) => pageOf(input, 2),
      syncUserPage: async (input) => pageOf(input, input.list === 'active' ? 2 : 1),
    },
    finish,
  );
  await save('clean-connect', 'connect/int-1');
  await save('clean-initial-sync', 'initial-sync/int-1');

  // A sync that retries: two rate limits with a delay, one outage without, then it recovers.
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

  // An outage of hours: the run continues as new inside the wait.
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
} finally {
  await env.teardown();
}
