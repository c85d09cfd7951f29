// ConnectIntegration: what pressing Connect sets in motion. The initial sync
// runs as a child; when it completes the integration is live, and the two
// continuous syncs (workers and projects) keep it in step from then on. They
// are started by an activity with the client (as the reconciler starts them),
// not as children: they outlive this workflow by months.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  workflowInfo,
} from '@temporalio/workflow';
import type { ContinuousSyncActivities } from '../activities/continuous-sync.js';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import { initialSyncWorkflowId } from '../temporal/workflow-ids.js';
import { bookkeeping } from './activity-options.js';
import { InitialSync } from './initial-sync.js';
import { integrationIds, showSync } from './sync-run.js';
import { purposeLine } from './sync-words.js';

const record = proxyActivities<InitialSyncActivities & ContinuousSyncActivities>(bookkeeping);
// A few tries: without webhooks the continuous syncs still poll, so a refusal must not stop the connect.
const hooks = proxyActivities<ContinuousSyncActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export interface ConnectInput {
  integrationId: string;
}

/**
 * Steps added after connects were already running (test/workflows/histories/clean-connect.history):
 * a connect that began before a step existed replays without it (the reconciler
 * starts its continuous syncs; its changes are polled for, with no hook).
 */
export const CONNECT_PATCHES = {
  registerProcoreWebhooks: 'connect-registers-procore-webhooks',
  startContinuousSyncs: 'connect-starts-continuous-syncs',
} as const;

export async function ConnectIntegration(input: ConnectInput): Promise<void> {
  const { integrationId } = input;
  const ids = integrationIds(integrationId);
  const now = (step: string) => setCurrentDetails(`${purposeLine({ kind: 'connect' }, ids)}\nNow: ${step}`);
  now('registering the Procore webhooks');
  // Before the initial sync, so that a change made while it runs is announced too (it waits in the inbox).
  if (patched(CONNECT_PATCHES.registerProcoreWebhooks)) {
    await hooks.registerProcoreWebhooks({ integrationId }).catch((error: unknown) => {
      if (isCancellation(error)) throw error;
      log.warn('Procore webhooks could not be registered; the continuous syncs poll on their interval instead', {
        integrationId,
        reason: error instanceof ActivityFailure && error.cause ? error.cause.message : String(error),
      });
    });
  }
  try {
    now(`the initial sync runs as its own workflow, ${initialSyncWorkflowId(integrationId)}: its details say how far it is`);
    await executeChild(InitialSync, {
      workflowId: initialSyncWorkflowId(integrationId),
      args: [{ integrationId }],
      staticSummary: purposeLine({ kind: 'initial-sync' }, ids),
      // The ids an operator filters by follow the child; phase and state are its own.
      typedSearchAttributes: workflowInfo().typedSearchAttributes.updateCopy([]),
    });
  } catch (error) {
    showSync(undefined, 'failed');
    now('stopped: the initial sync did not finish (its workflow and the status API say why); connect again to start over');
    const ending = endingNotRecorded(error);
    if (ending) await CancellationScope.nonCancellable(() => record.failInitialSync({ integrationId, message: ending }));
    if (isCancellation(error)) throw error;
    const reason = error instanceof ChildWorkflowFailure && error.cause ? error.cause.message : String(error);
    throw ApplicationFailure.nonRetryable(reason, 'ConnectFailed');
  }
  now('marking the integration active and starting its continuous syncs');
  await record.markIntegrationActive({ integrationId });
  if (patched(CONNECT_PATCHES.startContinuousSyncs)) await record.startContinuousSyncs({ integrationId });
  showSync('done', 'ok');
  now('done: the integration is live; its continuous syncs keep it in step (user-sync/… and project-sync/… of this integration)');
}

/**
 * The sentence for an initial sync that ended without recording why: it was
 * terminated or timed out (no workflow code ran), or cancelled before it began.
 * A sync that failed or was cancelled while running said so itself.
 */
function endingNotRecorded(error: unknown): string | undefined {
  const cause = error instanceof ChildWorkflowFailure ? error.cause : error;
  if (cause instanceof TerminatedFailure) {
    return 'The initial sync was terminated (by an operator or by Temporal) before it finished; connect again to start over';
  }
  if (cause instanceof TimeoutFailure) return 'The initial sync timed out before it finished; connect again to start over';
  if (isCancellation(error)) return 'The initial sync was cancelled before it finished; connect again to start over';
  return undefined;
}
