// Which Procore file holds a Corfix form, which revision it holds, and how
// its upload stands (pending, retrying, uploaded, failed, skipped). Procore
// uploads are not idempotent, so the intent (revision, upload uuid, file
// name, folder, size) is written before the create-file call; a retry finds
// the intent and looks for that file in Procore before uploading again.
// Each decision is also the form's row in the sync report (entity `form`).
import type { FormReason } from '../../domain/sync-outcome.js';
import { outcomeOfReason } from '../../domain/sync-outcome.js';
import { serviceMetrics } from '../../observability/metrics.js';
import type { Database } from '../database.js';

export const FORM_STATES = ['pending', 'retrying', 'uploaded', 'failed', 'skipped'] as const;
export type FormState = (typeof FORM_STATES)[number];

export interface FormLink {
  integrationId: string;
  corfixFormId: string;
  state: FormState;
  /** the newest revision a webhook announced */
  latestRevision: number | null;
  procoreProjectId: string | null;
  procoreFolderId: string | null;
  procoreFileId: string | null;
  /** the name Procore gave the file (with its " (1)" when it renamed it) */
  procoreFileName: string | null;
  /** how many versions the file had after our last upload */
  procoreVersionCount: number | null;
  uploadedRevision: number | null;
  intent: UploadIntentRecord | null;
  /** the problem in words, while retrying or after failing */
  lastError: string | null;
  nextTryAt: string | null;
  failedAt: string | null;
  updatedAt: string;
}

/** An upload under way: written before the create-file (or new-version) call. */
export interface UploadIntentRecord {
  revision: number;
  uploadUuid: string;
  /** the name asked for (Procore may give another) */
  fileName: string;
  folderId: string;
  /** the PDF's size in bytes: a file found later must have it */
  size: number;
  at: string;
}

/** A form_links row as Postgres holds it (tests read the table with it too). */
export interface FormLinkRow {
  integration_id: string;
  corfix_form_id: string;
  state: FormState;
  latest_revision: number | null;
  procore_project_id: string | null;
  procore_folder_id: string | null;
  procore_file_id: string | null;
  procore_file_name: string | null;
  procore_version_count: number | null;
  uploaded_revision: number | null;
  intent_revision: number | null;
  intent_upload_uuid: string | null;
  intent_file_name: string | null;
  intent_folder_id: string | null;
  intent_size: number | null;
  intent_at: Date | null;
  last_error: string | null;
  next_try_at: Date | null;
  failed_at: Date | null;
  updated_at: Date;
}

const idOrNull = (v: string | number | null) => (v === null ? null : String(v));
const isoOrNull = (d: Date | null) => (d === null ? null : d.toISOString());

const toFormLink = (r: FormLinkRow): FormLink => ({
  integrationId: r.integration_id,
  corfixFormId: r.corfix_form_id,
  state: r.state,
  latestRevision: r.latest_revision,
  procoreProjectId: idOrNull(r.procore_project_id),
  procoreFolderId: idOrNull(r.procore_folder_id),
  procoreFileId: idOrNull(r.procore_file_id),
  procoreFileName: r.procore_file_name,
  procoreVersionCount: r.procore_version_count,
  uploadedRevision: r.uploaded_revision,
  intent:
    r.intent_revision !== null && r.intent_upload_uuid !== null && r.intent_folder_id !== null && r.intent_at !== null
      ? {
          revision: r.intent_revision,
          uploadUuid: r.intent_upload_uuid,
          fileName: r.intent_file_name ?? '',
          folderId: String(r.intent_folder_id),
          size: r.intent_size ?? 0,
          at: r.intent_at.toISOString(),
        }
      : null,
  lastError: r.last_error,
  nextTryAt: isoOrNull(r.next_try_at),
  failedAt: isoOrNull(r.failed_at),
  updatedAt: r.updated_at.toISOString(),
});

export async function findFormLink(db: Database, integrationId: string, corfixFormId: string): Promise<FormLink | undefined> {
  const row = await db<FormLinkRow>('form_links').where({ integration_id: integrationId, corfix_form_id: corfixFormId }).first();
  return row ? toFormLink(row) : undefined;
}

const key = (integrationId: string, corfixFormId: string) => ({ integration_id: integrationId, corfix_form_id: corfixFormId });

/**
 * A webhook announced this revision: the form is known (pending until its
 * workflow decides), and the newest revision announced is kept. A form in
 * a final state goes back to pending only for a revision newer than the
 * one it holds.
 */
export async function noteFormRevision(db: Database, integrationId: string, corfixFormId: string, revision: number): Promise<void> {
  await db.raw(
    `INSERT INTO form_links (integration_id, corfix_form_id, latest_revision, state)
     VALUES (?, ?, ?, 'pending')
     ON CONFLICT (integration_id, corfix_form_id) DO UPDATE
       SET latest_revision = GREATEST(form_links.latest_revision, EXCLUDED.latest_revision),
           state = CASE
             WHEN form_links.state IN ('uploaded', 'skipped') AND EXCLUDED.latest_revision > COALESCE(form_links.uploaded_revision, 0)
               THEN 'pending' ELSE form_links.state END,
           updated_at = now()`,
    [integrationId, corfixFormId, revision],
  );
}

/** Counts a form's report row (corfix_procore_entities_synced_total), once its transaction committed. */
function countFormOutcome(reason: FormReason): void {
  serviceMetrics.outcomesRecorded('form', outcomeOfReason(reason), reason);
}

/** The row in the sync report for a form: its latest decision (counted by the caller after its commit: countFormOutcome). */
async function recordFormOutcome(
  db: Database,
  integrationId: string,
  corfixFormId: string,
  reason: FormReason,
  procoreFileId: string | null,
): Promise<void> {
  await db.raw(
    `INSERT INTO sync_outcomes (integration_id, entity, procore_id, outcome, reason, field, corfix_id, decided_at)
     VALUES (?, 'form', ?, ?, ?, NULL, ?, now())
     ON CONFLICT (integration_id, corfix_id) WHERE entity = 'form' DO UPDATE
       SET procore_id = COALESCE(EXCLUDED.procore_id, sync_outcomes.procore_id), outcome = EXCLUDED.outcome,
           reason = EXCLUDED.reason, decided_at = now()`,
    [integrationId, procoreFileId, outcomeOfReason(reason), reason, corfixFormId],
  );
}

export interface UploadIntent extends Omit<UploadIntentRecord, 'at'> {
  integrationId: string;
  corfixFormId: string;
  procoreProjectId: string;
}

/** Written before the create-file or new-version call: a retry looks for its file first. */
export async function recordUploadIntent(db: Database, intent: UploadIntent): Promise<void> {
  const values = {
    procore_project_id: intent.procoreProjectId,
    intent_revision: intent.revision,
    intent_upload_uuid: intent.uploadUuid,
    intent_file_name: intent.fileName,
    intent_folder_id: intent.folderId,
    intent_size: intent.size,
    intent_at: db.fn.now(),
    updated_at: db.fn.now(),
  };
  await db('form_links')
    .insert({ ...key(intent.integrationId, intent.corfixFormId), ...values })
    .onConflict(['integration_id', 'corfix_form_id'])
    .merge(Object.keys(values));
}

export interface UploadedForm {
  integrationId: string;
  corfixFormId: string;
  procoreProjectId: string;
  procoreFolderId: string;
  procoreFileId: string;
  procoreFileName: string;
  procoreVersionCount: number;
  revision: number;
  /** a new file, or a new version of the form's file */
  reason: 'uploaded' | 'new_version';
}

/** The upload landed: the form now lives in this Procore file at this revision. */
export async function recordUploaded(db: Database, done: UploadedForm): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('form_links')
      .where(key(done.integrationId, done.corfixFormId))
      .update({
        state: 'uploaded',
        procore_project_id: done.procoreProjectId,
        procore_folder_id: done.procoreFolderId,
        procore_file_id: done.procoreFileId,
        procore_file_name: done.procoreFileName,
        procore_version_count: done.procoreVersionCount,
        uploaded_revision: done.revision,
        intent_revision: null,
        intent_upload_uuid: null,
        intent_file_name: null,
        intent_folder_id: null,
        intent_size: null,
        intent_at: null,
        last_error: null,
        next_try_at: null,
        failed_at: null,
        updated_at: trx.fn.now(),
      });
    await recordFormOutcome(trx, done.integrationId, done.corfixFormId, done.reason, done.procoreFileId);
  });
  countFormOutcome(done.reason);
}

/**
 * The form's newest revision was found in Procore already (a retry whose
 * earlier attempt recorded its upload but was cut off before it answered,
 * e.g. its worker killed): the form shows as uploaded again, instead of the
 * retrying or pending the retry left, unless a newer revision was announced
 * meanwhile.
 */
export async function confirmUploaded(db: Database, integrationId: string, corfixFormId: string): Promise<void> {
  await db('form_links')
    .where(key(integrationId, corfixFormId))
    .whereNot('state', 'uploaded')
    .whereRaw('uploaded_revision >= COALESCE(latest_revision, 0)')
    .update({ state: 'uploaded', last_error: null, next_try_at: null, failed_at: null, updated_at: db.fn.now() });
}

/** The form's file is gone from Procore (deleted there): the next upload makes a new one. */
export async function forgetFormFile(db: Database, integrationId: string, corfixFormId: string): Promise<void> {
  await db('form_links').where(key(integrationId, corfixFormId)).update({
    procore_file_id: null,
    procore_file_name: null,
    procore_version_count: null,
    uploaded_revision: null,
    updated_at: db.fn.now(),
  });
}

export type FormSkipReason = Extract<FormReason, 'draft' | 'project_not_linked' | 'not_selected' | 'sync_forms_off'>;

/**
 * Nothing to upload: a draft, a form whose Corfix project is not linked to a
 * Procore project or is linked to one the project selection leaves out, Sync Forms off.
 */
export async function recordFormSkipped(
  db: Database,
  skipped: { integrationId: string; corfixFormId: string; reason: FormSkipReason },
): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('form_links')
      .insert({ ...key(skipped.integrationId, skipped.corfixFormId), state: 'skipped' })
      .onConflict(['integration_id', 'corfix_form_id'])
      .merge({ state: 'skipped', last_error: null, next_try_at: null, failed_at: null, updated_at: trx.fn.now() });
    await recordFormOutcome(trx, skipped.integrationId, skipped.corfixFormId, skipped.reason, null);
  });
  countFormOutcome(skipped.reason);
}

/** An attempt failed and another follows at `nextTryAt`. */
export async function recordFormRetrying(
  db: Database,
  retry: { integrationId: string; corfixFormId: string; message: string; nextTryAt: Date },
): Promise<void> {
  await db('form_links')
    .insert({ ...key(retry.integrationId, retry.corfixFormId), state: 'retrying', last_error: retry.message, next_try_at: retry.nextTryAt })
    .onConflict(['integration_id', 'corfix_form_id'])
    .merge({ state: 'retrying', last_error: retry.message, next_try_at: retry.nextTryAt, updated_at: db.fn.now() });
}

/** Tried again after a retry or a failure: the problem is behind (the upload goes on). */
export async function recordFormRecovered(db: Database, integrationId: string, corfixFormId: string): Promise<void> {
  await db('form_links')
    .where(key(integrationId, corfixFormId))
    .whereIn('state', ['retrying', 'failed'])
    .update({ state: 'pending', last_error: null, next_try_at: null, failed_at: null, updated_at: db.fn.now() });
}

/** Given up on (days of retries, or a refusal no retry fixes): the report says so until a retry. */
export async function recordFormFailed(db: Database, failed: { integrationId: string; corfixFormId: string; message: string }): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('form_links')
      .insert({ ...key(failed.integrationId, failed.corfixFormId), state: 'failed', last_error: failed.message, failed_at: trx.fn.now() })
      .onConflict(['integration_id', 'corfix_form_id'])
      .merge({ state: 'failed', last_error: failed.message, next_try_at: null, failed_at: trx.fn.now(), updated_at: trx.fn.now() });
    await recordFormOutcome(trx, failed.integrationId, failed.corfixFormId, 'upload_failed', null);
  });
  countFormOutcome('upload_failed');
}

/** Of these Procore files, those that already hold a form of the integration. */
export async function filesHoldingForms(db: Database, integrationId: string, procoreFileIds: readonly string[]): Promise<Set<string>> {
  if (procoreFileIds.length === 0) return new Set();
  const rows = await db('form_links')
    .where({ integration_id: integrationId })
    .whereIn('procore_file_id', procoreFileIds)
    .select<{ procore_file_id: string }[]>('procore_file_id');
  return new Set(rows.map((r) => String(r.procore_file_id)));
}

/** How many of the integration's forms are in each state. */
export async function countFormStates(db: Database, integrationId: string): Promise<Record<FormState, number>> {
  return (await countFormStatesOfIntegrations(db, [integrationId])).get(integrationId) ?? noFormStates();
}

/** Every state at 0: an integration without forms. */
export const noFormStates = () => Object.fromEntries(FORM_STATES.map((s) => [s, 0])) as Record<FormState, number>;

/** countFormStates of several integrations in one query (the status page's list); every integration asked for gets its counts. */
export async function countFormStatesOfIntegrations(
  db: Database,
  integrationIds: readonly string[],
): Promise<Map<string, Record<FormState, number>>> {
  const counts = new Map(integrationIds.map((id) => [id, noFormStates()]));
  if (integrationIds.length === 0) return counts;
  const rows = await db('form_links')
    .whereIn('integration_id', integrationIds)
    .groupBy('integration_id', 'state')
    .select('integration_id', 'state')
    .count<{ integration_id: string; state: FormState; count: string }[]>('* as count');
  for (const r of rows) {
    const of = counts.get(r.integration_id);
    if (of) of[r.state] = Number(r.count);
  }
  return counts;
}

/** The integration's forms whose upload failed or is retrying (each with its last error), the most recently changed first. */
export async function listFormsInTrouble(db: Database, integrationId: string, limit: number): Promise<FormLink[]> {
  const rows = await db<FormLinkRow>('form_links')
    .where({ integration_id: integrationId })
    .whereIn('state', ['failed', 'retrying'])
    .orderBy([{ column: 'updated_at', order: 'desc' }, { column: 'corfix_form_id' }])
    .limit(limit);
  return rows.map(toFormLink);
}
