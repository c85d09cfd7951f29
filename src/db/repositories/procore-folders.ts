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
