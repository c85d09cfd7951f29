// The time-skipping test server with fake activities, for workflow tests:
// one server and one workflow bundle per test file, a task queue per test.
// The tests see a workflow only from outside: its type and input, its
// queries, the activities it calls, its search attributes and its failure.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ContinuousSyncActivities } from '../../src/activities/continuous-sync.js';
import type { InitialSyncActivities } from '../../src/activities/initial-sync.js';
import type { PreviewActivities } from '../../src/activities/preview.js';
import type { PageInput, PageResult } from '../../src/activities/initial-sync-types.js';
import { resolveTemporalTestServer } from '../../src/dev/temporal-cli.js';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes.js';
import { workflowsSourcePath } from '../../src/worker.js';

/** What these tests read of the `progress` query's answer. */
export interface Progress {
  phase: string;
  state: string;
  problem: string | null;
  nextPage: number;
  projects: { pagesDone: number; entitiesDone: number; created: number };
}

export let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundleWithSourceMap;

/** Starts the test server and bundles the workflows (once per test file, or per script). */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  [env, workflowBundle] = await Promise.all([
    startTestServer(),
    bundleWorkflowCode({ workflowsPath: workflowsSourcePath(), logger: silent }),
  ]);
  return env;
}

async function startTestServer(): Promise<TestWorkflowEnvironment> {
  const server = await resolveTemporalTestServer();
  const started = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: server.executable } });
  // The test server rejects a workflow task that upserts an unregistered
  // search attribute ("search attribute SyncPhase is not defined"): register ours.
  await started.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((k) => [k.name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return started;
}

/**
 * A fresh test server, the bundle kept. The time-skipping server never
 * skips time again once a run closed while one of its activities was still
 * running (a pause or a disconnect that cancels a page under way: the
 * activity's completion is refused, and its hold on the clock stays): a
 * test that does so is followed by a fresh server.
 */
export async function restartTimeSkipping(): Promise<void> {
  await env.teardown();
  env = await startTestServer();
}

/** The workflows as the worker runs them (for replays). */
export const bundledWorkflows = () => workflowBundle;

/** Call at the top of a test file: the server and the bundle for its tests. */
export function useTimeSkipping(): void {
  beforeAll(startTimeSkipping);
  afterAll(async () => {
    await env?.teardown();
  });
}

/** `pages` pages in all, one new entity each. */
export const pageOf = (input: Pick<PageInput, 'page' | 'pagesDoneBefore'>, pages = 1): PageResult => ({
  nextPage: input.page < pages ? input.page + 1 : null,
  perPage: 100,
  entitiesInPage: 1,
  entitiesDone: input.pagesDoneBefore + 1,
  created: 1,
});

/** ConnectIntegration's and InitialSync's activities: a connect with no Procore hook (no PUBLIC_URL). */
export const fakes: InitialSyncActivities & Pick<ContinuousSyncActivities, 'registerProcoreWebhooks' | 'startContinuousSyncs'> = {
  beginInitialSync: async () => ({ serviceAccountUserId: 'service-account' }),
  takeCorfixSnapshot: async () => ({ generation: 1 }),
  syncProjectPage: async (input) => pageOf(input),
  syncUserPage: async (input) => pageOf(input),
  recordSyncProblem: async () => {},
  recordSyncRecovered: async () => {},
  completeInitialSync: async () => {},
  failInitialSync: async () => {},
  markIntegrationActive: async () => {},
  registerProcoreWebhooks: async () => ({ registered: false }),
  startContinuousSyncs: async () => {},
};

/** PreviewIntegration's activities: a preview of `pageOf`'s pages, every entity would be created. */
export const previewFakes: PreviewActivities = {
  beginPreview: async () => ({ serviceAccountUserId: 'service-account' }),
  takePreviewSnapshot: async () => ({ generation: 1 }),
  previewProjectPage: async (input) => pageOf(input),
  previewUserPage: async (input) => pageOf(input),
  recordPreviewProblem: async () => {},
  completePreview: async () => {},
  failPreview: async () => {},
};

/** Starts PreviewIntegration on a worker with these fakes (over the defaults) and drives it. */
export async function withPreview<T>(
  workflowId: string,
  overrides: Partial<PreviewActivities>,
  drive: (handle: WorkflowHandleWithFirstExecutionRunId) => Promise<T>,
): Promise<T> {
  return withWorker({ ...previewFakes, ...overrides }, async (taskQueue) => {
    const handle = await env.client.workflow.start('PreviewIntegration', { taskQueue, workflowId, args: [{ previewId: 'preview-1' }] });
    return drive(handle);
  });
}

/** Starts InitialSync on a worker with these fakes (over the defaults) and drives it. */
export function withInitialSync<T>(
  overrides: Partial<InitialSyncActivities>,
  drive: (handle: WorkflowHandleWithFirstExecutionRunId) => Promise<T>,
): Promise<T> {
  return withWorkflow('InitialSync', `initial-sync-${randomUUID()}`, overrides, drive);
}

/** Starts a workflow of this type on a worker with these fakes (over the defaults) and drives it. */
export async function withWorkflow<T>(
  type: 'InitialSync' | 'ConnectIntegration',
  workflowId: string,
  overrides: Partial<InitialSyncActivities>,
  drive: (handle: WorkflowHandleWithFirstExecutionRunId) => Promise<T>,
): Promise<T> {
  return withWorker({ ...fakes, ...overrides }, async (taskQueue) => {
    const handle = await env.client.workflow.start(type, { taskQueue, workflowId, args: [{ integrationId: 'int-1' }] });
    return drive(handle);
  });
}

/** Runs a worker with these activities on a task queue of its own while `drive` runs. */
export async function withWorker<T>(activities: object, drive: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `workflow-test-${randomUUID()}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities });
  return worker.runUntil(() => drive(taskQueue));
}

/**
 * When a fake is called: the test server's workflow time (which includes the
 * time it skipped; Date.now() in an activity does not) and the real time.
 */
export type Call = { workflowMs: number; realMs: number };
export const clock = async (): Promise<Call> => {
  // The server read its time somewhere during the round trip: its middle is the nearest real time.
  const sent = Date.now();
  const workflowMs = await env.currentTimeMs();
  return { workflowMs, realMs: (sent + Date.now()) / 2 };
};

/**
 * The waits between calls, in whole seconds: workflow time that passed
 * minus real time that passed (the fakes, workflow tasks, round trips) is
 * the time the workflow spent asleep.
 */
export const waitsInSeconds = (calls: Call[]) =>
  calls.slice(1).map((call, i) => {
    const before = calls[i] as Call;
    return Math.round((call.workflowMs - before.workflowMs - (call.realMs - before.realMs)) / 1000);
  });

/** A retryable API failure, as the activities raise it (details may carry retryAfterMs). */
export const retryable = (details: object) => ApplicationFailure.create({ type: 'ApiError', message: 'Procore is busy', details: [details] });


/** A project page that fails with `failure()` for `durationMs` of workflow time from its first call; `calls` records each call. */
export function pageFailingFor(durationMs: number, failure: () => Error, calls: Call[] = []) {
  let until: number | undefined;
  return async (input: PageInput): Promise<PageResult> => {
    const now = await clock();
    calls.push(now);
    until ??= now.workflowMs + durationMs;
    if (now.workflowMs < until) throw failure();
    return pageOf(input);
  };
}

/** The history of every run of a workflow, first to last (following continue-as-new). */
export async function historiesOfRuns(workflowId: string, firstRunId?: string): Promise<temporal.api.history.v1.IHistory[]> {
  const histories: temporal.api.history.v1.IHistory[] = [];
  let runId = firstRunId;
  for (;;) {
    const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    if (!runId || !firstRunId) return histories;
  }
}

/** Gates not yet released: released when a test ends, so its worker can stop even if the test failed. */
const openGates = new Set<() => void>();

/** An activity call that waits until released: the test acts while the workflow is in the middle of it. */
export function gate() {
  let entered!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  openGates.add(() => release());
  return {
    reached,
    release,
    /** call from a fake: says it is reached, then waits */
    async pass(): Promise<void> {
      entered();
      await released;
    },
  };
}

/** Releases every gate a test left closed (when it ends, failed or not). */
export function releaseOpenGates(): void {
  for (const release of openGates) release();
  openGates.clear();
}
