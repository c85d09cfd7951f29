// Recorded histories of a clean connect, a retrying sync, a sync that
// continued as new, the two continuous syncs over a few cycles (a
// webhook, a resync, a retry, a pause and a resume, a failure and the
// resume after it, a disconnect) and three form uploads (a clean one with
// a second revision coalesced, a retried one, one failed for good and then
// retried by an operator) (test/workflows/histories/,
// `npm run record-histories`) replay against today's workflow code: a
// change that would break workflows already running in production fails
// here, before it is deployed. clean-connect.history is a connect from
// before its webhook and continuous-sync steps: connects that began then
// must still replay (the steps are versioned with patched()).
import { readdirSync, readFileSync } from 'node:fs';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowsSourcePath } from '../../src/worker.js';

const folder = new URL('./histories/', import.meta.url);
const files = readdirSync(folder).filter((f) => f.endsWith('.history')).sort();
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  workflowBundle = await bundleWorkflowCode({ workflowsPath: workflowsSourcePath(), logger: silent });
});

const runsOf = (name: string, runs: number) => Array.from({ length: runs }, (_, i) => `${name}-run-${i + 1}.history`);

test('the recorded histories cover a connect and an initial sync (before and after their new steps), a retrying sync, one that continued as new, both continuous syncs, form uploads and a preview', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'clean-connect.history',
      'connect-with-hooks.history',
      'clean-initial-sync.history',
      'initial-sync-with-snapshot.history',
      'retrying-initial-sync.history',
      'continued-as-new-initial-sync-run-1.history',
      'continued-as-new-initial-sync-run-2.history',
      ...runsOf('continuous-user-sync', 9),
      ...runsOf('continuous-project-sync', 9),
      'clean-form-upload.history',
      'retrying-form-upload.history',
      'failed-form-upload.history',
      'clean-preview.history',
    ]),
  );
});

test.each(files)('%s replays against the workflows as they are', async (file) => {
  const history = proto.temporal.api.history.v1.History.decode(readFileSync(new URL(file, folder)));
  await Worker.runReplayHistory({ workflowBundle, replayName: file }, history);
});
