// Which Procore file holds a Corfix form, and which revision it holds.
// Procore uploads are not idempotent, so the intent (revision, upload uuid,
// file name) is written before the create-file call; a retry finds the intent
// and looks for that file in Procore before uploading again.
import type { Database } from '../database.js';

export interface FormLink {
  integrationId: string;
  corfixFormId: string;
  procoreProjectId: string;
  procoreFileId: string | null;
  uploadedRevision: number | null;
  intentRevision: number | null;
  intentUploadUuid: string | null;
  intentFileName: string | null;
}

interface FormLinkRow {
  integration_id: string;
  corfix_form_id: string;
  procore_project_id: string;
  procore_file_id: string | null;
  uploaded_revision: number | null;
  intent_revision: number | null;
  intent_upload_uuid: string | null;
  intent_file_name: string | null;
}

const toFormLink = (r: FormLinkRow): FormLink => ({
  integrationId: r.integration_id,
  corfixFormId: r.corfix_form_id,
  procoreProjectId: String(r.procore_project_id),
  procoreFileId: r.procore_file_id === null ? null : String(r.procore_file_id),
  uploadedRevision: r.uploaded_revision,
  intentRevision: r.intent_revision,
  intentUploadUuid: r.intent_upload_uuid,
  intentFileName: r.intent_file_name,
});

export async function findFormLink(db: Database, integrationId: string, corfixFormId: string): Promise<FormLink | undefined> {
  const row = await db<FormLinkRow>('form_links').where({ integration_id: integrationId, corfix_form_id: corfixFormId }).first();
  return row ? toFormLink(row) : undefined;
}

export interface UploadIntent {
  integrationId: string;
  corfixFormId: string;
  procoreProjectId: string;
  revision: number;
  uploadUuid: string;
  fileName: string;
}

export async function recordUploadIntent(db: Database, intent: UploadIntent): Promise<void> {
  const values = {
    intent_revision: intent.revision,
    intent_upload_uuid: intent.uploadUuid,
    intent_file_name: intent.fileName,
    intent_at: db.fn.now(),
    updated_at: db.fn.now(),
  };
  await db('form_links')
    .insert({
      integration_id: intent.integrationId,
      corfix_form_id: intent.corfixFormId,
      procore_project_id: intent.procoreProjectId,
      ...values,
    })
    .onConflict(['integration_id', 'corfix_form_id'])
    .merge(Object.keys(values));
}

/** The upload landed: the form now lives in this Procore file at this revision. */
export async function recordUploaded(
  db: Database,
  done: { integrationId: string; corfixFormId: string; procoreFileId: string; revision: number },
): Promise<void> {
  await db('form_links')
    .where({ integration_id: done.integrationId, corfix_form_id: done.corfixFormId })
    .update({
      procore_file_id: done.procoreFileId,
      uploaded_revision: done.revision,
      intent_revision: null,
      intent_upload_uuid: null,
      intent_file_name: null,
      intent_at: null,
      updated_at: db.fn.now(),
    });
}
