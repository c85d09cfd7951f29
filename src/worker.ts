// The Temporal worker: runs the workflows (from a prebuilt bundle in
// production, bundled from source otherwise) and the activities.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { temporalConnectionOptions, type TemporalSettings } from './temporal/connection.js';

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
  activities: object;
  /** bundle from source even when a prebuilt bundle exists (tests) */
  bundleFromSource?: boolean;
  /** extra worker tuning, e.g. short sticky timeouts in crash tests */
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'stickyQueueScheduleToStartTimeout' | 'maxCachedWorkflows'>>;
}

export async function createServiceWorker(options: ServiceWorkerOptions): Promise<Worker> {
  const workflows =
    !options.bundleFromSource && existsSync(workflowBundlePath)
      ? { workflowBundle: { codePath: workflowBundlePath } }
      : { workflowsPath: workflowsSourcePath() };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...workflows,
    ...options.tuning,
  });
}

export async function connectWorkerConnection(settings: TemporalSettings): Promise<NativeConnection> {
  return NativeConnection.connect(await temporalConnectionOptions(settings));
}
