// Fake activities for the continuous syncs (ContinuousUserSync,
// ContinuousProjectSync) on the time-skipping server: a small stand-in for
// the integration's row in Postgres (status, cursor, last reconciliation,
// kept the way the real activities keep it), and a record of every call.
// The tests and `npm run record-histories` drive the loops through them.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ContinuousSyncActivities } from '../../src/activities/continuous-sync.js';
import type { ChangePageInput, ChangePageResult, CycleEnd, CycleEndInput, CycleInput, CycleStart, LoopStart } from '../../src/activities/continuous-sync-types.js';
import type { InitialSyncActivities } from '../../src/activities/initial-sync.js';
import type { ContinuousEntity, ContinuousSyncStatus, CycleCounts } from '../../src/workflows/continuous-messages.js';
import { clock, env, releaseOpenGates, withWorker, type Call } from './support.js';
export { gate } from './support.js';

export type LoopActivities = Partial<ContinuousSyncActivities & InitialSyncActivities>;

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** What one page counts: one record listed and updated, so the sums say how many pages a cycle read. */
export const pageCounts = (): CycleCounts => ({ listed: 1, created: 0, updated: 1, blocked: 0, unblocked: 0, decided: 0 });
/** What finishCycle counts: one deleted user blocked. */
export const finishCounts = (): CycleCounts => ({ listed: 0, created: 0, updated: 0, blocked: 1, unblocked: 0, decided: 0 });

export interface LoopOptions {
  entity?: ContinuousEntity;
  pollIntervalMs?: number;
  reconcileIntervalMs?: number;
  /** the integration's status in Postgres when the loop first loads */
  status?: LoopStart['status'];
  /** how long before the first load the last full reconciliation was (null: never) */
  reconciledAgoMs?: number | null;
  /** pages in each list */
  pages?: number;
}

/**
 * The integration's row as the real activities keep it, and the calls made.
 * `page` answers each page call (override it to fail or block); `onFinish`
 * runs when a cycle ends (the tests use it to signal or to stop).
 */
export class FakeLoop {
  readonly entity: ContinuousEntity;
  readonly pollIntervalMs: number;
  readonly reconcileIntervalMs: number;
  readonly pages: number;
  // Postgres
  status: LoopStart['status'];
  cursor = '2026-03-01T00:00:00.000Z';
  reconciledAt: string | null | undefined;
  reconciledAgoMs: number | null;
  /** the last resync the API saved (its signal may not have arrived) */
  resyncRequestedAt: string | null = null;
  // calls
  loads: LoopStart[] = [];
  begins: Array<CycleStart & Call> = [];
  pageCalls: Array<ChangePageInput & Call> = [];
  finishes: Array<{ input: CycleEndInput; result: CycleEnd }> = [];
  failures: Array<{ integrationId: string; message: string }> = [];
  problems: Array<{ integrationId: string; message: string; nextTryAt: string }> = [];
  recoveries = 0;
  resumes = 0;
  /** a skew of the worker's clock against Temporal's, in the moment beginCycle answers */
  workerClockSkewMs = 0;

  page: (input: ChangePageInput) => Promise<ChangePageResult> = async (input) => this.pageOf(input);
  /** runs as a run reads Postgres, before the answer (`load` counts from 1) */
  onLoad: (load: number) => void | Promise<void> = () => {};
  onFinish: (cycle: number) => void | Promise<void> = () => {};

  constructor(options: LoopOptions = {}) {
    this.entity = options.entity ?? 'users';
    this.pollIntervalMs = options.pollIntervalMs ?? HOUR;
    this.reconcileIntervalMs = options.reconcileIntervalMs ?? 24 * HOUR;
    this.pages = options.pages ?? 1;
    this.status = options.status ?? 'active';
    this.reconciledAgoMs = options.reconciledAgoMs === undefined ? MINUTE : options.reconciledAgoMs;
  }

  pageOf(input: ChangePageInput): ChangePageResult {
    return { nextPage: input.page < this.pages ? input.page + 1 : null, perPage: 100, counts: pageCounts() };
  }

  /** Page calls of cycle `index` (0-based), in order. */
  pagesOfCycle(index: number): Array<ChangePageInput & Call> {
    const begin = this.begins[index];
    return begin ? this.pageCalls.filter((p) => p.cycleStartedAt === begin.startedAt) : [];
  }

  activities(): LoopActivities {
    return {
      loadContinuousSync: async (_input: CycleInput) => {
        await this.onLoad(this.loads.length + 1);
        if (this.reconciledAt === undefined) {
          this.reconciledAt = this.reconciledAgoMs === null ? null : new Date((await env.currentTimeMs()) - this.reconciledAgoMs).toISOString();
        }
        const start: LoopStart = {
          status: this.status,
          cursor: this.cursor,
          reconciledAt: this.reconciledAt,
          resyncRequestedAt: this.resyncRequestedAt,
          pollIntervalMs: this.pollIntervalMs,
          reconcileIntervalMs: this.reconcileIntervalMs,
        };
        this.loads.push(start);
        return start;
      },
      beginCycle: async (input: CycleInput) => {
        const now = await clock();
        // Workflow time (which includes what the server skipped), as a worker whose clock agrees with Temporal's would read it.
        const start: CycleStart = {
          startedAt: new Date(now.workflowMs + this.workerClockSkewMs).toISOString(),
          inboxUpTo: null,
          serviceAccountUserId: input.entity === 'users' ? 'service-account' : null,
        };
        this.begins.push({ ...start, ...now });
        return start;
      },
      syncUserChangePage: async (input) => {
        this.pageCalls.push({ ...input, ...(await clock()) });
        return this.page(input);
      },
      syncProjectChangePage: async (input) => {
        this.pageCalls.push({ ...input, ...(await clock()) });
        return this.page(input);
      },
      finishCycle: async (input) => {
        // As the real one: the next cursor is the cycle's start less an overlap, saved with the reconciliation time.
        const cursor = new Date(Date.parse(input.startedAt) - 2 * MINUTE + this.finishes.length).toISOString();
        this.cursor = cursor;
        if (input.full) this.reconciledAt = input.startedAt;
        const result: CycleEnd = { counts: finishCounts(), cursor };
        this.finishes.push({ input, result });
        await this.onFinish(this.finishes.length);
        return result;
      },
      // As failContinuousSyncOf: the integration is in error until something puts it back.
      failContinuousSync: async (input) => {
        this.failures.push(input);
        if (this.status !== 'gone') this.status = 'error';
      },
      recordSyncProblem: async (input) => {
        this.problems.push(input);
      },
      // As recordSyncRecovered: the problem leaves the row; the status is not touched.
      recordSyncRecovered: async () => {
        this.recoveries += 1;
      },
      // As resumeContinuousSyncOf: out of error, and nothing else.
      resumeContinuousSync: async () => {
        this.resumes += 1;
        if (this.status === 'error') this.status = 'active';
      },
    };
  }
}

const workflowTypes = { users: 'ContinuousUserSync', projects: 'ContinuousProjectSync' } as const;

/**
 * Starts the entity's loop on a worker with the fake's activities and drives
 * it. A loop still running when `drive` ends (a test that failed) is
 * terminated before its worker stops: a workflow task left pending with no
 * worker to take it would keep the test server from skipping time in every
 * later test of the file.
 */
export function withLoop<T>(
  loop: FakeLoop,
  drive: (handle: WorkflowHandleWithFirstExecutionRunId) => Promise<T>,
  workflowId = `${loop.entity}-sync/${randomUUID()}`,
): Promise<T> {
  return withWorker(loop.activities(), async (taskQueue) => {
    const handle = await env.client.workflow.start(workflowTypes[loop.entity], {
      taskQueue,
      workflowId,
      args: [{ integrationId: 'int-1' }],
    });
    try {
      return await drive(handle);
    } finally {
      releaseOpenGates();
      const current = env.client.workflow.getHandle(workflowId);
      if ((await current.describe()).status.name === 'RUNNING') await current.terminate('the test is over');
    }
  });
}

/** The loop's state, as the `status` query answers (ContinuousState: the status and what the loop carries). */
export type LoopStatus = ContinuousSyncStatus & { lastCycleStartedAt: string | null; resumeRequested: boolean; cycle: unknown };

/**
 * The `status` query. A query that reaches a run as it continues as new can
 * go unanswered on the test server: each is given a second, and polls try again.
 */
export const statusOf = (handle: WorkflowHandleWithFirstExecutionRunId) =>
  env.client.withDeadline(Date.now() + 1_000, () => handle.query<LoopStatus>('status'));

/**
 * Waits, with time skipping, until the loop has ended, and gives its result.
 * (The client's own result(), which follows continue-as-new by long polls,
 * can be left waiting by the time-skipping server once the chain has ended:
 * the run now current is asked how it stands instead.)
 */
export async function ended(handle: { workflowId: string }): Promise<unknown> {
  const current = env.client.workflow.getHandle(handle.workflowId);
  const testService = env.connection.testService;
  if (!testService) throw new Error('not the time-skipping test server');
  await testService.unlockTimeSkipping({});
  try {
    await until(
      'the workflow ends',
      async () => {
        const { status } = await env.client.withDeadline(Date.now() + 1_000, () => current.describe());
        return status.name !== 'RUNNING' && status.name !== 'CONTINUED_AS_NEW';
      },
      // A hang guard, not a timing: 300 runs take 20 s on an idle machine, several times that beside the heavy suites.
      240_000,
      // not too often: a long chain of runs is not to be slowed down by the asking
      100,
    );
  } finally {
    await testService.lockTimeSkipping({});
  }
  return current.result();
}

/** Polls `probe` every few milliseconds of real time until it holds; fails with `what` after `timeoutMs` (a hang guard: generous for a loaded CI machine). */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(probe()).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

const { EventType } = proto.temporal.api.enums.v1;
/** The events a run's history ends with when it waits on a signal or a timer, no task pending. */
const WAITING_ENDS = new Set([EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]);

/**
 * Whether the run now current waits (for a signal, or a timer that time
 * standing still keeps from firing), with no activity or workflow task
 * pending, read from the server alone. Only then is the workflow queried:
 * a query that meets a run as it continues as new leaves the time-skipping
 * server unable to skip time for the rest of the file (seen with 10 ms polls).
 * Each call has a deadline: one can go unanswered while a run grows large.
 */
export async function isWaiting(handle: { workflowId: string }): Promise<boolean> {
  const current = env.client.workflow.getHandle(handle.workflowId);
  const description = await env.client.withDeadline(Date.now() + 2_000, () => current.describe());
  if (description.status.name !== 'RUNNING' || (description.raw.pendingActivities?.length ?? 0) > 0) return false;
  const history = await env.client.withDeadline(Date.now() + 2_000, () => env.client.workflow.getHandle(handle.workflowId, description.runId).fetchHistory());
  const last = history.events?.at(-1)?.eventType;
  return last !== null && last !== undefined && WAITING_ENDS.has(last);
}

/** Until the loop has done `cycles` cycles and waits in `phase` (time stands still meanwhile: nothing awaits a result). */
export const waitingAfter = (handle: WorkflowHandleWithFirstExecutionRunId, cycles: number, phase = 'waiting') =>
  until(`${cycles} cycles, then ${phase}`, async () => {
    if (!(await isWaiting(handle))) return false;
    const status = await statusOf(handle);
    return status.cycles === cycles && status.phase === phase && status.cycle === null;
  });

