// Postgres says which integrations exist; Temporal is made to agree with it,
// row by row, by the ReconcileIntegrations workflow every RECONCILE_INTERVAL:
// - an integration still connecting without its ConnectIntegration workflow
//   (an API that died between saving and starting) gets one;
// - one whose ConnectIntegration closed without saying so in Postgres
//   (terminated, timed out, hit the history limit) ends as `error` with a
//   sentence, so the account can connect again;
// - a live integration past its initial sync (active, paused, or in error
//   waiting for a resume) has its two continuous syncs running: started
//   again if they ended (terminated, a worker bug), joined if they run.
// A row that cannot be reconciled is logged and skipped: it never stops the others.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { startConnect, startContinuousSyncs } from '../client.js';
import type { Database } from '../db/database.js';
import { endStalledConnect, listIntegrationsInStatus, type Integration } from '../db/repositories/integrations.js';
import type { Logger } from '../logger.js';
import { connectWorkflowId } from './workflow-ids.js';

export interface Reconciliation {
  /** integrations whose ConnectIntegration, or whose continuous syncs, are now running (started, or found running) */
  ensured: string[];
  /** integrations whose ConnectIntegration had closed: now in error, with a sentence */
  repaired: string[];
  /** integrations that could not be reconciled this time (logged) */
  skipped: string[];
}

export async function reconcileConnectWorkflows(
  db: Database,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
): Promise<Reconciliation> {
  const result: Reconciliation = { ensured: [], repaired: [], skipped: [] };
  for (const integration of await listIntegrationsInStatus(db, ['connecting', 'initial_sync'])) {
    try {
      result[await reconcileOne(db, temporal, taskQueue, integration)].push(integration.id);
    } catch (error) {
      result.skipped.push(integration.id);
      logger.error({ err: error, integrationId: integration.id }, 'could not reconcile this integration with Temporal; trying again next time');
    }
  }
  for (const integration of await listIntegrationsInStatus(db, ['active', 'paused', 'error'])) {
    if (integration.initialSyncState !== 'completed') continue;
    try {
      await startContinuousSyncs(temporal, taskQueue, integration);
      result.ensured.push(integration.id);
    } catch (error) {
      result.skipped.push(integration.id);
      logger.error({ err: error, integrationId: integration.id }, 'could not make sure the continuous syncs run; trying again next time');
    }
  }
  return result;
}

async function reconcileOne(
  db: Database,
  temporal: Client,
  taskQueue: string,
  integration: Integration,
): Promise<'ensured' | 'repaired'> {
  const description = await describeIfExists(temporal, connectWorkflowId(integration.id));
  if (!description) {
    await startConnect(temporal, taskQueue, integration);
    return 'ensured';
  }
  if (description.status.name === 'RUNNING') return 'ensured';
  const ending = endingWords(description);
  await endStalledConnect(
    db,
    integration.id,
    `The connect workflow ended (${ending}) before the initial sync finished; connect again to start over`,
  );
  return 'repaired';
}

/** The workflow's description, or undefined when Temporal has none by that id. */
export async function describeIfExists(temporal: Client, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  return temporal.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
}

/** How a closed workflow ended, in words: "terminated", "timed out". */
export const endingWords = (description: WorkflowExecutionDescription) => description.status.name.toLowerCase().replace('_', ' ');
