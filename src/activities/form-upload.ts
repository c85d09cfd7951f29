// The activities of FormUploadWithRetry (docs/design.md, Workflows): one
// call files the form's newest revision in Procore, exactly once, and the
// bookkeeping that shows how its upload stands. Safe to repeat at every step:
// - what was uploaded (form_links) is read first, so a revision already in
//   Procore is not sent again;
// - the intent (revision, upload uuid, name, folder, size) is written before
//   the create-file or new-version call, and a later attempt that finds an
//   intent looks in Procore for what it made before uploading again;
// - a project's files are created one at a time, under its lock (see
//   createFile), so that what a lost answer made is told apart from the
//   files of other forms of the same name;
// - the first revision makes the file, every later one a new version of it.
import { ApplicationFailure } from '@temporalio/common';
import type { CorfixFormPdf } from '../corfix/client.js';
import type { CorfixForm } from '../corfix/schemas.js';
import {
  confirmUploaded,
  findFormLink,
  forgetFormFile,
  recordFormFailed,
  recordFormRecovered,
  recordFormRetrying,
  recordFormSkipped,
  recordUploaded,
  recordUploadIntent,
  type FormLink,
  type FormSkipReason,
  type UploadIntentRecord,
} from '../db/repositories/form-links.js';
import { findIntegration, type Integration, type IntegrationStatus } from '../db/repositories/integrations.js';
import { findProjectLinkByCorfixId } from '../db/repositories/links.js';
import { withProjectFolderLock } from '../db/repositories/procore-folders.js';
import { formFileName } from '../domain/form-filing.js';
import { isProjectSelected } from '../domain/project-selection.js';
import { RequestRejectedError } from '../http/errors.js';
import { serviceMetrics } from '../observability/metrics.js';
import type { ProcoreClient } from '../procore/client.js';
import type { ProcoreFile } from '../procore/schemas.js';
import { StopRequested, withHeartbeats, type ActivityDependencies, type ActivityProgress } from './activity-support.js';
import { ensureMonthFolder, findLostUpload, type FilingScope } from './form-filing.js';

export interface FormUploadInput {
  integrationId: string;
  formId: string;
}

export type FormUploadResult =
  /** the form's newest revision is in Procore: a new file, a new version, or it was there already */
  | { outcome: 'uploaded'; revision: number; how: 'created' | 'new_version' | 'found_after_crash' | 'already_there' }
  /** nothing to upload; the reason is in the sync report */
  | { outcome: 'skipped'; reason: FormSkipReason }
  /** the integration is not running its syncs now (connecting, paused, in error): try again later */
  | { outcome: 'held'; status: IntegrationStatus }
  /** the integration was disconnected or removed: nothing more to do for it */
  | { outcome: 'gone' };

const PDF = 'application/pdf';

/**
 * The reason code of a failed upload attempt (corfix_procore_form_upload_failures_total):
 * its failure's kind in snake case (RateLimitedError: rate_limited,
 * DatabaseUnavailable: database_unavailable, ...); undefined for an attempt
 * that did not fail but stopped (cancelled, or handed back as its worker shut down).
 */
export function uploadFailureReason(failure: unknown): string | undefined {
  if (!(failure instanceof ApplicationFailure) || failure.type == null || failure.type === 'WorkerShutdown') return undefined;
  return failure.type
    .replace(/Error$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** How often an upload waiting for (or holding) its project's create lock says it is alive. */
const CREATE_LOCK_HEARTBEAT_MS = 2_000;

export function createFormUploadActivities(deps: ActivityDependencies) {
  const { db, clients } = deps;

  /** The form is in this Procore file at this revision: the link and the report row say so. */
  function recordFiled(
    scope: FilingScope,
    formId: string,
    filed: { folderId: string; file: ProcoreFile; revision: number; reason: 'uploaded' | 'new_version' },
  ): Promise<void> {
    return recordUploaded(db, {
      integrationId: scope.integrationId,
      corfixFormId: formId,
      procoreProjectId: scope.procoreProjectId,
      procoreFolderId: filed.folderId,
      procoreFileId: filed.file.id,
      procoreFileName: filed.file.name,
      procoreVersionCount: filed.file.versions.length,
      revision: filed.revision,
      reason: filed.reason,
    });
  }

  /** Records what a lost answer made (found again in Procore); the link as it now stands. */
  async function adoptLostUpload(
    procore: ProcoreClient,
    scope: FilingScope,
    link: FormLink & { intent: UploadIntentRecord },
  ): Promise<FormLink | undefined> {
    const lost = await findLostUpload(db, procore, scope, link);
    if (!lost) return undefined;
    await recordFiled(scope, link.corfixFormId, {
      folderId: lost.kind === 'file' ? link.intent.folderId : (link.procoreFolderId ?? link.intent.folderId),
      file: lost.file,
      revision: link.intent.revision,
      reason: lost.kind === 'file' ? 'uploaded' : 'new_version',
    });
    return findFormLink(db, scope.integrationId, link.corfixFormId);
  }

  /** Sends the PDF to Procore's storage; the upload uuid to file. */
  async function sendContent(
    procore: ProcoreClient,
    scope: FilingScope,
    pdf: CorfixFormPdf,
    fileName: string,
    activity: ActivityProgress,
  ): Promise<string> {
    const uploadUuid = await procore.uploadContent(scope.procoreProjectId, { filename: fileName, contentType: PDF, data: pdf.bytes });
    activity.heartbeat();
    // Past this point (the intent) a lost answer is found again, not uploaded twice; before it, stopping loses nothing.
    if (activity.stopRequested()) throw new StopRequested();
    return uploadUuid;
  }

  async function writeIntent(
    scope: FilingScope,
    formId: string,
    pdf: CorfixFormPdf,
    target: { fileName: string; folderId: string; uploadUuid: string },
  ): Promise<void> {
    await recordUploadIntent(db, {
      integrationId: scope.integrationId,
      corfixFormId: formId,
      procoreProjectId: scope.procoreProjectId,
      revision: pdf.revision,
      uploadUuid: target.uploadUuid,
      fileName: target.fileName,
      folderId: target.folderId,
      size: pdf.bytes.length,
    });
  }

  /**
   * `work` with the project's lock held (the folder lock), heartbeating
   * while it waits for its turn. Creating a file, from its intent to its
   * record, and looking for the file a lost create made, happen only so:
   * a file is known again only by its folder, its name (or Procore's rename
   * of it) and its size, which other forms of the same template and day
   * share. One create at a time per project means at most one is ever
   * unrecorded (the one whose answer was lost), and a form looking for its
   * lost file cannot take one another form has just made and not yet
   * recorded. (Two creates of one name both left unrecorded before either
   * is looked for again, i.e. two failures within one retry's wait, would
   * still look alike.) The writes go through `db`, not the lock's
   * transaction: the intent must stay when the worker dies holding the lock.
   */
  async function withCreateLock<T>(scope: FilingScope, activity: ActivityProgress, work: () => Promise<T>): Promise<T> {
    const beat = setInterval(() => activity.heartbeat(), CREATE_LOCK_HEARTBEAT_MS);
    try {
      return await withProjectFolderLock(db, scope, () => work());
    } finally {
      clearInterval(beat);
    }
  }

  /** A new version of the form's file; undefined when the file is gone from Procore (deleted there). */
  async function addVersion(
    procore: ProcoreClient,
    scope: FilingScope,
    link: FormLink & { procoreFileId: string },
    pdf: CorfixFormPdf,
    activity: ActivityProgress,
  ): Promise<ProcoreFile | undefined> {
    const folderId = link.procoreFolderId ?? '';
    const fileName = link.procoreFileName ?? '';
    const uploadUuid = await sendContent(procore, scope, pdf, fileName, activity);
    await writeIntent(scope, link.corfixFormId, pdf, { fileName, folderId, uploadUuid });
    try {
      return await procore.addFileVersion(scope.procoreProjectId, link.procoreFileId, uploadUuid);
    } catch (error) {
      if (!(error instanceof RequestRejectedError && error.status === 404)) throw error;
      await forgetFormFile(db, scope.integrationId, link.corfixFormId);
      return undefined;
    }
  }

  /** The form's file, made and recorded under the project's lock (withCreateLock). */
  async function createFile(
    procore: ProcoreClient,
    scope: FilingScope,
    form: CorfixForm,
    pdf: CorfixFormPdf,
    activity: ActivityProgress,
  ): Promise<void> {
    const folderId = await ensureMonthFolder(db, procore, scope, form.form_date, activity.heartbeat);
    const fileName = formFileName(form.template_name, form.form_date);
    const uploadUuid = await sendContent(procore, scope, pdf, fileName, activity);
    await withCreateLock(scope, activity, async () => {
      await writeIntent(scope, form.id, pdf, { fileName, folderId, uploadUuid });
      const file = await procore.createFile(scope.procoreProjectId, { parentId: folderId, name: fileName, uploadUuid });
      await recordFiled(scope, form.id, { folderId, file, revision: pdf.revision, reason: 'uploaded' });
    });
  }

  async function upload(integration: Integration, formId: string, activity: ActivityProgress): Promise<FormUploadResult> {
    const integrationId = integration.id;
    const form = await clients.corfix.getForm(integration.corfixAccountId, formId);
    activity.heartbeat();
    if (form.status === 'draft') return skip(integrationId, formId, 'draft');
    const projectLink = await findProjectLinkByCorfixId(db, integrationId, form.project_id);
    if (!projectLink) return skip(integrationId, formId, 'project_not_linked');

    const scope: FilingScope = { integrationId, procoreProjectId: projectLink.procoreProjectId };
    const procore = clients.procore(integration.procoreCompanyId);
    let link = await findFormLink(db, integrationId, formId);
    let how: Extract<FormUploadResult, { outcome: 'uploaded' }>['how'] = 'already_there';
    if (link?.intent) {
      const lost = { ...link, intent: link.intent };
      // A lost create is looked for under the lock it was made under (withCreateLock); a lost version by its file.
      const adopted =
        lost.procoreFileId === null
          ? await withCreateLock(scope, activity, () => adoptLostUpload(procore, scope, lost))
          : await adoptLostUpload(procore, scope, lost);
      activity.heartbeat();
      if (adopted) [link, how] = [adopted, 'found_after_crash'];
    }
    if (link?.uploadedRevision != null && link.uploadedRevision >= form.revision) {
      // An earlier attempt filed it and was cut off before answering: the state its retry left is undone.
      if (link.state !== 'uploaded') await confirmUploaded(db, integrationId, formId);
      return { outcome: 'uploaded', revision: link.uploadedRevision, how };
    }

    // Left out by the project selection: not filed, as if not linked (a later revision or a retry files it once
    // included again). Asked only now: an upload made before it was left out, its answer lost, is recognised above.
    if (!isProjectSelected(integration.projectSelection, projectLink.procoreProjectId)) return skip(integrationId, formId, 'not_selected');

    const pdf = await clients.corfix.getFormPdf(integration.corfixAccountId, formId);
    activity.heartbeat();
    if (link?.procoreFileId) {
      const file = await addVersion(procore, scope, { ...link, procoreFileId: link.procoreFileId }, pdf, activity);
      if (file) {
        await recordFiled(scope, formId, { folderId: link.procoreFolderId ?? '', file, revision: pdf.revision, reason: 'new_version' });
        return { outcome: 'uploaded', revision: pdf.revision, how: 'new_version' };
      }
    }
    await createFile(procore, scope, form, pdf, activity);
    return { outcome: 'uploaded', revision: pdf.revision, how: 'created' };
  }

  async function skip(integrationId: string, formId: string, reason: FormSkipReason): Promise<FormUploadResult> {
    await recordFormSkipped(db, { integrationId, corfixFormId: formId, reason });
    return { outcome: 'skipped', reason };
  }

  return {
    /** Files the form's newest revision in Procore (or finds it there already). */
    async uploadForm(input: FormUploadInput): Promise<FormUploadResult> {
      try {
        return await withHeartbeats(
          () => ({ formId: input.formId }),
          async (activity) => {
            const integration = await findIntegration(db, input.integrationId);
            if (!integration || integration.status === 'disconnected') return { outcome: 'gone' };
            if (integration.status !== 'active') return { outcome: 'held', status: integration.status };
            if (!integration.syncForms) return skip(integration.id, input.formId, 'sync_forms_off');
            return upload(integration, input.formId, activity);
          },
          deps.workerStopping,
        );
      } catch (failure) {
        const reason = uploadFailureReason(failure);
        if (reason !== undefined) serviceMetrics.formUploadFailed(reason);
        throw failure;
      }
    },

    async recordFormRetrying(input: FormUploadInput & { message: string; nextTryAt: string }): Promise<void> {
      await recordFormRetrying(db, {
        integrationId: input.integrationId,
        corfixFormId: input.formId,
        message: input.message,
        nextTryAt: new Date(input.nextTryAt),
      });
    },

    async recordFormRecovered(input: FormUploadInput): Promise<void> {
      await recordFormRecovered(db, input.integrationId, input.formId);
    },

    async recordFormFailed(input: FormUploadInput & { message: string }): Promise<void> {
      await recordFormFailed(db, { integrationId: input.integrationId, corfixFormId: input.formId, message: input.message });
    },
  };
}

export type FormUploadActivities = ReturnType<typeof createFormUploadActivities>;
