// InitialSync: every Procore project, then every active and every inactive
// Procore user, one activity per page. Each project and user gets one
// decision, and only what the rules allow is created in Corfix
// (docs/rules.md). The bookkeeping an operator sees (progress, search
// attributes, visible retries, continue-as-new) lives in sync-run.ts.
import { continueAsNew, defineQuery, patched, proxyActivities } from '@temporalio/workflow';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import type { PageResult, PageResume, SnapshotResume } from '../activities/initial-sync-types.js';
import { bookkeeping, summarized, syncWork } from './activity-options.js';
import { integrationIds, SyncRun, type SyncReport } from './sync-run.js';
import { pageSummary, purposeLine } from './sync-words.js';

const sync = proxyActivities<InitialSyncActivities>(syncWork);
const record = proxyActivities<InitialSyncActivities>(bookkeeping);

export interface InitialSyncProgress extends SyncReport {
  /** which user list is being walked */
  userList: 'active' | 'inactive';
  nextPage: number;
  /** the page size nextPage counts in; null (or absent, from older runs): the list's largest */
  perPage?: number | null;
  /** how many pages the list being walked has, once Procore said (absent in older runs) */
  totalPages?: number | null;
  projects: { pagesDone: number; entitiesDone: number; created: number };
  users: { pagesDone: number; entitiesDone: number; created: number };
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
    describe: (progress) => [purpose, doneLine(progress)],
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

type PageList = 'projects' | 'active' | 'inactive';

const LIST_WORDS: Record<PageList, string> = { projects: 'projects', active: 'active users', inactive: 'inactive users' };

/** The counts line of the current details. */
function doneLine(progress: InitialSyncProgress): string {
  const { projects, users } = progress;
  const pages = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;
  return (
    `Projects: ${projects.entitiesDone} decided, ${projects.created} created (${pages(projects.pagesDone)}). ` +
    `Users: ${users.entitiesDone} decided, ${users.created} created (${pages(users.pagesDone)})`
  );
}

function freshProgress(): InitialSyncProgress {
  return {
    phase: 'projects',
    state: 'ok',
    userList: 'active',
    nextPage: 1,
    perPage: null,
    projects: { pagesDone: 0, entitiesDone: 0, created: 0 },
    users: { pagesDone: 0, entitiesDone: 0, created: 0 },
    serviceAccountUserId: null,
    snapshotGeneration: null,
    problem: null,
    attempt: 0,
  };
}

/** Is the sync on this list (a run continued-as-new may start past it)? */
function isWalking(progress: InitialSyncProgress, list: PageList): boolean {
  return list === 'projects' ? progress.phase === 'projects' : progress.phase === 'users' && progress.userList === list;
}

/**
 * Walks one Procore list page by page from where the progress says, then
 * moves the progress to the start of the next list. A retried page resumes
 * after the last entity its failed attempt finished.
 */
async function everyPage(
  run: SyncRun<InitialSyncProgress>,
  list: PageList,
  syncPage: (page: number, perPage: number | null, resumeAfterId: string | null, summary: string) => Promise<PageResult>,
): Promise<void> {
  const { progress } = run;
  if (!isWalking(progress, list)) return;
  for (;;) {
    const result = await run.step<PageResult, PageResume>(pageSummary(LIST_WORDS[list], progress.nextPage, progress.totalPages), (resume, summary) =>
      syncPage(progress.nextPage, progress.perPage ?? null, resume?.page === progress.nextPage ? resume.resumeAfterId : null, summary),
    );
    const counts = list === 'projects' ? progress.projects : progress.users;
    counts.pagesDone += 1;
    counts.entitiesDone = result.entitiesDone;
    counts.created += result.created;
    if (result.nextPage === null) break;
    progress.nextPage = result.nextPage;
    progress.perPage = result.perPage;
    progress.totalPages = result.totalPages ?? null;
    await run.continueAsNewIfSuggested();
  }
  progress.totalPages = null;
  if (list === 'projects') {
    progress.nextPage = 1;
    progress.perPage = null;
    run.enterPhase('users');
  } else if (list === 'active') {
    progress.userList = 'inactive';
    progress.nextPage = 1;
    progress.perPage = null;
  }
}
