// The connect of a bench run, measured the same way wherever a bench times
// an initial sync (bench:initial, bench:preview).
import type { Client } from '@temporalio/client';
import { startConnect } from '../src/client.js';
import { updateIntegration, type Integration } from '../src/db/repositories/integrations.js';
import type { LoggedRequest } from '../src/simulators/common/faults.js';
import { connectWorkflowId, initialSyncWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../src/temporal/workflow-ids.js';
import type { BenchStack } from './stack.js';

export interface MeasuredConnect<T> {
  /** from the connect's start to its end */
  wallMs: number;
  /** what `readAfter` read */
  read: T;
  /** Procore's requests from the connect's start until the initial sync closed */
  procoreRequests: LoggedRequest[];
}

/**
 * Starts the connect of `integration` and waits for its end; `readAfter`
 * reads what the caller measures of it while nothing else has happened yet.
 * The connect starts the continuous syncs as its last step, and their first
 * cycles may reach Procore before the counts are read: the initial sync's
 * own requests are those made before it closed. Measured, its continuous
 * syncs end, so that a later run's workers do not go on with them (a user
 * cycle reads every page of the company's inactive users) and the reconciler
 * does not start them again: the integration is marked disconnected.
 */
export async function measuredConnect<T>(
  stack: BenchStack,
  client: Client,
  integration: Integration,
  readAfter: () => Promise<T>,
): Promise<MeasuredConnect<T>> {
  const started = Date.now();
  await startConnect(client, stack.env.TEMPORAL_TASK_QUEUE, integration);
  await client.workflow.getHandle(connectWorkflowId(integration.id)).result();
  const wallMs = Date.now() - started;
  const read = await readAfter();
  const closedAt = (await client.workflow.getHandle(initialSyncWorkflowId(integration.id)).describe()).closeTime?.getTime() ?? Date.now();
  const procoreRequests = (await stack.procore.requestLog(started)).filter((r) => r.at <= closedAt);
  await Promise.all(
    [userSyncWorkflowId(integration.id), projectSyncWorkflowId(integration.id)].map((id) =>
      client.workflow.getHandle(id).terminate('the bench measured this sync').catch(() => undefined),
    ),
  );
  await updateIntegration(stack.db, integration.id, { status: 'disconnected' });
  return { wallMs, read, procoreRequests };
}
