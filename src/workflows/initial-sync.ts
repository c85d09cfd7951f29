// InitialSync: every Procore project, then every active and every inactive
// Procore user, one activity per page. Each project and user gets one
// decision, and only what the rules allow is created in Corfix
// (docs/rules.md). The bookkeeping an operator sees (progress, search
// attributes, visible retries, continue-as-new) lives in sync-run.ts.
import { continueAsNew, defineQuery, patched, proxyActivities } from '@temporalio/workflow';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import type { SnapshotResume } from '../activities/initial-sync-types.js';
import { bookkeeping, summarized, syncWork } from './activity-options.js';
import { decidedLine, everyPage, freshPageWalk, type PageWalkProgress } from './page-walk.js';
import { integrationIds, SyncRun } from './sync-run.js';
import { purposeLine } from './sync-words.js';

const sync = proxyActivities<InitialSyncActivities>(syncWork);
const record = proxyActivities<InitialSyncActivities>(bookkeeping);

export interface InitialSyncProgress extends PageWalkProgress {
  serviceAccountUserId: string | null;
  /** the Corfix snapshot every page reads (null until taken; absent in syncs begun before snapshots) */
  snapshotGeneration?: number | null;
}

export interface InitialSyncInput {
  integrationId: string;
  /** carried over continue-as-new */
  progress?: InitialSyncProgress;
}

export const progressQuery = defineQuery<InitialSyncProgress>('progress');

/**
 * Steps added after initial syncs were already running
 * (test/workflows/histories/clean-initial-sync.history): a sync that began
 * before a step existed replays without it (its pages take the snapshot themselves).
 */
export const INITIAL_SYNC_PATCHES = {
  corfixSnapshot: 'initial-sync-takes-corfix-snapshot',
} as const;

export async function InitialSync(input: InitialSyncInput): Promise<InitialSyncProgress> {
  const { integrationId } = input;
  const purpose = purposeLine({ kind: 'initial-sync' }, integrationIds(integrationId));
  const run = new SyncRun(input.progress ?? freshProgress(), {
    query: progressQuery,
    describe: (progress) => [purpose, decidedLine(progress, 'created')],
    recordProblem: (message, nextTryAt) => record.recordSyncProblem({ integrationId, message, nextTryAt }),
    recordRecovered: () => record.recordSyncRecovered({ integrationId }),
    recordFailure: (message) => record.failInitialSync({ integrationId, message }),
    failure: {
      type: 'InitialSyncFailed',
      prefix: 'The initial sync stopped',
      cancelled: 'The initial sync was cancelled before it finished; connect again to start over',
    },
    continueAsNew: (progress) => continueAsNew<typeof InitialSync>({ integrationId, progress }),
  });
  const { progress } = run;

  return run.stopOnPermanentFailure(async () => {
    // Begin: the sync is running, and the app's own Procore user is known (never synced).
    progress.serviceAccountUserId ??= (
      await run.step('begin the initial sync (the app\'s own Procore user)', (_resume, summary) =>
        sync.beginInitialSync.executeWithOptions(summarized(syncWork, summary), [{ integrationId }]),
      )
    ).serviceAccountUserId;
    // What the Corfix account holds, read once; every page then reads its own keys of it.
    if (patched(INITIAL_SYNC_PATCHES.corfixSnapshot)) {
      progress.snapshotGeneration ??= (
        await run.step<SnapshotResume, SnapshotResume>('Corfix snapshot', (resume, summary) =>
          sync.takeCorfixSnapshot.executeWithOptions(summarized(syncWork, summary), [{ integrationId, resume: resume ?? null }]),
        )
      ).generation;
    }
    const snapshotGeneration = progress.snapshotGeneration ?? null;

    await everyPage(run, 'projects', (page, perPage, resumeAfterId, summary) =>
      sync.syncProjectPage.executeWithOptions(summarized(syncWork, summary), [
        { integrationId, page, perPage, pagesDoneBefore: progress.projects.pagesDone, resumeAfterId, snapshotGeneration },
      ]),
    );
    for (const list of ['active', 'inactive'] as const) {
      await everyPage(run, list, (page, perPage, resumeAfterId, summary) =>
        sync.syncUserPage.executeWithOptions(summarized(syncWork, summary), [
          {
            integrationId,
            list,
            page,
            perPage,
            pagesDoneBefore: progress.users.pagesDone,
            serviceAccountUserId: progress.serviceAccountUserId as string,
            resumeAfterId,
            snapshotGeneration,
          },
        ]),
      );
    }

    await record.completeInitialSync({ integrationId });
    run.enterPhase('done');
    return progress;
  });
}


function freshProgress(): InitialSyncProgress {
  return { ...freshPageWalk(), serviceAccountUserId: null, snapshotGeneration: null };
}
