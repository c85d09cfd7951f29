// Procore folder ids, cached per project and key ("corfix-forms", "YYYY-MM"),
// so an upload does not walk the Documents tree every time.
import type { Database } from '../database.js';

export interface ProcoreFolder {
  integrationId: string;
  procoreProjectId: string;
  folderKey: string;
  procoreFolderId: string;
}

export async function findProcoreFolder(
  db: Database,
  key: Omit<ProcoreFolder, 'procoreFolderId'>,
): Promise<string | undefined> {
  const row = await db('procore_folders')
    .where({ integration_id: key.integrationId, procore_project_id: key.procoreProjectId, folder_key: key.folderKey })
    .first('procore_folder_id');
  return row ? String(row.procore_folder_id) : undefined;
}

/** Remembers the folder unless one is remembered already; returns the one that holds. */
export async function rememberProcoreFolder(db: Database, folder: ProcoreFolder): Promise<string> {
  await db('procore_folders')
    .insert({
      integration_id: folder.integrationId,
      procore_project_id: folder.procoreProjectId,
      folder_key: folder.folderKey,
      procore_folder_id: folder.procoreFolderId,
    })
    .onConflict(['integration_id', 'procore_project_id', 'folder_key'])
    .ignore();
  return (await findProcoreFolder(db, folder)) as string;
}

/**
 * Runs `work` while holding the project's folder lock (a Postgres advisory
 * lock, released with the transaction, or with the connection if the worker
 * dies), inside that transaction: forms of one project completing together
 * look for and create their folders one at a time, so each folder is made
 * once and the others find it in the cache. Form files are created under it
 * too, one at a time (src/activities/form-upload.ts). The waits are longer
 * than the connection defaults: the holder may wait for Procore's budget.
 */
export async function withProjectFolderLock<T>(
  db: Database,
  scope: { integrationId: string; procoreProjectId: string },
  work: (trx: Database) => Promise<T>,
): Promise<T> {
  return db.transaction(async (trx) => {
    await trx.raw("SET LOCAL lock_timeout = '150s'");
    await trx.raw("SET LOCAL statement_timeout = '160s'");
    await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [
      `procore-folders:${scope.integrationId}:${scope.procoreProjectId}`,
    ]);
    return work(trx);
  });
}
