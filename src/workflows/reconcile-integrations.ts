// ReconcileIntegrations: every interval, makes Temporal agree with Postgres
// (src/temporal/reconcile.ts says how), then sends the alerts
// (src/activities/alerts.ts). One per task queue; every worker starts it on
// start-up or joins the running one, so a repair never waits for a worker to
// restart, and an operator sees each pass in the Web UI.
import { continueAsNew, isCancellation, patched, proxyActivities, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts.js';
import type { ReconcileActivities } from '../activities/reconcile.js';
import { clockTime } from './sync-words.js';

const { reconcileIntegrations } = proxyActivities<ReconcileActivities>({
  // A pass walks every integration still connecting, one Temporal call each.
  startToCloseTimeout: '10 minutes',
  // The pass heartbeats every 5 s: one silent for 20 s lost its worker and is run again.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

// Short, and a few tries only: a receiver that is down must never hold up the
// reconciling. The notices it did not take stay unsent in Postgres and go at
// the next pass.
const { sendAlerts } = proxyActivities<AlertActivities>({
  // A notice's POST times out after 5 s, and a pass stops at the first one not taken.
  startToCloseTimeout: '1 minute',
  // The pass heartbeats after each notice.
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});

/**
 * Steps added while reconcilers were running (they run for months): a run
 * that began before a step existed replays without it, and takes it from its
 * next pass on.
 */
export const RECONCILE_PATCHES = {
  sendAlerts: 'reconcile-sends-alerts',
} as const;

/** About ten events a pass (fifteen with the alerts): a fresh run every hundred passes keeps history small. */
const PASSES_PER_RUN = 100;

export async function ReconcileIntegrations(): Promise<void> {
  for (let pass = 0; pass < PASSES_PER_RUN; pass += 1) {
    // The interval comes from the worker that ran the pass: a changed setting applies at once.
    const reconciled = await reconcileIntegrations();
    let alerts = 'alerts: none sent this pass';
    if (patched(RECONCILE_PATCHES.sendAlerts)) {
      try {
        const sent = await sendAlerts();
        alerts = `alerts: ${sent.opened} incidents opened, ${sent.recovered} recovered, ${sent.sent} notices sent, ${sent.waiting} waiting for the receiver`;
      } catch (error) {
        // The activity logged why; what it did not send is sent at the next pass.
        if (isCancellation(error)) throw error;
        alerts = 'alerts: the receiver did not take them; they go at the next pass';
      }
    }
    const next = clockTime(new Date(Date.now() + reconciled.intervalMs));
    setCurrentDetails(
      `Pass ${pass + 1} of this run at ${clockTime(new Date())}: ${reconciled.ensured} integrations running as Postgres says, ` +
        `${reconciled.repaired} repaired, ${reconciled.skipped} skipped (the worker's log says why), ` +
        `${reconciled.formEventsHandedOver} form events handed over; ${alerts}\nNext pass at ${next}`,
    );
    await sleep(reconciled.intervalMs, { summary: `next pass at ${next}` });
  }
  await continueAsNew<typeof ReconcileIntegrations>();
}
