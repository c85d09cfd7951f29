// The Temporal worker: which workflows and which activities it runs.
//   Workflows  src/workflows/index.ts: ConnectIntegration, InitialSync, ContinuousUserSync,
//              ContinuousProjectSync, FormUploadWithRetry, ReconcileIntegrations,
//              PreviewIntegration
//              (from the prebuilt bundle in production, bundled from source otherwise)
//   Activities the initial sync's pages and bookkeeping (src/activities/initial-sync.ts), a
//              preview's (src/activities/preview.ts), the
//              continuous syncs' pages (src/activities/continuous-sync.ts), the form
//              uploads (src/activities/form-upload.ts), the
//              reconciler's pass (src/activities/reconcile.ts) and the alerts
//              (src/activities/alerts.ts), built over the process's database,
//              Procore/Corfix clients and Temporal client
// On start it also starts (or joins) the reconciler of its task queue.
// Asked to stop (SIGTERM, stop()), it takes no new tasks; a page in progress
// stops at its next entity and hands the rest back (the workflow retries it on
// another worker at once), within SHUTDOWN_GRACE_TIME.
// It runs as many activities at once as its Postgres pool can serve
// (DATABASE_POOL_MAX, see src/temporal/worker-tuning.ts for the arithmetic).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { ActivityDependencies } from './activities/activity-support.js';
import { createAlertActivities, type AlertDependencies, type AlertSettings } from './activities/alerts.js';
import { createContinuousSyncActivities, type ContinuousSyncDependencies } from './activities/continuous-sync.js';
import { createFormUploadActivities } from './activities/form-upload.js';
import { createInitialSyncActivities } from './activities/initial-sync.js';
import { createPreviewActivities } from './activities/preview.js';
import { createReconcileActivities, type ReconcileDependencies } from './activities/reconcile.js';
import { startReconciler, type TemporalClient } from './client.js';
import { temporalConnectionOptions, type TemporalSettings } from './temporal/connection.js';
import { activityConcurrencyFor } from './temporal/worker-tuning.js';
import type { WorkerConfig } from './config.js';

export type WorkerDependencies = ActivityDependencies & ReconcileDependencies & ContinuousSyncDependencies & AlertDependencies;

/**
 * How long a stopping worker waits for its activities to finish or hand back
 * their work before cancelling them (a page hands back after the Corfix
 * creates it has in flight, each bounded by the client's timeouts).
 */
export const SHUTDOWN_GRACE_TIME = '20 seconds';

/**
 * After this the worker stops even with an activity still running (stuck on a
 * call): the process ends before an orchestrator's SIGKILL (compose: 30 s),
 * and the unfinished page times out by its heartbeat and is retried.
 */
export const SHUTDOWN_FORCE_TIME = '25 seconds';

/**
 * Heartbeats reach the server at most this far apart, so that a cancellation
 * (an operator's terminate, a cancel) reaches a running page within seconds
 * rather than the SDK's default of 0.8 x the heartbeat timeout.
 */
export const MAX_HEARTBEAT_THROTTLE = '2 seconds';

/** Every activity the worker registers. */
export function serviceActivities(deps: WorkerDependencies) {
  return {
    ...createInitialSyncActivities(deps),
    ...createPreviewActivities(deps),
    ...createContinuousSyncActivities(deps),
    ...createFormUploadActivities(deps),
    ...createReconcileActivities(deps),
    ...createAlertActivities(deps),
  };
}

/** dist/workflow-bundle.js, written by `npm run build` (src/temporal/bundle-workflows.ts). */
export const workflowBundlePath = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

/** The workflows' entry point: compiled JavaScript when built, TypeScript when run from source. */
export function workflowsSourcePath(): string {
  const js = fileURLToPath(new URL('./workflows/index.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./workflows/index.ts', import.meta.url));
}

export interface ServiceWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: WorkerDependencies;
  /** the size of the pool behind dependencies.db: bounds the activities run at once */
  databasePoolMax: number;
  /** bundle from source even when a prebuilt bundle exists (tests) */
  bundleFromSource?: boolean;
  /** extra worker tuning, e.g. short sticky timeouts in crash tests */
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'stickyQueueScheduleToStartTimeout' | 'maxCachedWorkflows'>>;
}

/** What Worker.create is given. */
export function serviceWorkerOptions(options: ServiceWorkerOptions): WorkerOptions {
  const workflows =
    !options.bundleFromSource && existsSync(workflowBundlePath)
      ? { workflowBundle: { codePath: workflowBundlePath } }
      : { workflowsPath: workflowsSourcePath() };
  return {
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: serviceActivities(options.dependencies),
    ...workflows,
    maxConcurrentActivityTaskExecutions: activityConcurrencyFor(options.databasePoolMax, options.dependencies.corfixCreateConcurrency),
    shutdownGraceTime: SHUTDOWN_GRACE_TIME,
    shutdownForceTime: SHUTDOWN_FORCE_TIME,
    maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
    ...options.tuning,
  };
}

/** The worker, its activities told when it starts shutting down (so that they hand their pages back). */
export async function createServiceWorker(options: ServiceWorkerOptions): Promise<Worker> {
  let worker: Worker | undefined;
  const workerStopping = () => worker !== undefined && !['INITIALIZED', 'RUNNING'].includes(worker.getState());
  worker = await Worker.create(serviceWorkerOptions({ ...options, dependencies: { ...options.dependencies, workerStopping } }));
  return worker;
}

export interface RunningWorker {
  worker: Worker;
  /** settles when the worker stops (rejects if it stopped on an error) */
  done: Promise<void>;
  /** asks the worker to finish its tasks and waits for it */
  stop(): Promise<void>;
}

/** Connects, starts polling, then starts (or joins) the reconciler. */
export async function startServiceWorker(
  settings: TemporalSettings &
    Pick<
      WorkerConfig,
      | 'DATABASE_POOL_MAX'
      | 'RECONCILE_INTERVAL'
      | 'SYNC_POLL_INTERVAL'
      | 'SYNC_RECONCILE_INTERVAL'
      | 'PUBLIC_URL'
      | 'PROCORE_WEBHOOK_SECRET'
      | 'CORFIX_CREATE_CONCURRENCY'
      | 'ALERT_WEBHOOK_URL'
      | 'ALERT_WEBHOOK_SECRET'
      | 'ALERT_AFTER'
      | 'TEMPORAL_WEB_UI_URL'
    >,
  temporal: TemporalClient,
  dependencies: ActivityDependencies,
): Promise<RunningWorker> {
  const connection = await NativeConnection.connect(await temporalConnectionOptions(settings));
  const worker = await createServiceWorker({
    connection,
    namespace: settings.TEMPORAL_NAMESPACE,
    taskQueue: settings.TEMPORAL_TASK_QUEUE,
    dependencies: {
      ...dependencies,
      temporal,
      corfixCreateConcurrency: settings.CORFIX_CREATE_CONCURRENCY,
      reconcileIntervalMs: settings.RECONCILE_INTERVAL,
      continuousSync: {
        pollIntervalMs: settings.SYNC_POLL_INTERVAL,
        reconcileIntervalMs: settings.SYNC_RECONCILE_INTERVAL,
        ...(settings.PUBLIC_URL && settings.PROCORE_WEBHOOK_SECRET
          ? { webhooks: { publicUrl: settings.PUBLIC_URL, secret: settings.PROCORE_WEBHOOK_SECRET } }
          : {}),
      },
      ...alertSettingsOf(settings),
    },
    databasePoolMax: settings.DATABASE_POOL_MAX,
  }).catch(async (error: unknown) => {
    await connection.close();
    throw error;
  });
  const done = worker.run();
  const { logger } = dependencies;
  logger.info({ taskQueue: settings.TEMPORAL_TASK_QUEUE, namespace: settings.TEMPORAL_NAMESPACE }, 'worker polling');
  const stop = async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done.catch(() => undefined);
    await connection.close();
  };
  try {
    await startReconciler(temporal.client, settings.TEMPORAL_TASK_QUEUE);
  } catch (error) {
    await stop();
    throw error;
  }
  return { worker, done, stop };
}

/** The alerts, when ALERT_WEBHOOK_URL is set (the config then requires the secret and PUBLIC_URL). */
export function alertSettingsOf(
  settings: Pick<WorkerConfig, 'ALERT_WEBHOOK_URL' | 'ALERT_WEBHOOK_SECRET' | 'ALERT_AFTER' | 'PUBLIC_URL' | 'TEMPORAL_WEB_UI_URL' | 'TEMPORAL_NAMESPACE'>,
): { alerts: AlertSettings } | Record<string, never> {
  const { ALERT_WEBHOOK_URL: url, ALERT_WEBHOOK_SECRET: secret, PUBLIC_URL: publicUrl } = settings;
  if (url === undefined || secret === undefined || publicUrl === undefined) return {};
  return {
    alerts: {
      webhook: { url, secret },
      alertAfterMs: settings.ALERT_AFTER,
      publicUrl,
      ...(settings.TEMPORAL_WEB_UI_URL !== undefined ? { webUi: { url: settings.TEMPORAL_WEB_UI_URL, namespace: settings.TEMPORAL_NAMESPACE } } : {}),
    },
  };
}
