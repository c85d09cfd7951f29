// A worker starting up gives every integration still connecting its
// ConnectIntegration, once, however often it runs; and no preview is left
// `running` without its workflow.
import { startPreview } from '../../src/client.js';
import { createIntegration, findIntegration } from '../../src/db/repositories/integrations.js';
import { createPreview, findPreview } from '../../src/db/repositories/previews.js';
import { createLogger } from '../../src/logger.js';
import { reconcileConnectWorkflows } from '../../src/temporal/reconcile.js';
import { reconcilePreviews } from '../../src/temporal/reconcile-previews.js';
import { connectWorkflowId, previewWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { TOGGLES_OFF } from '../support/database.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'reconcile', corfixAccounts: ['acc_orphan', 'acc_orphan_preview'] });
  await h.startWorker();
});
afterAll(async () => h?.stop());

test('an integration saved without its workflow gets one, and only one', async () => {
  const company = h.procore.state.addCompany({ name: 'Orphaned' });
  h.procore.state.generateProjects(company.id, 2);
  // As if the API had died between saving the integration and starting its workflow.
  const orphan = await createIntegration(h.t.db, {
    corfixAccountId: 'acc_orphan',
    procoreCompanyId: String(company.id),
    ...TOGGLES_OFF,
  });
  const logger = createLogger('silent', 'test');
  const first = await reconcileConnectWorkflows(h.t.db, h.temporal.client, h.taskQueue, logger);
  const second = await reconcileConnectWorkflows(h.t.db, h.temporal.client, h.taskQueue, logger);
  expect(first.ensured).toEqual([orphan.id]);
  // A second pass joins the running workflow (or finds the integration live already): never a second run.
  expect([[orphan.id], []]).toContainEqual(second.ensured);
  expect(second.repaired).toEqual([]);

  await h.connectResult(orphan.id);
  expect((await findIntegration(h.t.db, orphan.id))?.status).toBe('active');
  const runs: string[] = [];
  for await (const w of h.temporal.client.workflow.list({ query: `WorkflowId = "${connectWorkflowId(orphan.id)}"` })) runs.push(w.runId);
  expect(runs).toHaveLength(1);
  // Live now: what a pass makes sure of is its two continuous syncs, already running (started by the connect).
  expect(await reconcileConnectWorkflows(h.t.db, h.temporal.client, h.taskQueue, logger)).toEqual({ ensured: [orphan.id], repaired: [], skipped: [] });
  for (const id of [userSyncWorkflowId(orphan.id), projectSyncWorkflowId(orphan.id)]) {
    const runs: string[] = [];
    for await (const w of h.temporal.client.workflow.list({ query: `WorkflowId = "${id}"` })) runs.push(w.runId);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect((await h.temporal.client.workflow.getHandle(id).describe()).status.name).toBe('RUNNING');
  }
});

test('a preview saved without its workflow gets one; one whose workflow was terminated is failed with a sentence, not left running', async () => {
  const company = h.procore.state.addCompany({ name: 'Previewed' });
  h.procore.state.generateProjects(company.id, 2);
  const request = { corfixAccountId: 'acc_orphan_preview', procoreCompanyId: String(company.id), ...TOGGLES_OFF };
  const logger = createLogger('silent', 'test');
  // As if the API had died between saving the preview and starting its workflow.
  const orphan = await createPreview(h.t.db, request);
  const terminated = await createPreview(h.t.db, request);
  await startPreview(h.temporal.client, 'a-queue-no-worker-polls', terminated);
  await h.temporal.client.workflow.getHandle(previewWorkflowId(terminated.id)).terminate('an operator ended it');

  const pass = await reconcilePreviews(h.t.db, h.temporal.client, h.taskQueue, logger, { savedBeforeMs: 0 });
  expect(pass).toEqual({ started: [orphan.id], failed: [terminated.id], skipped: [] });
  await h.temporal.client.workflow.getHandle(previewWorkflowId(orphan.id)).result();
  expect((await findPreview(h.t.db, orphan.id))?.state).toBe('completed');
  expect(await findPreview(h.t.db, terminated.id)).toMatchObject({
    state: 'failed',
    error: 'The preview workflow ended (terminated) before it finished; ask for a new preview',
  });
  // Nothing left to do: the next pass changes nothing.
  expect(await reconcilePreviews(h.t.db, h.temporal.client, h.taskQueue, logger, { savedBeforeMs: 0 })).toEqual({ started: [], failed: [], skipped: [] });
});
