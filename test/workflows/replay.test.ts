// Recorded histories of a clean connect, a retrying sync and a sync that
// continued as new (test/workflows/histories/, `npm run record-histories`)
// replay against today's workflow code: a change that would break workflows
// already running in production fails here, before it is deployed.
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

test('the recorded histories cover a clean connect, a retrying sync and one that continued as new', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'clean-connect.history',
      'clean-initial-sync.history',
      'retrying-initial-sync.history',
      'continued-as-new-initial-sync-run-1.history',
      'continued-as-new-initial-sync-run-2.history',
    ]),
  );
});

test.each(files)('%s replays against the workflows as they are', async (file) => {
  const history = proto.temporal.api.history.v1.History.decode(readFileSync(new URL(file, folder)));
  await Worker.runReplayHistory({ workflowBundle, replayName: file }, history);
});
