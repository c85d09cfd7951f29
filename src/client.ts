// The ways into the workflows, typed: how the API, the worker's reconciler and
// operators' scripts start a connect and ask a sync how it is going. Nothing
// else names a workflow type or builds a workflow id by hand.
import { Client, Connection, WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import type { Integration } from './db/repositories/integrations.js';
import { temporalConnectionOptions, type TemporalSettings } from './temporal/connection.js';
import { CorfixAccountIdKey, IntegrationIdKey, ProcoreCompanyIdKey, SyncPhaseKey, SyncStateKey } from './temporal/search-attributes.js';
import { connectWorkflowId, initialSyncWorkflowId, reconcileWorkflowId } from './temporal/workflow-ids.js';
import type { ConnectIntegration } from './workflows/connect-integration.js';
import type { ReconcileIntegrations } from './workflows/reconcile-integrations.js';
import { progressQuery, type InitialSyncProgress } from './workflows/initial-sync.js';

export interface TemporalClient {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporalClient(settings: TemporalSettings): Promise<TemporalClient> {
  const connection = await Connection.connect(await temporalConnectionOptions(settings));
  const client = new Client({ connection, namespace: settings.TEMPORAL_NAMESPACE });
  return { client, taskQueue: settings.TEMPORAL_TASK_QUEUE, close: () => connection.close() };
}

/** Starts the integration's ConnectIntegration workflow (on Connect, and from the reconciler). */
export async function startConnect(temporal: Client, taskQueue: string, integration: Integration): Promise<void> {
  await temporal.workflow.start<typeof ConnectIntegration>('ConnectIntegration', {
    taskQueue,
    workflowId: connectWorkflowId(integration.id),
    // Idempotent start: a second start (a retried request, the reconciler)
    // joins the running one, and a finished one is never run again.
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    args: [{ integrationId: integration.id }],
    typedSearchAttributes: [
      { key: IntegrationIdKey, value: integration.id },
      { key: CorfixAccountIdKey, value: integration.corfixAccountId },
      { key: ProcoreCompanyIdKey, value: integration.procoreCompanyId },
      { key: SyncPhaseKey, value: 'projects' },
      { key: SyncStateKey, value: 'ok' },
    ],
    memo: { generation: integration.generation },
  });
}

/** The initial sync's progress, straight from its workflow (the API reads Postgres instead). */
export async function initialSyncProgress(temporal: Client, integrationId: string): Promise<InitialSyncProgress> {
  return temporal.workflow.getHandle(initialSyncWorkflowId(integrationId)).query(progressQuery);
}

/** Starts the task queue's ReconcileIntegrations workflow, or joins the one running. */
export async function startReconciler(temporal: Client, taskQueue: string): Promise<void> {
  await temporal.workflow.start<typeof ReconcileIntegrations>('ReconcileIntegrations', {
    taskQueue,
    workflowId: reconcileWorkflowId(taskQueue),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    // One that ended (an operator terminated it) is started again by the next worker.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
  });
}
