// Starting an integration's ConnectIntegration workflow: from the API on Connect, and from
// the worker's reconciler for integrations whose workflow is missing.
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { Integration } from '../db/repositories/integrations.js';
import type { ConnectIntegration } from '../workflows/connect-integration.js';
import { CorfixAccountIdKey, IntegrationIdKey, ProcoreCompanyIdKey, SyncPhaseKey, SyncStateKey } from './search-attributes.js';
import { connectWorkflowId } from './workflow-ids.js';

export async function startConnectWorkflow(temporal: Client, taskQueue: string, integration: Integration): Promise<void> {
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
