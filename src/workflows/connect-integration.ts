// ConnectIntegration: what pressing Connect sets in motion. The initial sync
// runs as a child; when it completes the integration is live. (The continuous
// syncs are not built yet: see the project's issues.)
import { ApplicationFailure, ChildWorkflowFailure, executeChild, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import { initialSyncWorkflowId } from '../temporal/workflow-ids.js';
import { bookkeeping } from './activity-options.js';
import { InitialSync } from './initial-sync.js';
import { showSync } from './sync-run.js';

const record = proxyActivities<InitialSyncActivities>(bookkeeping);

export interface ConnectInput {
  integrationId: string;
}

export async function ConnectIntegration(input: ConnectInput): Promise<void> {
  const { integrationId } = input;
  try {
    await executeChild(InitialSync, {
      workflowId: initialSyncWorkflowId(integrationId),
      args: [{ integrationId }],
      // The ids an operator filters by follow the child; phase and state are its own.
      typedSearchAttributes: workflowInfo().typedSearchAttributes.updateCopy([]),
    });
  } catch (error) {
    showSync(undefined, 'failed');
    const reason = error instanceof ChildWorkflowFailure && error.cause ? error.cause.message : String(error);
    throw ApplicationFailure.nonRetryable(reason, 'ConnectFailed');
  }
  await record.markIntegrationActive({ integrationId });
  showSync('done', 'ok');
}
