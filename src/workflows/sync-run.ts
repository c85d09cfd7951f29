// What every sync workflow keeps while it runs, so that the workflow itself
// can read like the process: the state an operator sees (SyncPhase and
// SyncState in the Web UI, a query with the progress and the last problem in
// words), the retries it decides itself, continue-as-new, and how a
// permanent failure ends it. A class keeps that state, in the manner of
// samples-typescript's safe-message-handlers.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type QueryDefinition,
} from '@temporalio/workflow';
import { CorfixAccountIdKey, ProcoreCompanyIdKey, SyncPhaseKey, SyncStateKey } from '../temporal/search-attributes.js';
import { describeFailure, RetriesExhausted, retryVisibly, type NextAttempt, type RetryPolicy, type VisibleRetry } from './visible-retries.js';
import { stateLine, type IntegrationIds } from './sync-words.js';

/** projects | users | forms: a sync is at work on them; waiting: a continuous sync between cycles; paused: until resumed */
export type SyncPhase = 'projects' | 'users' | 'forms' | 'done' | 'waiting' | 'paused';
export type SyncState = 'ok' | 'retrying' | 'failed';

/** What every sync's progress carries, whatever else it counts. */
export interface SyncReport {
  phase: SyncPhase;
  state: SyncState;
  /** the last problem in words, while retrying or after failing */
  problem: string | null;
  attempt: number;
  /** a retry under way when the previous run continued as new: this run goes on with it */
  pendingRetry?: NextAttempt<unknown> | null;
}

export interface SyncRunOptions<P extends SyncReport> {
  /** answers with the progress */
  query: QueryDefinition<P>;
  /**
   * The first lines of the workflow's current details in the Web UI: what it
   * is for (every run says it: continue-as-new starts a run without the
   * start's static summary) and its progress in counts. Ids and counts only.
   */
  describe(progress: P): string[];
  /** saves the sentence where the API shows it while the sync waits to retry, and when it tries again */
  recordProblem(message: string, nextTryAt: string): Promise<void>;
  /** clears the problem from where the API shows it: the sync is well again */
  recordRecovered(): Promise<void>;
  /** saves the sentence where the API shows it when the sync stops for good */
  recordFailure(message: string): Promise<void>;
  /**
   * How the workflow ends when it cannot go on: the failure's type, the start
   * of its sentence, and the sentence recorded when it is cancelled.
   */
  failure: { type: string; prefix: string; cancelled: string };
  /** starts the next run of this workflow with the progress so far */
  continueAsNew(progress: P): Promise<never>;
}

/**
 * A run continues as new well before Temporal's own suggestion (4,096
 * events): an operator's Web UI stays fast, and no run nears the limit.
 */
const HISTORY_EVENTS_PER_RUN = 1_500;

/** Shows the sync in the Web UI's search attributes: where it is, and whether it is well. */
export function showSync(phase: SyncPhase | undefined, state: SyncState): void {
  upsertSearchAttributes([...(phase ? [{ key: SyncPhaseKey, value: phase }] : []), { key: SyncStateKey, value: state }]);
}

/** Which integration this workflow serves, from the search attributes it was started with (carried over continue-as-new). */
export function integrationIds(integrationId: string): IntegrationIds {
  const attributes = workflowInfo().typedSearchAttributes;
  return {
    integrationId,
    corfixAccountId: attributes.get(CorfixAccountIdKey),
    procoreCompanyId: attributes.get(ProcoreCompanyIdKey),
  };
}

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= HISTORY_EVENTS_PER_RUN;
}

export class SyncRun<P extends SyncReport> {
  /** the step under way, as its activity's summary says it */
  #now: string | null = null;
  /** the wait before the next attempt, in words, while retrying */
  #waiting: string | null = null;

  constructor(
    readonly progress: P,
    private readonly options: SyncRunOptions<P>,
  ) {
    setHandler(options.query, () => this.progress);
    showSync(progress.phase, progress.state);
    this.show();
  }

  enterPhase(phase: SyncPhase): void {
    this.progress.phase = phase;
    if (phase !== 'projects' && phase !== 'users' && phase !== 'forms') this.#now = null;
    showSync(phase, this.progress.state);
    this.show();
  }

  /**
   * Writes the current details the Web UI shows above the history: what the
   * workflow is for, its progress, the step under way, and the last problem
   * with what happens next. Called on every change the workflow makes itself;
   * a workflow whose progress changed between steps calls it too.
   */
  show(): void {
    const { progress } = this;
    const lines = [...this.options.describe(progress)];
    if (this.#now) lines.push(`Now: ${this.#now}`);
    lines.push(stateLine(progress.state, progress.problem, this.#waiting));
    setCurrentDetails(lines.join('\n'));
  }

  /**
   * Runs an activity call until it succeeds, waiting in plain sight between
   * tries. A long wait may continue as new; the next run goes on with the retry.
   * `policy` changes the backoff's cap and may give up (RetriesExhausted).
   */
  step<T, R = never>(summary: string, call: (resume: R | undefined, summary: string) => Promise<T>, policy?: RetryPolicy): Promise<T> {
    const pending = this.progress.pendingRetry as NextAttempt<R> | null | undefined;
    this.progress.pendingRetry = null;
    this.#now = summary;
    this.show();
    return retryVisibly(
      (resume: R | undefined) => call(resume, summary),
      {
        onRetry: (retry) => this.#retrying(retry),
        onRecovered: () => this.recover(),
        afterWait: async (next) => {
          if (!historyIsLong()) return;
          this.progress.pendingRetry = next;
          await this.#continueAsNew();
        },
      },
      pending ?? undefined,
      policy,
    );
  }

  /** Keeps history small on very large companies: carries the progress into a fresh run. */
  async continueAsNewIfSuggested(): Promise<void> {
    if (historyIsLong()) await this.#continueAsNew();
  }

  /** Whether this run's history is long enough to be carried into a fresh run. */
  historyIsLong(): boolean {
    return historyIsLong();
  }

  /** Carries the progress into a fresh run now (a continuous sync does so after every cycle). */
  continueAsNewNow(): Promise<never> {
    return this.#continueAsNew();
  }

  async #continueAsNew(): Promise<never> {
    await condition(allHandlersFinished);
    return this.options.continueAsNew(this.progress);
  }

  /**
   * Runs the sync's steps. A permanent failure is recorded and ends the
   * workflow with its sentence; so is a cancellation, whose recording must
   * not be cancelled with the rest (else Postgres would say "running" for ever).
   */
  async stopOnPermanentFailure<T>(steps: () => Promise<T>): Promise<T> {
    try {
      return await steps();
    } catch (error) {
      if (isCancellation(error)) {
        await CancellationScope.nonCancellable(() => this.#stopped(this.options.failure.cancelled));
        throw error;
      }
      if (!(error instanceof ActivityFailure)) throw error;
      const message = describeFailure(error);
      await this.#stopped(message);
      throw ApplicationFailure.nonRetryable(`${this.options.failure.prefix}: ${message}`, this.options.failure.type);
    }
  }

  /**
   * Runs steps that may fail for good without ending the workflow (a
   * continuous sync; a form upload, also when its retries ran out): the failure is recorded like a stop ("failed", the
   * sentence where the API shows it) and false is returned; the caller waits
   * for a resume. Cancellations and bugs go through.
   */
  async holdOnPermanentFailure(steps: () => Promise<void>): Promise<boolean> {
    try {
      await steps();
      return true;
    } catch (error) {
      if (error instanceof RetriesExhausted) {
        await this.#stopped(error.message);
        return false;
      }
      if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
      await this.#stopped(describeFailure(error));
      return false;
    }
  }

  /** After a resume: the failure is behind, the state is ok again where the operator looks. */
  async recover(): Promise<void> {
    this.progress.problem = null;
    this.#waiting = null;
    this.#setState('ok');
    await this.options.recordRecovered();
  }

  async #stopped(message: string): Promise<void> {
    this.progress.problem = message;
    this.#waiting = null;
    this.#setState('failed');
    await this.options.recordFailure(message);
  }

  async #retrying(retry: VisibleRetry): Promise<void> {
    this.progress.problem = `${retry.message} (attempt ${retry.attempt}; next try in ${Math.ceil(retry.delayMs / 1000)} s)`;
    this.progress.attempt = retry.attempt;
    this.#waiting = retry.waiting;
    if (this.progress.state !== 'retrying') this.#setState('retrying');
    else this.show();
    // Workflow time is deterministic: the same instant on replay.
    await this.options.recordProblem(this.progress.problem, new Date(Date.now() + retry.delayMs).toISOString());
  }

  #setState(state: SyncState): void {
    if (state === 'ok') this.progress.attempt = 0;
    this.progress.state = state;
    showSync(undefined, state);
    this.show();
  }
}
