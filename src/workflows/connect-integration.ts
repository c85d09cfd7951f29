// ConnectIntegration: what pressing Connect sets in motion. The initial sync
// runs as a child; when it completes the integration is live. (The continuous
// syncs are not built yet: see the project's issues.)
import { ApplicationFailure, ChildWorkflowFailure, executeChild, proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import { SyncPhaseKey, SyncStateKey } from '../temporal/search-attributes.js';
import { initialSyncWorkflowId } from '../temporal/workflow-ids.js';
import { InitialSync } from './initial-sync.js';

const bookkeeping = proxyActivities<InitialSyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

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
    upsertSearchAttributes([{ key: SyncStateKey, value: 'failed' }]);
    const reason = error instanceof ChildWorkflowFailure && error.cause ? error.cause.message : String(error);
    throw ApplicationFailure.nonRetryable(reason, 'ConnectFailed');
  }
  await bookkeeping.markIntegrationActive({ integrationId });
  upsertSearchAttributes([
    { key: SyncPhaseKey, value: 'done' },
    { key: SyncStateKey, value: 'ok' },
  ]);
}
