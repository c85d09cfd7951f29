// Where a form goes in a Procore project's Documents, and finding again what
// an upload whose answer was lost made. Folder ids are cached in Postgres;
// forms of one project look for and create folders one at a time (a lock per
// project), so fifty forms of a new month create its folder once.
import type { Database } from '../db/database.js';
import type { FormLink, UploadIntentRecord } from '../db/repositories/form-links.js';
import { filesHoldingForms } from '../db/repositories/form-links.js';
import { findProcoreFolder, rememberProcoreFolder, withProjectFolderLock } from '../db/repositories/procore-folders.js';
import { CORFIX_FORMS_FOLDER, isNameOrRename, monthFolderName, pickCorfixFormsFolder } from '../domain/form-filing.js';
import { RequestRejectedError } from '../http/errors.js';
import type { ProcoreClient } from '../procore/client.js';
import type { ProcoreFile } from '../procore/schemas.js';

/** The cache key of the Corfix Forms folder (month folders are keyed "YYYY-MM"). */
const FORMS_FOLDER_KEY = 'corfix-forms';

/**
 * How far apart our clock and Procore's may be when a file's first version
 * is compared with the moment the intent was written.
 */
const CLOCK_SKEW_MS = 2 * 60_000;

export interface FilingScope {
  integrationId: string;
  procoreProjectId: string;
}

/**
 * The month folder for a form dated `formDate`, inside the project's Corfix
 * Forms folder (an existing root folder whose name contains "Corfix Forms",
 * else one created so named); each created when missing. `progressed` is
 * called after each Procore answer.
 */
export async function ensureMonthFolder(
  db: Database,
  procore: ProcoreClient,
  scope: FilingScope,
  formDate: string,
  progressed: () => void,
): Promise<string> {
  const month = monthFolderName(formDate);
  const cached = await findProcoreFolder(db, { ...scope, folderKey: month });
  if (cached) return cached;
  return withProjectFolderLock(db, scope, async (trx) => {
    // Another form may have made it while this one waited for the lock.
    const madeMeanwhile = await findProcoreFolder(trx, { ...scope, folderKey: month });
    if (madeMeanwhile) return madeMeanwhile;
    const remember = (folderKey: string, procoreFolderId: string) => rememberProcoreFolder(trx, { ...scope, folderKey, procoreFolderId });

    let formsFolderId = await findProcoreFolder(trx, { ...scope, folderKey: FORMS_FOLDER_KEY });
    let formsFolderIsNew = false;
    if (!formsFolderId) {
      const root = await procore.rootFolder(scope.procoreProjectId);
      progressed();
      const existing = pickCorfixFormsFolder(root.folders);
      formsFolderIsNew = !existing;
      const formsFolder = existing ?? (await procore.createFolder(scope.procoreProjectId, { name: CORFIX_FORMS_FOLDER }));
      progressed();
      formsFolderId = await remember(FORMS_FOLDER_KEY, formsFolder.id);
    }
    // A folder just made is empty: no need to read it.
    const monthFolder = formsFolderIsNew
      ? undefined
      : (await procore.folder(scope.procoreProjectId, formsFolderId)).folders.find(
          (f) => !f.isDeleted && !f.isRecycleBin && f.name.trim() === month,
        );
    progressed();
    const folder = monthFolder ?? (await procore.createFolder(scope.procoreProjectId, { name: month, parentId: formsFolderId }));
    progressed();
    return remember(month, folder.id);
  });
}

/** What an upload whose answer was lost made, if it landed. */
export type LostUpload = { kind: 'file'; file: ProcoreFile } | { kind: 'version'; file: ProcoreFile };

const landedAfter = (createdAt: string | null | undefined, intent: UploadIntentRecord) =>
  createdAt !== null && createdAt !== undefined && Date.parse(createdAt) >= Date.parse(intent.at) - CLOCK_SKEW_MS;

/**
 * After an intent was written, the create-file or new-version call may have
 * landed without its answer being recorded (a worker killed, a timeout).
 * Finds what it made: for a new version, the form's file with more versions
 * than recorded, the newest made after the intent; for a new file, a file
 * in the intent's folder under the intended name or Procore's rename of it,
 * of the intended size, made after the intent, and holding no other form of
 * the integration (the exact name first, then the oldest). Undefined when
 * nothing landed: uploading again is then safe.
 */
export async function findLostUpload(
  db: Database,
  procore: ProcoreClient,
  scope: FilingScope,
  link: FormLink & { intent: UploadIntentRecord },
): Promise<LostUpload | undefined> {
  const { intent } = link;
  try {
    if (link.procoreFileId !== null) {
      const file = await procore.getFile(scope.procoreProjectId, link.procoreFileId);
      const newest = file.versions[file.versions.length - 1];
      const grew = file.versions.length > (link.procoreVersionCount ?? 0);
      return grew && landedAfter(newest?.createdAt, intent) ? { kind: 'version', file } : undefined;
    }
    const folder = await procore.folder(scope.procoreProjectId, intent.folderId);
    const named = folder.files.filter(
      (f) =>
        isNameOrRename(f.name, intent.fileName) && (f.size === null || f.size === intent.size) && landedAfter(f.versions[0]?.createdAt, intent),
    );
    const taken = await filesHoldingForms(
      db,
      scope.integrationId,
      named.map((f) => f.id),
    );
    const candidates = named.filter((f) => !taken.has(f.id)).sort((a, b) => compareIds(a.id, b.id));
    const file = candidates.find((f) => f.name.toLowerCase() === intent.fileName.toLowerCase()) ?? candidates[0];
    return file ? { kind: 'file', file } : undefined;
  } catch (error) {
    // The file or the folder is gone from Procore: nothing of it to find.
    if (error instanceof RequestRejectedError && error.status === 404) return undefined;
    throw error;
  }
}

/** Procore ids are strings of digits that may pass 2^53: compared by length, then as text. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
