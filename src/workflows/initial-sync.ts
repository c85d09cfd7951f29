// InitialSync: projects, then users (active, then inactive), one activity per
// Procore page. Reads like the seed: every Procore project and user gets one
// decision, and only what the rules allow is created in Corfix.
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  allHandlersFinished,
  condition,
} from '@temporalio/workflow';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import type { PageResult, PageResume } from '../activities/initial-sync-types.js';
import { SyncPhaseKey, SyncStateKey } from '../temporal/search-attributes.js';
import { describeFailure, patientStep, reportedResume } from './patient-step.js';

const sync = proxyActivities<InitialSyncActivities>({
  // A page of 1,000 users with one Corfix create each, paced by Procore's budget.
  startToCloseTimeout: '1 hour',
  // Activities heartbeat every 2 s: a silent one has lost its worker.
  heartbeatTimeout: '10 seconds',
  // One attempt per call: patientStep decides retries, so the workflow knows it waits.
  retry: { maximumAttempts: 1 },
});

const bookkeeping = proxyActivities<InitialSyncActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export type SyncPhase = 'projects' | 'users' | 'done';
export type SyncState = 'ok' | 'retrying' | 'failed';

export interface InitialSyncProgress {
  phase: SyncPhase;
  state: SyncState;
  /** which user list is being walked */
  userList: 'active' | 'inactive';
  nextPage: number;
  projects: { pagesDone: number; entitiesDone: number; created: number };
  users: { pagesDone: number; entitiesDone: number; created: number };
  serviceAccountUserId: string | null;
  /** the last problem in words, while retrying or after failing */
  problem: string | null;
  attempt: number;
}

export interface InitialSyncInput {
  integrationId: string;
  /** carried over continue-as-new */
  progress?: InitialSyncProgress;
}

export const progressQuery = defineQuery<InitialSyncProgress>('progress');

const fresh = (): InitialSyncProgress => ({
  phase: 'projects',
  state: 'ok',
  userList: 'active',
  nextPage: 1,
  projects: { pagesDone: 0, entitiesDone: 0, created: 0 },
  users: { pagesDone: 0, entitiesDone: 0, created: 0 },
  serviceAccountUserId: null,
  problem: null,
  attempt: 0,
});

export async function InitialSync(input: InitialSyncInput): Promise<InitialSyncProgress> {
  const { integrationId } = input;
  const progress = input.progress ?? fresh();
  setHandler(progressQuery, () => progress);

  const setPhase = (phase: SyncPhase) => {
    progress.phase = phase;
    upsertSearchAttributes([{ key: SyncPhaseKey, value: phase }]);
  };
  const setState = (state: SyncState) => {
    progress.state = state;
    upsertSearchAttributes([{ key: SyncStateKey, value: state }]);
  };
  const hooks = {
    onRetry: async (retry: { message: string; delayMs: number; attempt: number }) => {
      progress.problem = `${retry.message} (attempt ${retry.attempt}; next try in ${Math.ceil(retry.delayMs / 1000)} s)`;
      progress.attempt = retry.attempt;
      if (progress.state !== 'retrying') setState('retrying');
      await bookkeeping.recordSyncProblem({ integrationId, message: progress.problem });
    },
    onRecovered: async () => {
      progress.attempt = 0;
      setState('ok');
    },
    resumeFrom: (failure: ActivityFailure) => reportedResume<PageResume>(failure),
  };
  const pageStep = (run: (resumeAfterId: string | null) => Promise<PageResult>) =>
    patientStep<PageResult, PageResume>((resume) => run(resume?.page === progress.nextPage ? resume.resumeAfterId : null), hooks);

  upsertSearchAttributes([
    { key: SyncPhaseKey, value: progress.phase },
    { key: SyncStateKey, value: progress.state },
  ]);

  try {
    if (progress.serviceAccountUserId === null) {
      const start = await patientStep(() => sync.beginInitialSync({ integrationId }), hooks);
      progress.serviceAccountUserId = start.serviceAccountUserId;
    }

    while (progress.phase === 'projects') {
      const result = await pageStep((resumeAfterId) =>
        sync.syncProjectPage({ integrationId, page: progress.nextPage, pagesDoneBefore: progress.projects.pagesDone, resumeAfterId }),
      );
      progress.projects.pagesDone += 1;
      progress.projects.entitiesDone = result.entitiesDone;
      progress.projects.created += result.created;
      if (result.nextPage === null) {
        progress.nextPage = 1;
        setPhase('users');
      } else {
        progress.nextPage = result.nextPage;
      }
      await continueAsNewIfSuggested(input, progress);
    }

    while (progress.phase === 'users') {
      const list = progress.userList;
      const serviceAccountUserId = progress.serviceAccountUserId as string;
      const result = await pageStep((resumeAfterId) =>
        sync.syncUserPage({
          integrationId,
          list,
          page: progress.nextPage,
          pagesDoneBefore: progress.users.pagesDone,
          serviceAccountUserId,
          resumeAfterId,
        }),
      );
      progress.users.pagesDone += 1;
      progress.users.entitiesDone = result.entitiesDone;
      progress.users.created += result.created;
      if (result.nextPage !== null) {
        progress.nextPage = result.nextPage;
      } else if (list === 'active') {
        progress.userList = 'inactive';
        progress.nextPage = 1;
      } else {
        await bookkeeping.completeInitialSync({ integrationId });
        setPhase('done');
      }
      await continueAsNewIfSuggested(input, progress);
    }
    return progress;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const message = describeFailure(error);
    progress.problem = message;
    setState('failed');
    await bookkeeping.failInitialSync({ integrationId, message });
    throw ApplicationFailure.nonRetryable(`The initial sync stopped: ${message}`, 'InitialSyncFailed');
  }
}

/** Keeps history small on very large companies: carry the progress into a fresh run. */
async function continueAsNewIfSuggested(input: InitialSyncInput, progress: InitialSyncProgress): Promise<void> {
  if (!workflowInfo().continueAsNewSuggested) return;
  await condition(allHandlersFinished);
  await continueAsNew<typeof InitialSync>({ integrationId: input.integrationId, progress });
}
