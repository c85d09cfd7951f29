// Walking Procore's lists page by page, one activity per page: the initial
// sync's projects, then its active and inactive users, and a preview's the
// same way (it decides what the initial sync would). The progress says where
// the walk is, so a run continued as new goes on from there.
import type { PageResult, PageResume } from '../activities/initial-sync-types.js';
import type { SyncReport, SyncRun } from './sync-run.js';
import { pageSummary } from './sync-words.js';

export interface PageWalkProgress extends SyncReport {
  /** which user list is being walked */
  userList: 'active' | 'inactive';
  nextPage: number;
  /** the page size nextPage counts in; null (or absent, from older runs): the list's largest */
  perPage?: number | null;
  /** how many pages the list being walked has, once Procore said (absent in older runs) */
  totalPages?: number | null;
  projects: { pagesDone: number; entitiesDone: number; created: number };
  users: { pagesDone: number; entitiesDone: number; created: number };
}

/** A walk not begun: projects first, page 1. */
export function freshPageWalk(): PageWalkProgress {
  return {
    phase: 'projects',
    state: 'ok',
    userList: 'active',
    nextPage: 1,
    perPage: null,
    projects: { pagesDone: 0, entitiesDone: 0, created: 0 },
    users: { pagesDone: 0, entitiesDone: 0, created: 0 },
    problem: null,
    attempt: 0,
  };
}

/** The counts line of a walk's current details: entities decided, and made (`made` says how: "created", "would be created"). */
export function decidedLine(progress: PageWalkProgress, made: string): string {
  const { projects, users } = progress;
  const pages = (n: number) => `${n} ${n === 1 ? 'page' : 'pages'}`;
  return (
    `Projects: ${projects.entitiesDone} decided, ${projects.created} ${made} (${pages(projects.pagesDone)}). ` +
    `Users: ${users.entitiesDone} decided, ${users.created} ${made} (${pages(users.pagesDone)})`
  );
}

export type PageList = 'projects' | 'active' | 'inactive';

const LIST_WORDS: Record<PageList, string> = { projects: 'projects', active: 'active users', inactive: 'inactive users' };

/** Is the walk on this list (a run continued-as-new may start past it)? */
function isWalking(progress: PageWalkProgress, list: PageList): boolean {
  return list === 'projects' ? progress.phase === 'projects' : progress.phase === 'users' && progress.userList === list;
}

/**
 * Walks one Procore list page by page from where the progress says, then
 * moves the progress to the start of the next list. A retried page resumes
 * after the last entity its failed attempt finished.
 */
export async function everyPage<P extends PageWalkProgress>(
  run: SyncRun<P>,
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
