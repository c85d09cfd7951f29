// The loop both continuous syncs share (docs/design.md, Workflows): wait for
// the poll interval, a webhook or an operator; run one cycle (what changed
// since the cursor, plus the inbox; a full reconciliation when it is due or
// asked for); continue as new, so no run's history grows however long the
// integration lives. Paused, or stopped by a failure no retry can fix (the
// app removed from the company), it waits for a resume instead of retrying.
import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  type QueryDefinition,
} from '@temporalio/workflow';
import type { ContinuousSyncActivities } from '../activities/continuous-sync.js';
import type { ChangeList, ChangePageInput, ChangePageResult, CycleStart } from '../activities/continuous-sync-types.js';
import type { PageResume } from '../activities/initial-sync-types.js';
import type { InitialSyncActivities } from '../activities/initial-sync.js';
import { bookkeeping, summarized, syncWork } from './activity-options.js';
import {
  disconnectSignal,
  noCounts,
  pauseSignal,
  procoreChangeSignal,
  resumeSignal,
  resyncSignal,
  settingsChangedSignal,
  statusQuery,
  type ContinuousEntity,
  type ContinuousSyncStatus,
  type CycleCounts,
} from './continuous-messages.js';
import { integrationIds, SyncRun } from './sync-run.js';
import { clockTime, pageSummary, purposeLine } from './sync-words.js';

const sync = proxyActivities<ContinuousSyncActivities>(syncWork);
const record = proxyActivities<ContinuousSyncActivities & InitialSyncActivities>(bookkeeping);

/** Where a cycle stands, carried over continue-as-new when a long one is cut. */
interface CycleInProgress {
  full: boolean;
  start: CycleStart | null;
  /** index into the entity's lists */
  listIndex: number;
  page: number;
  perPage: number | null;
  /** how many pages the list being walked has, once Procore said (absent in older runs) */
  totalPages?: number | null;
  counts: CycleCounts;
}

export interface ContinuousState extends ContinuousSyncStatus {
  lastCycleStartedAt: string | null;
  /** a resume arrived and the wait has not yet ended on it */
  resumeRequested: boolean;
  cycle: CycleInProgress | null;
}

export interface ContinuousInput {
  integrationId: string;
  /** carried over continue-as-new */
  state?: ContinuousState;
}

/** What differs between the user loop and the project loop. */
export interface ContinuousSpec {
  entity: ContinuousEntity;
  /** the lists a cycle walks, in order */
  lists: readonly ChangeList[];
  /** one page of a list; `summary` is the words the Web UI shows for the call */
  syncPage(input: ChangePageInput, summary: string): Promise<ChangePageResult>;
  continueAsNew(state: ContinuousState): Promise<never>;
}

function addCounts(into: CycleCounts, more: CycleCounts): void {
  for (const key of Object.keys(into) as Array<keyof CycleCounts>) into[key] += more[key];
}

function freshState(entity: ContinuousEntity): ContinuousState {
  return {
    entity,
    phase: 'waiting',
    state: 'ok',
    problem: null,
    attempt: 0,
    cursor: null,
    reconciledAt: null,
    paused: false,
    cycleRequested: true,
    fullRequested: false,
    cycles: 0,
    lastCycle: null,
    lastCycleStartedAt: null,
    resumeRequested: false,
    cycle: null,
  };
}

const msSince = (iso: string | null) => (iso === null ? Infinity : Date.now() - Date.parse(iso));

export async function runContinuousSync(input: ContinuousInput, spec: ContinuousSpec): Promise<void> {
  const { integrationId } = input;
  const { entity } = spec;
  const state = input.state ?? freshState(entity);
  let disconnected = false;
  let cycleScope: CancellationScope | undefined;

  const purpose = purposeLine({ kind: 'continuous', entity }, integrationIds(integrationId));
  const run = new SyncRun<ContinuousState>(state, {
    query: statusQuery as unknown as QueryDefinition<ContinuousState>,
    describe: (current) => [purpose, ...loopLines(current)],
    recordProblem: (message, nextTryAt) => record.recordSyncProblem({ integrationId, message, nextTryAt }),
    recordRecovered: () => record.recordSyncRecovered({ integrationId }),
    recordFailure: (message) => record.failContinuousSync({ integrationId, message }),
    failure: {
      type: 'ContinuousSyncFailed',
      prefix: `The ${entity} sync stopped`,
      cancelled: `The ${entity} sync was cancelled; it starts again on the next reconciliation while the integration is live`,
    },
    continueAsNew: (next) => spec.continueAsNew(next),
  });

  // Message handlers first: a signal that arrives during the first activity is not lost.
  const wake = () => {
    state.cycleRequested = true;
  };
  setHandler(procoreChangeSignal, wake);
  setHandler(settingsChangedSignal, wake);
  setHandler(resyncSignal, () => {
    state.fullRequested = true;
    wake();
  });
  setHandler(pauseSignal, () => {
    state.paused = true;
    // A resume sent before this pause (to a loop that was not held) must not end the hold this pause begins.
    state.resumeRequested = false;
    cycleScope?.cancel();
  });
  setHandler(resumeSignal, () => {
    state.resumeRequested = true;
    state.paused = false;
    wake();
  });
  setHandler(disconnectSignal, () => {
    disconnected = true;
    cycleScope?.cancel();
  });

  // Postgres says whether this loop should run at all, and where a fresh one starts.
  const start = await record.loadContinuousSync({ integrationId, entity });
  if (start.status === 'gone') return;
  state.cursor ??= start.cursor;
  state.reconciledAt ??= start.reconciledAt;
  // A resync Postgres holds that no full cycle has answered yet (its signal may never have come: Temporal did not answer the API).
  if (start.resyncRequestedAt && (state.reconciledAt === null || Date.parse(start.resyncRequestedAt) > Date.parse(state.reconciledAt))) {
    state.fullRequested = true;
  }
  if (start.status === 'paused' && !state.resumeRequested) state.paused = true;
  // The other loop stopped on a failure (the app removed, say): this one waits for the resume too.
  if (start.status === 'error' && !state.resumeRequested) state.state = 'failed';
  // A cycle cut by continue-as-new is gone on with only if nothing has held or ended the loop since:
  // a pause or a disconnect that came while Postgres was read (no cycle scope yet to cancel), or a hold Postgres says.
  if (state.cycle !== null && (disconnected || state.paused || state.state === 'failed')) state.cycle = null;

  const fullDue = () => state.fullRequested || msSince(state.reconciledAt) >= start.reconcileIntervalMs;
  const cycleDue = () => state.cycleRequested || fullDue() || msSince(state.lastCycleStartedAt) >= start.pollIntervalMs;

  // Wait until a cycle is due, unless a cut cycle is to be finished.
  while (state.cycle === null) {
    if (disconnected) return;
    if (state.paused || state.state === 'failed') {
      run.enterPhase('paused');
      // Webhooks keep signalling a held loop: its history is carried into a fresh run before it grows long.
      await condition(() => disconnected || state.resumeRequested || run.historyIsLong());
      if (disconnected) return;
      if (!state.resumeRequested) await run.continueAsNewNow();
      state.resumeRequested = false;
      state.paused = false;
      if (state.state === 'failed') {
        await run.recover();
        // failContinuousSync put the integration in error; left so, the next run would read it as a new failure and hold again.
        await record.resumeContinuousSync({ integrationId });
      }
      continue;
    }
    if (cycleDue()) {
      state.cycle = { full: fullDue(), start: null, listIndex: 0, page: 1, perPage: null, counts: noCounts() };
      state.cycleRequested = false;
      state.fullRequested = false;
      // Nothing holds the loop: a resume that came meanwhile has no hold left to end (and must not end a later one).
      state.resumeRequested = false;
      // Temporal's clock, which the wait runs on (beginCycle's startedAt is the worker's, which may differ).
      state.lastCycleStartedAt = new Date().toISOString();
      break;
    }
    run.enterPhase('waiting');
    const untilDue = Math.max(1, start.pollIntervalMs - msSince(state.lastCycleStartedAt));
    await condition(() => disconnected || state.paused || state.cycleRequested, untilDue, {
      summary: `next cycle at ${clockTime(new Date(Date.now() + untilDue))}, sooner on a Procore webhook or a resync`,
    });
  }

  cycleScope = new CancellationScope();
  try {
    const held = !(await cycleScope.run(() => run.holdOnPermanentFailure(() => runCycle(integrationId, spec, run, state))));
    // A resume sent while the cycle ran, before it failed, is not one for this failure.
    if (held) state.resumeRequested = false;
  } catch (error) {
    // Paused or disconnected mid-cycle: the cycle starts over later (every step is safe to repeat).
    if (!isCancellation(error)) throw error;
  }
  cycleScope = undefined;
  // A failed cycle is abandoned; the cursor has not moved, so nothing it would have read is lost.
  state.cycle = null;
  if (disconnected) return;
  await run.continueAsNewNow();
}

async function runCycle(integrationId: string, spec: ContinuousSpec, run: SyncRun<ContinuousState>, state: ContinuousState): Promise<void> {
  const cycle = state.cycle as CycleInProgress;
  const { entity } = spec;
  run.enterPhase(entity);
  const start = (cycle.start ??= await run.step(`begin a ${entity} ${cycle.full ? 'full reconciliation' : 'cycle'}`, (_resume, summary) =>
    sync.beginCycle.executeWithOptions(summarized(syncWork, summary), [{ integrationId, entity }]),
  ));

  for (; cycle.listIndex < spec.lists.length; cycle.listIndex += 1) {
    const list = spec.lists[cycle.listIndex] as ChangeList;
    for (;;) {
      const pageWords = pageSummary(list === 'projects' ? 'projects' : `${list} users`, cycle.page, cycle.totalPages);
      const result = await run.step<ChangePageResult, PageResume>(pageWords, (resume, summary) =>
        spec.syncPage({
          integrationId,
          list,
          page: cycle.page,
          perPage: cycle.perPage,
          since: cycle.full ? null : state.cursor,
          cycleStartedAt: start.startedAt,
          serviceAccountUserId: start.serviceAccountUserId,
          resumeAfterId: resume?.page === cycle.page ? resume.resumeAfterId : null,
        }, summary),
      );
      addCounts(cycle.counts, result.counts);
      if (result.nextPage === null) break;
      cycle.page = result.nextPage;
      cycle.perPage = result.perPage;
      cycle.totalPages = result.totalPages ?? null;
      await run.continueAsNewIfSuggested();
    }
    cycle.page = 1;
    cycle.perPage = null;
    cycle.totalPages = null;
  }

  const end = await run.step(`finish the ${entity} cycle (the inbox's deletions, the cursor)`, (_resume, summary) =>
    sync.finishCycle.executeWithOptions(summarized(syncWork, summary), [
      { integrationId, entity, startedAt: start.startedAt, inboxUpTo: start.inboxUpTo, full: cycle.full },
    ]),
  );
  addCounts(cycle.counts, end.counts);
  state.cursor = end.cursor;
  if (cycle.full) state.reconciledAt = start.startedAt;
  state.cycles += 1;
  state.lastCycle = { ...cycle.counts, at: start.startedAt, full: cycle.full };
  // A retry this loop stopped waiting for (a pause cancelled it) never saw its call succeed: a clean cycle says the loop is well.
  if (state.state === 'retrying') await run.recover();
  run.enterPhase('waiting');
}


/** The loop's own lines of the current details: held or waiting, and what its cycles did. */
function loopLines(state: ContinuousState): string[] {
  const lines: string[] = [];
  if (state.paused) lines.push('Paused: nothing syncs until an operator resumes the integration');
  else if (state.phase === 'waiting') lines.push('Waiting for the next cycle (on the poll interval, a Procore webhook or a resync)');
  const last = state.lastCycle;
  lines.push(
    last
      ? `Cycles: ${state.cycles}. Last ${last.full ? 'full reconciliation' : 'cycle'} at ${last.at}: ${last.listed} read, ${last.created} created, ` +
          `${last.updated} updated, ${last.blocked} blocked, ${last.unblocked} unblocked, ${last.decided} decided`
      : `Cycles: ${state.cycles}`,
  );
  lines.push(`Procore changes in Corfix up to: ${state.cursor ?? 'not yet'}; last full reconciliation: ${state.reconciledAt ?? 'not yet'}`);
  return lines;
}
