// Postgres says which integrations exist; Temporal is reconciled against it.
// On start a worker makes sure every integration still connecting has its
// ConnectIntegration (an API that died between saving and starting leaves one
// without), so nothing stays half made.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import { listIntegrationsInStatus } from '../db/repositories/integrations.js';
import type { Logger } from '../logger.js';
import { startConnect } from '../client.js';

export interface Reconciliation {
  /** integrations whose ConnectIntegration is now running (started, or found running) */
  ensured: string[];
  /** integrations still marked connecting whose ConnectIntegration already ended */
  ended: string[];
}

export async function reconcileConnectWorkflows(
  db: Database,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
): Promise<Reconciliation> {
  const result: Reconciliation = { ensured: [], ended: [] };
  for (const integration of await listIntegrationsInStatus(db, ['connecting', 'initial_sync'])) {
    try {
      await startConnect(temporal, taskQueue, integration);
      result.ensured.push(integration.id);
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // It ran to its end without saying so in Postgres: an operator must look.
      result.ended.push(integration.id);
      logger.warn(
        { integrationId: integration.id, status: integration.status },
        'integration is still marked as connecting but its ConnectIntegration has ended; see it in the Web UI',
      );
    }
  }
  return result;
}
