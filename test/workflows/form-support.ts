// Fake activities for FormUploadWithRetry on the time-skipping server: a
// small stand-in for the form in Corfix (its newest revision) and in Procore
// (the revisions filed there), answering uploadForm the way the real
// activity does (it reads the form as it is when the attempt starts, and
// files only a revision Procore does not hold yet), and a record of every
// call. The tests and `npm run record-histories` drive the workflow through
// them, starting and signalling it the way the service does (client.ts).
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { FormUploadActivities, FormUploadResult } from '../../src/activities/form-upload.js';
import { announceFormRevision, retryFormUpload } from '../../src/client.js';
import type { Integration } from '../../src/db/repositories/integrations.js';
import { SyncPhaseKey, SyncStateKey } from '../../src/temporal/search-attributes.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import type { FormUploadStatus } from '../../src/workflows/form-messages.js';
import { clock, env, historiesOfRuns, releaseOpenGates, withWorker, type Call } from './support.js';
export { gate } from './support.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** What a test knows of the integration: only what client.ts puts on the workflow. */
export const integration = { id: 'int-1', corfixAccountId: 'acc-1', procoreCompanyId: '42', generation: 1 } as Integration;

/** One uploadForm call: when, which revision it read, and how it ended. */
export interface UploadCall extends Call {
  read: number;
  outcome?: string;
  error?: string;
}

/** What an answer is told about its call. */
export interface Attempt {
  /** 1 for the first call */
  n: number;
  /** the form's revision as the call read it (at its start) */
  read: number;
  /** the workflow time of the call */
  workflowMs: number;
}

export class FakeForm {
  readonly formId = `form-${randomUUID()}`;
  readonly workflowId = formUploadWorkflowId(integration.id, this.formId);
  /** the form's newest revision in Corfix: what an attempt reads */
  revision = 1;
  /** the revisions sent to Procore, in order: a file, then its new versions */
  filed: number[] = [];
  calls: UploadCall[] = [];
  inFlight = 0;
  maxInFlight = 0;
  problems: Array<{ message: string; nextTryAt: string } & Call> = [];
  recoveries: Call[] = [];
  failures: Array<{ message: string } & Call> = [];
  /** the id of the workflow's first run, once started (withForm) */
  firstRunId: string | undefined;

  /** answers each call; by default files the revision read, as the real activity does */
  answer: (attempt: Attempt) => Promise<FormUploadResult> = async (attempt) => this.file(attempt.read);

  /** What the real activity does when Procore answers: the revision read is filed unless Procore holds it (or a newer one). */
  file(read: number): FormUploadResult {
    const held = this.filed.at(-1);
    if (held !== undefined && held >= read) return { outcome: 'uploaded', revision: held, how: 'already_there' };
    this.filed.push(read);
    return { outcome: 'uploaded', revision: read, how: held === undefined ? 'created' : 'new_version' };
  }

  activities(): FormUploadActivities {
    const mine = (input: { integrationId: string; formId: string }) => {
      if (input.integrationId !== integration.id || input.formId !== this.formId) throw new Error(`not this test's form: ${JSON.stringify(input)}`);
    };
    return {
      uploadForm: async (input) => {
        mine(input);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        const read = this.revision;
        const call: UploadCall = { ...(await clock()), read };
        this.calls.push(call);
        try {
          const result = await this.answer({ n: this.calls.length, read, workflowMs: call.workflowMs });
          call.outcome = result.outcome;
          return result;
        } catch (error) {
          call.error = (error as Error).message;
          throw error;
        } finally {
          this.inFlight -= 1;
        }
      },
      recordFormRetrying: async (input) => {
        mine(input);
        this.problems.push({ message: input.message, nextTryAt: input.nextTryAt, ...(await clock()) });
      },
      recordFormRecovered: async (input) => {
        mine(input);
        this.recoveries.push(await clock());
      },
      recordFormFailed: async (input) => {
        mine(input);
        this.failures.push({ message: input.message, ...(await clock()) });
      },
    };
  }
}

/** A Corfix webhook's way in: signalWithStart with the revision (client.ts). */
export const announce = (form: FakeForm, taskQueue: string, revision: number) =>
  announceFormRevision(env.client, taskQueue, integration, form.formId, revision);
/** An operator's retry (client.ts). */
export const retry = (form: FakeForm, taskQueue: string) => retryFormUpload(env.client, taskQueue, integration, form.formId);

export interface FormDrive {
  handle: WorkflowHandle;
  /** the first run's id (for the histories of every run) */
  firstRunId: string;
  taskQueue: string;
  announce(revision: number): Promise<void>;
  retry(): Promise<void>;
}


/**
 * Starts the form's workflow as a webhook does, announcing `start.revision`
 * (default: the form's), or as an operator's retry (`by: 'retry'`), on a worker with the fake's activities, and drives
 * it. A workflow still running when `drive` ends (a failed form waits for a
 * retry) is terminated before its worker stops, so that no workflow task
 * is left pending with no worker (the test server would not skip time again).
 */
export function withForm<T>(
  form: FakeForm,
  drive: (d: FormDrive) => Promise<T>,
  start: { by?: 'revision' | 'retry'; revision?: number } = {},
): Promise<T> {
  return withWorker(form.activities(), async (taskQueue) => {
    if (start.by === 'retry') await retry(form, taskQueue);
    else await announce(form, taskQueue, start.revision ?? form.revision);
    const handle = env.client.workflow.getHandle(form.workflowId);
    const firstRunId = (await handle.describe()).runId;
    form.firstRunId = firstRunId;
    try {
      return await drive({ handle, firstRunId, taskQueue, announce: (revision) => announce(form, taskQueue, revision), retry: () => retry(form, taskQueue) });
    } finally {
      releaseOpenGates();
      const current = env.client.workflow.getHandle(form.workflowId);
      if ((await current.describe()).status.name === 'RUNNING') await current.terminate('the test is over');
    }
  });
}

/** The `status` query (a query that meets a run as it continues as new can go unanswered: each is given a few seconds). */
export const formStatus = (handle: WorkflowHandle) =>
  env.client.withDeadline(Date.now() + 3_000, () => env.client.workflow.getHandle(handle.workflowId).query<FormUploadStatus>('status'));

/** SyncPhase and SyncState as the Web UI shows them, and whether the workflow is open. */
export async function shown(handle: WorkflowHandle): Promise<{ phase: string | undefined; state: string | undefined; status: string }> {
  const description = await env.client.workflow.getHandle(handle.workflowId).describe();
  const attributes = description.typedSearchAttributes;
  return { phase: attributes.get(SyncPhaseKey), state: attributes.get(SyncStateKey), status: description.status.name };
}

/**
 * The timers the form's workflow started, first run to last, in seconds of
 * workflow time, as its histories hold them: its retry waits, and the waits
 * of a held or failed form (a condition's timeout). Exact, whatever the load.
 */
export async function timersOf(form: FakeForm): Promise<number[]> {
  if (!form.firstRunId) throw new Error('the workflow was not started');
  const histories = await historiesOfRuns(form.workflowId, form.firstRunId);
  return histories.flatMap((history) =>
    (history.events ?? []).flatMap((event) => {
      const timeout = event.timerStartedEventAttributes?.startToFireTimeout;
      return timeout ? [Number(timeout.seconds ?? 0) + (timeout.nanos ?? 0) / 1e9] : [];
    }),
  );
}

/** The workflow time between one uploadForm call and the next, in seconds (the wait, and the time the fakes took). */
export const gapsInSeconds = (form: FakeForm) => form.calls.slice(1).map((call, i) => (call.workflowMs - (form.calls[i] as Call).workflowMs) / 1000);
