// Timing a run from its first step: the workers it needs must already poll.
import type { Client } from '@temporalio/client';
// CommonJS: its namespaces are reached through the default export under ESM.
import proto from '@temporalio/proto';
import type { ChildProcess } from 'node:child_process';
import { waitFor } from './stack.js';

/** Waits until every one of `workers` polls the task queue for workflow and activity tasks: a timed run leaves out their start-up. */
export async function waitForPollers(client: Client, taskQueue: string, workers: ChildProcess[]): Promise<void> {
  const wanted = workers.map((w) => `${w.pid}@`);
  const { TaskQueueType } = proto.temporal.api.enums.v1;
  const types = [TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY];
  await waitFor(
    `${workers.length} workers polling ${taskQueue}`,
    async () => {
      for (const taskQueueType of types) {
        const { pollers } = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: taskQueue }, taskQueueType });
        const identities = (pollers ?? []).map((p) => p.identity ?? '');
        if (!wanted.every((w) => identities.some((identity) => identity.startsWith(w)))) return undefined;
      }
      return true;
    },
    100,
    60_000,
  );
}
