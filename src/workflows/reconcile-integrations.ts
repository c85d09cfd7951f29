// ReconcileIntegrations: every interval, makes Temporal agree with Postgres
// (src/temporal/reconcile.ts says how). One per task queue; every worker
// starts it on start-up or joins the running one, so a repair never waits
// for a worker to restart, and an operator sees each pass in the Web UI.
import { continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile.js';

const { reconcileIntegrations } = proxyActivities<ReconcileActivities>({
  // A pass walks every integration still connecting, one Temporal call each.
  startToCloseTimeout: '10 minutes',
  // The pass heartbeats every 5 s: one silent for 20 s lost its worker and is run again.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** About ten events a pass: a fresh run every hundred passes keeps history small. */
const PASSES_PER_RUN = 100;

export async function ReconcileIntegrations(): Promise<void> {
  for (let pass = 0; pass < PASSES_PER_RUN; pass += 1) {
    // The interval comes from the worker that ran the pass: a changed setting applies at once.
    const { intervalMs } = await reconcileIntegrations();
    await sleep(intervalMs);
  }
  await continueAsNew<typeof ReconcileIntegrations>();
}
