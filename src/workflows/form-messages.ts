// The messages FormUploadWithRetry answers: the webhook route and the
// reconciler announce a form's new revision (signalWithStart), an operator
// asks for another try, and anyone may ask how the upload stands. Signals
// carry the revision number only: the form and its PDF are read from Corfix.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SyncReport } from './sync-run.js';

export interface FormChange {
  /** the revision a webhook announced (they may come twice, and out of order) */
  revision: number;
}

/** Corfix announced a revision of the form (form.completed, form.updated). */
export const formChangedSignal = defineSignal<[FormChange]>('formChanged');
/** Try again now: after a failure (days of retries, a refusal), or to file a form whose webhook was lost. */
export const retryFormSignal = defineSignal('retry');

export interface FormUploadStatus extends SyncReport {
  formId: string;
  /** the newest revision announced */
  announcedRevision: number;
  /** revisions up to this one have been dealt with (uploaded, skipped, or given up on) */
  handledRevision: number;
  /** the revision Procore holds, as far as this workflow knows */
  uploadedRevision: number | null;
  /** what the last attempt did: created, new_version, found_after_crash, already_there, a skip reason, held, failed */
  lastOutcome: string | null;
  /** a retry was asked for and has not run yet */
  retryRequested: boolean;
}

export const formStatusQuery = defineQuery<FormUploadStatus>('status');
