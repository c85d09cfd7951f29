// FormUploadWithRetry (form-upload/{integration_id}/{form_id}): files one
// Corfix form in its Procore project's Documents and keeps the file at the
// form's newest revision. Started or woken by signalWithStart for every
// form.completed / form.updated, so there is one workflow, and at most one
// upload in flight, per form; a burst of revisions coalesces, since each
// attempt reads the form as it is now. Procore outages are waited out with
// a backoff capped at an hour, honouring Procore's requested delays, for up
// to seven days; then the form is failed (SyncState "failed", the sentence in
// the API and the report) and waits for a retry or a newer revision.
import { condition, continueAsNew, proxyActivities, setHandler, type QueryDefinition } from '@temporalio/workflow';
import type { FormUploadActivities, FormUploadResult } from '../activities/form-upload.js';
import { bookkeeping, summarized, syncWork } from './activity-options.js';
import { formChangedSignal, formStatusQuery, retryFormSignal, type FormUploadStatus } from './form-messages.js';
import { integrationIds, SyncRun } from './sync-run.js';
import { purposeLine } from './sync-words.js';
import type { RetryPolicy } from './visible-retries.js';

const filing = proxyActivities<FormUploadActivities>(syncWork);
const record = proxyActivities<FormUploadActivities>(bookkeeping);

/** Retries: doubling up to an hour between tries, for at most seven days. */
export const FORM_RETRY_POLICY: Required<RetryPolicy> = {
  maxBackoffMs: 60 * 60_000,
  giveUpAfterMs: 7 * 24 * 60 * 60_000,
};

/** While the integration is connecting, paused or in error, how often the form looks again. */
export const HELD_RECHECK_MS = 5 * 60_000;

/**
 * How long a failed form's workflow stays open waiting for a retry, so that
 * `SyncState = "failed"` lists it among the running ones; then it ends, and
 * the failure stays in Postgres (the API, the report) until a retry.
 */
export const FAILED_HOLD_MS = 30 * 24 * 60 * 60_000;

export interface FormUploadInput {
  integrationId: string;
  formId: string;
  /** carried over continue-as-new */
  state?: FormUploadState;
}

export interface FormUploadState extends FormUploadStatus {
  /** a retry asked for: the next pass runs even with no newer revision */
  retryRequested: boolean;
}

function freshState(formId: string): FormUploadState {
  return {
    formId,
    phase: 'forms',
    state: 'ok',
    problem: null,
    attempt: 0,
    announcedRevision: 0,
    handledRevision: 0,
    uploadedRevision: null,
    lastOutcome: null,
    retryRequested: false,
  };
}

export async function FormUploadWithRetry(input: FormUploadInput): Promise<void> {
  const { integrationId, formId } = input;
  const form = { integrationId, formId };
  const state = input.state ?? freshState(formId);

  const purpose = purposeLine({ kind: 'form-upload', formId }, integrationIds(integrationId));
  const run = new SyncRun<FormUploadState>(state, {
    query: formStatusQuery as unknown as QueryDefinition<FormUploadState>,
    describe: (current) => [purpose, revisionsLine(current)],
    recordProblem: (message, nextTryAt) => record.recordFormRetrying({ ...form, message, nextTryAt }),
    recordRecovered: () => record.recordFormRecovered(form),
    recordFailure: (message) => record.recordFormFailed({ ...form, message }),
    failure: { type: 'FormUploadFailed', prefix: `Form ${formId} was not filed in Procore`, cancelled: 'The form upload was cancelled' },
    continueAsNew: (next) => continueAsNew<typeof FormUploadWithRetry>({ integrationId, formId, state: next }),
  });

  // Handlers first: a revision announced during the first activity is not lost.
  setHandler(formChangedSignal, ({ revision }) => {
    state.announcedRevision = Math.max(state.announcedRevision, revision);
  });
  setHandler(retryFormSignal, () => {
    state.retryRequested = true;
  });

  // A retry the previous run was waiting out when it continued as new is work too (the retry that asked for it was consumed).
  const workDue = () => state.retryRequested || state.announcedRevision > state.handledRevision || Boolean(state.pendingRetry);

  for (;;) {
    if (state.state === 'failed') {
      // Given up on: waits, in plain sight, for an operator's retry or a newer revision.
      run.enterPhase('paused');
      const woken = await condition(() => workDue() || run.historyIsLong(), FAILED_HOLD_MS);
      // Postgres keeps the failure; a retry (signalWithStart) starts a fresh run.
      if (!woken) break;
      if (!workDue()) await run.continueAsNewNow();
      await run.recover();
    }
    if (!workDue()) break;
    // The revisions the last attempt covers: each attempt reads the form as it is when it starts.
    let upTo = state.announcedRevision;
    state.retryRequested = false;
    run.enterPhase('forms');

    let result: FormUploadResult | undefined;
    const filed = await run.holdOnPermanentFailure(async () => {
      result = await run.step(
        `filing revision ${state.announcedRevision} in Procore`,
        () => {
          upTo = state.announcedRevision;
          return filing.uploadForm.executeWithOptions(summarized(syncWork, `upload revision ${upTo}`), [form]);
        },
        FORM_RETRY_POLICY,
      );
    });
    if (!filed || result === undefined) {
      // What was announced so far is given up on; a newer revision or a retry starts again.
      state.handledRevision = Math.max(state.handledRevision, upTo);
      state.lastOutcome = 'failed';
      continue;
    }
    state.lastOutcome = result.outcome === 'uploaded' ? result.how : result.outcome === 'skipped' ? result.reason : result.outcome;
    if (result.outcome === 'gone') break;
    if (result.outcome === 'held') {
      // Not now (connecting, paused, in error): look again later, or when told.
      state.retryRequested = true;
      run.enterPhase('paused');
      await condition(() => state.announcedRevision > upTo, HELD_RECHECK_MS);
    } else {
      // The attempt read the form as it was then: every revision announced before it is dealt with.
      const done = result.outcome === 'uploaded' ? result.revision : 0;
      if (result.outcome === 'uploaded') state.uploadedRevision = Math.max(state.uploadedRevision ?? 0, result.revision);
      state.handledRevision = Math.max(state.handledRevision, upTo, done);
    }
    run.show();
    await run.continueAsNewIfSuggested();
  }
  run.enterPhase('done');
}

/** The form's line of the current details: which revisions Corfix announced, which Procore holds, what the last attempt did. */
function revisionsLine(state: FormUploadState): string {
  const filed = state.uploadedRevision === null ? 'none yet' : `revision ${state.uploadedRevision}`;
  return `Revisions: ${state.announcedRevision} announced, ${state.handledRevision} dealt with; in Procore: ${filed}; last outcome: ${state.lastOutcome ?? 'none yet'}`;
}
