// The reconciler's one activity: a pass of src/temporal/reconcile.ts. It
// returns counts only (ids go to the log), so history stays small, and the
// interval the worker is configured with, so a changed RECONCILE_INTERVAL
// applies from the next pass of the running reconciler. It heartbeats while
// it runs, so a pass whose worker died is retried within the workflow's
// heartbeat timeout rather than its ten-minute start-to-close timeout (every
// pass, the hand-over of Corfix form events included, would wait that long).
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { handOverWaitingFormEvents } from '../temporal/hand-over-form-events.js';
import { reconcileConnectWorkflows } from '../temporal/reconcile.js';
import { reconcilePreviews } from '../temporal/reconcile-previews.js';

export interface ReconcileDependencies {
  db: Database;
  logger: Logger;
  temporal: { client: Client; taskQueue: string };
  /** RECONCILE_INTERVAL */
  reconcileIntervalMs: number;
}

export interface ReconcilePass {
  ensured: number;
  repaired: number;
  skipped: number;
  /** Corfix form events (and retries) handed to their workflows: Temporal had not taken them in time */
  formEventsHandedOver: number;
  /** previews whose workflow was missing (started) or had closed unseen (failed) */
  previewsReconciled: number;
  /** how long to wait before the next pass */
  intervalMs: number;
}

/** How often a running pass says it is alive (the workflow's heartbeat timeout is a few times this). */
export const RECONCILE_HEARTBEAT_MS = 5_000;

export function createReconcileActivities(deps: ReconcileDependencies) {
  async function reconcilePass(): Promise<ReconcilePass> {
    const result = await reconcileConnectWorkflows(deps.db, deps.temporal.client, deps.temporal.taskQueue, deps.logger);
    if (result.repaired.length > 0 || result.skipped.length > 0) deps.logger.warn(result, 'integrations reconciled with Temporal');
    const forms = await handOverWaitingFormEvents(deps.db, deps.temporal.client, deps.temporal.taskQueue, deps.logger);
    if (forms.handedOver + forms.failed > 0) deps.logger.warn(forms, 'Corfix form events handed over by the reconciler');
    const previews = await reconcilePreviews(deps.db, deps.temporal.client, deps.temporal.taskQueue, deps.logger);
    const previewsReconciled = previews.started.length + previews.failed.length;
    if (previewsReconciled + previews.skipped.length > 0) deps.logger.warn(previews, 'previews reconciled with Temporal');
    return {
      formEventsHandedOver: forms.handedOver,
      previewsReconciled,
      ensured: result.ensured.length,
      repaired: result.repaired.length,
      skipped: result.skipped.length,
      intervalMs: deps.reconcileIntervalMs,
    };
  }

  return {
    async reconcileIntegrations(): Promise<ReconcilePass> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), RECONCILE_HEARTBEAT_MS);
      try {
        return await reconcilePass();
      } finally {
        clearInterval(beat);
      }
    },
  };
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
