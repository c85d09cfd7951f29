// Two integrations as the status page and the operator CLI show them, written
// through the repositories: one active (a report, a failed and a retrying
// form, a record Corfix refused, an unreadable Procore record) and one in
// error (its sync stopped for good, with the sentence). The texts carry HTML,
// as an error sentence or a form id could, to prove it is escaped; the
// connect carries a login that looks like an email, which must never show.
import type { Database } from '../../src/db/database.js';
import { noteFormRevision, recordFormFailed, recordFormRetrying, recordUploaded } from '../../src/db/repositories/form-links.js';
import {
  createIntegration,
  failContinuousSyncOf,
  findIntegration,
  recordInitialSyncProgress,
  updateIntegration,
  type Integration,
} from '../../src/db/repositories/integrations.js';
import { recordOutcomes, recordUnreadableRecords } from '../../src/db/repositories/sync-outcomes.js';

export const ACTIVE_ACCOUNT = 'acc_status_active';
export const ERROR_ACCOUNT = 'acc_status_error';
/** The error integration's sentence: HTML in it must show as text. */
export const ERROR_SENTENCE = 'Procore refused the Directory listing (403 App is not connected): <script>document.title="pwned"</script> reconnect the app';
export const FAILED_FORM = 'frm_failed_1';
export const FAILED_FORM_ERROR = 'Procore answered 422 on create file: <img src=x onerror="document.title=1"> the folder is locked';
export const RETRYING_FORM = 'frm_retrying_1';
export const RETRYING_FORM_ERROR = 'Procore answered 503; trying again';
/** Who connected the active one: a login never shown on the page or by the CLI. */
export const CONNECTED_BY_LOGIN = 'ana.lee@builder.example';

export interface StatusFixtures {
  active: Integration;
  error: Integration;
}

async function completed(db: Database, integration: Integration): Promise<void> {
  await updateIntegration(db, integration.id, { status: 'active', initialSyncState: 'completed' });
  await recordInitialSyncProgress(db, integration.id, 'projects', { name: 'projects', progress: { pages_done: 1, entities_done: 3 } });
  await recordInitialSyncProgress(db, integration.id, 'done', { name: 'users', progress: { pages_done: 2, entities_done: 5 } });
}

export async function seedStatusIntegrations(db: Database, companyIds: { active: string; error: string }): Promise<StatusFixtures> {
  const toggles = { syncEmployeesOnly: false, autoActivateWorkers: true, syncForms: true };
  const active = await createIntegration(db, {
    corfixAccountId: ACTIVE_ACCOUNT,
    procoreCompanyId: companyIds.active,
    ...toggles,
    connectedBy: { procoreUserId: '77001', procoreLogin: CONNECTED_BY_LOGIN },
    // More ids than the page and the CLI show.
    projectSelection: { mode: 'include', projectIds: Array.from({ length: 12 }, (_, i) => String(501 + i)) },
  });
  await completed(db, active);
  await recordOutcomes(db, active.id, [
    { entity: 'project', procoreId: '501', outcome: 'created', reason: 'created', field: null, corfixId: 'prj_501' },
    { entity: 'project', procoreId: '502', outcome: 'linked', reason: 'linked', field: null, corfixId: 'prj_502' },
    { entity: 'user', procoreId: '601', outcome: 'created', reason: 'created', field: null, corfixId: 'wkr_601' },
    { entity: 'user', procoreId: '602', outcome: 'skipped', reason: 'email_exists', field: null, corfixId: null },
    { entity: 'user', procoreId: '603', outcome: 'skipped', reason: 'invalid_record', field: 'mobile_phone', corfixId: null },
  ]);
  await recordUnreadableRecords(db, active.id, [
    { entity: 'user', list: 'active_users', page: 2, position: 17, field: 'id', problem: 'expected number' },
  ]);
  await noteFormRevision(db, active.id, 'frm_uploaded_1', 1);
  await recordUploaded(db, {
    integrationId: active.id,
    corfixFormId: 'frm_uploaded_1',
    procoreProjectId: '501',
    procoreFolderId: '9001',
    procoreFileId: '9101',
    procoreFileName: 'TOOLBOX TALK 2026-11-27.pdf',
    procoreVersionCount: 1,
    revision: 1,
    reason: 'uploaded',
  });
  await noteFormRevision(db, active.id, FAILED_FORM, 1);
  await recordFormFailed(db, { integrationId: active.id, corfixFormId: FAILED_FORM, message: FAILED_FORM_ERROR });
  await noteFormRevision(db, active.id, RETRYING_FORM, 2);
  await recordFormRetrying(db, {
    integrationId: active.id,
    corfixFormId: RETRYING_FORM,
    message: RETRYING_FORM_ERROR,
    nextTryAt: new Date(Date.now() + 60_000),
  });

  const error = await createIntegration(db, { corfixAccountId: ERROR_ACCOUNT, procoreCompanyId: companyIds.error, ...toggles });
  await completed(db, error);
  await failContinuousSyncOf(db, error.id, ERROR_SENTENCE);
  return { active: (await findIntegration(db, active.id)) as Integration, error: (await findIntegration(db, error.id)) as Integration };
}
