// Links between what Procore has and what this integration made in Corfix.
// Writing a link is idempotent: a second write for the same Procore record
// keeps the first link and returns it, so a retried activity converges.
import type { Database } from '../database.js';

export interface ProjectLink {
  integrationId: string;
  procoreProjectId: string;
  corfixProjectId: string;
  lastProcoreActive: boolean;
  lastProcoreUpdatedAt: string | null;
  lastCorfixStatus: 'active' | 'upcoming' | 'completed';
  /** a hash of the fields last written to Corfix; null: not known (linked to what was there) */
  syncedFieldsHash?: string | null;
  /** linked to a record Corfix held before (adopt_existing), not one this integration made */
  adopted?: boolean;
}

export interface WorkerLink {
  integrationId: string;
  procoreUserId: string;
  corfixWorkerId: string;
  lastProcoreIsActive: boolean;
  lastProcoreIsEmployee: boolean;
  lastProcoreUpdatedAt: string | null;
  lastCorfixStatus: string;
  /** a hash of the fields last written to Corfix; null: not known (linked to what was there) */
  syncedFieldsHash?: string | null;
  /** linked to a record Corfix held before (adopt_existing), not one this integration made */
  adopted?: boolean;
}

interface ProjectLinkRow {
  integration_id: string;
  procore_project_id: string;
  corfix_project_id: string;
  last_procore_active: boolean;
  last_procore_updated_at: Date | null;
  last_corfix_status: ProjectLink['lastCorfixStatus'];
  synced_fields_hash: string | null;
  adopted: boolean;
}

interface WorkerLinkRow {
  integration_id: string;
  procore_user_id: string;
  corfix_worker_id: string;
  last_procore_is_active: boolean;
  last_procore_is_employee: boolean;
  last_procore_updated_at: Date | null;
  last_corfix_status: string;
  synced_fields_hash: string | null;
  adopted: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toProjectLink = (r: ProjectLinkRow): ProjectLink => ({
  integrationId: r.integration_id,
  procoreProjectId: String(r.procore_project_id),
  corfixProjectId: r.corfix_project_id,
  lastProcoreActive: r.last_procore_active,
  lastProcoreUpdatedAt: iso(r.last_procore_updated_at),
  lastCorfixStatus: r.last_corfix_status,
  syncedFieldsHash: r.synced_fields_hash,
  adopted: r.adopted,
});

const toWorkerLink = (r: WorkerLinkRow): WorkerLink => ({
  integrationId: r.integration_id,
  procoreUserId: String(r.procore_user_id),
  corfixWorkerId: r.corfix_worker_id,
  lastProcoreIsActive: r.last_procore_is_active,
  lastProcoreIsEmployee: r.last_procore_is_employee,
  lastProcoreUpdatedAt: iso(r.last_procore_updated_at),
  lastCorfixStatus: r.last_corfix_status,
  syncedFieldsHash: r.synced_fields_hash,
  adopted: r.adopted,
});

/** Links of these Procore projects, keyed by Procore id. */
export async function findProjectLinks(
  db: Database,
  integrationId: string,
  procoreProjectIds: readonly string[],
): Promise<Map<string, ProjectLink>> {
  if (procoreProjectIds.length === 0) return new Map();
  const rows = await db<ProjectLinkRow>('project_links')
    .where({ integration_id: integrationId })
    .whereIn('procore_project_id', procoreProjectIds);
  return new Map(rows.map((r) => [String(r.procore_project_id), toProjectLink(r)]));
}

/** The link of a Corfix project (a form names its Corfix project): which Procore project it is. */
export async function findProjectLinkByCorfixId(
  db: Database,
  integrationId: string,
  corfixProjectId: string,
): Promise<ProjectLink | undefined> {
  const row = await db<ProjectLinkRow>('project_links')
    .where({ integration_id: integrationId, corfix_project_id: corfixProjectId })
    .first();
  return row ? toProjectLink(row) : undefined;
}

export async function findWorkerLinks(
  db: Database,
  integrationId: string,
  procoreUserIds: readonly string[],
): Promise<Map<string, WorkerLink>> {
  if (procoreUserIds.length === 0) return new Map();
  const rows = await db<WorkerLinkRow>('worker_links')
    .where({ integration_id: integrationId })
    .whereIn('procore_user_id', procoreUserIds);
  return new Map(rows.map((r) => [String(r.procore_user_id), toWorkerLink(r)]));
}

/** Writes the link unless this Procore project is linked already; returns the link that holds. */
export async function saveProjectLink(db: Database, link: ProjectLink): Promise<ProjectLink> {
  await db('project_links')
    .insert({
      integration_id: link.integrationId,
      procore_project_id: link.procoreProjectId,
      corfix_project_id: link.corfixProjectId,
      last_procore_active: link.lastProcoreActive,
      last_procore_updated_at: link.lastProcoreUpdatedAt,
      last_corfix_status: link.lastCorfixStatus,
      synced_fields_hash: link.syncedFieldsHash ?? null,
      adopted: link.adopted ?? false,
    })
    .onConflict(['integration_id', 'procore_project_id'])
    .ignore();
  const held = await findProjectLinks(db, link.integrationId, [link.procoreProjectId]);
  return held.get(link.procoreProjectId) as ProjectLink;
}

export async function saveWorkerLink(db: Database, link: WorkerLink): Promise<WorkerLink> {
  await db('worker_links')
    .insert({
      integration_id: link.integrationId,
      procore_user_id: link.procoreUserId,
      corfix_worker_id: link.corfixWorkerId,
      last_procore_is_active: link.lastProcoreIsActive,
      last_procore_is_employee: link.lastProcoreIsEmployee,
      last_procore_updated_at: link.lastProcoreUpdatedAt,
      last_corfix_status: link.lastCorfixStatus,
      synced_fields_hash: link.syncedFieldsHash ?? null,
      adopted: link.adopted ?? false,
    })
    .onConflict(['integration_id', 'procore_user_id'])
    .ignore();
  const held = await findWorkerLinks(db, link.integrationId, [link.procoreUserId]);
  return held.get(link.procoreUserId) as WorkerLink;
}

/** An adopted record's claim was refused: its link, saved before the claim, goes (only an adopted one). */
export async function dropAdoptedProjectLink(db: Database, integrationId: string, procoreProjectId: string): Promise<void> {
  await db('project_links').where({ integration_id: integrationId, procore_project_id: procoreProjectId, adopted: true }).delete();
}

export async function dropAdoptedWorkerLink(db: Database, integrationId: string, procoreUserId: string): Promise<void> {
  await db('worker_links').where({ integration_id: integrationId, procore_user_id: procoreUserId, adopted: true }).delete();
}

export async function countLinks(db: Database, integrationId: string): Promise<{ projects: number; workers: number }> {
  const [p] = await db('project_links').where({ integration_id: integrationId }).count<{ count: string }[]>('* as count');
  const [w] = await db('worker_links').where({ integration_id: integrationId }).count<{ count: string }[]>('* as count');
  return { projects: Number(p?.count ?? 0), workers: Number(w?.count ?? 0) };
}

/** What a cycle learned of a linked project: Procore's state now, and what it wrote to Corfix. */
export async function rememberProjectState(
  db: Database,
  integrationId: string,
  procoreProjectId: string,
  seen: Pick<ProjectLink, 'lastProcoreActive' | 'lastProcoreUpdatedAt' | 'lastCorfixStatus'> & { syncedFieldsHash?: string | null },
): Promise<void> {
  await db('project_links')
    .where({ integration_id: integrationId, procore_project_id: procoreProjectId })
    .update({
      last_procore_active: seen.lastProcoreActive,
      last_procore_updated_at: seen.lastProcoreUpdatedAt,
      last_corfix_status: seen.lastCorfixStatus,
      ...(seen.syncedFieldsHash === undefined ? {} : { synced_fields_hash: seen.syncedFieldsHash }),
      updated_at: db.fn.now(),
    });
}

/** What a cycle learned of a linked user: Procore's state now, and the worker's status and fields as written. */
export async function rememberWorkerState(
  db: Database,
  integrationId: string,
  procoreUserId: string,
  seen: Partial<Pick<WorkerLink, 'lastProcoreIsActive' | 'lastProcoreIsEmployee' | 'lastProcoreUpdatedAt'>> &
    Pick<WorkerLink, 'lastCorfixStatus'> & { syncedFieldsHash?: string | null },
): Promise<void> {
  const patch: Record<string, unknown> = { last_corfix_status: seen.lastCorfixStatus, updated_at: db.fn.now() };
  if (seen.lastProcoreIsActive !== undefined) patch['last_procore_is_active'] = seen.lastProcoreIsActive;
  if (seen.lastProcoreIsEmployee !== undefined) patch['last_procore_is_employee'] = seen.lastProcoreIsEmployee;
  if (seen.lastProcoreUpdatedAt !== undefined) patch['last_procore_updated_at'] = seen.lastProcoreUpdatedAt;
  if (seen.syncedFieldsHash !== undefined) patch['synced_fields_hash'] = seen.syncedFieldsHash;
  await db('worker_links').where({ integration_id: integrationId, procore_user_id: procoreUserId }).update(patch);
}

/** A full reconciliation saw these Procore users in a list at `at` (a link never seen again was deleted in Procore). */
export async function markUsersListed(db: Database, integrationId: string, procoreUserIds: readonly string[], at: Date): Promise<void> {
  if (procoreUserIds.length === 0) return;
  await db('worker_links')
    .where({ integration_id: integrationId })
    .whereIn('procore_user_id', procoreUserIds)
    .update({ last_listed_at: at });
}

/** Links whose Procore user no full reconciliation since `since` has listed: deleted in Procore. */
export async function workerLinksNotListedSince(db: Database, integrationId: string, since: Date): Promise<WorkerLink[]> {
  const rows = await db<WorkerLinkRow>('worker_links')
    .where({ integration_id: integrationId })
    .andWhere((q) => q.whereNull('last_listed_at').orWhere('last_listed_at', '<', since))
    .orderBy('procore_user_id');
  return rows.map(toWorkerLink);
}

/**
 * The integration a connect of this account to this company takes over the
 * links of: the newest one disconnected (a preview asks before any
 * integration exists; a connect leaves its own out).
 */
export async function findPreviousIntegrationId(
  db: Database,
  sides: { corfixAccountId: string; procoreCompanyId: string },
  exceptIntegrationId?: string,
): Promise<string | undefined> {
  const row = await db('integrations')
    .where({ corfix_account_id: sides.corfixAccountId, procore_company_id: sides.procoreCompanyId, status: 'disconnected' })
    .modify((q) => {
      if (exceptIntegrationId) q.whereNot('id', exceptIntegrationId);
    })
    .orderBy('generation', 'desc')
    .first<{ id: string } | undefined>('id');
  return row?.id;
}

/**
 * A reconnect of the same account to the same company takes over the links
 * of the integration before it (disconnected), so nothing is made twice and
 * what was made is known as this integration's own. Safe to repeat. An
 * adopted link is taken over as linked: its flag tells a page of the
 * generation that adopted the record to make its claim again, and a
 * reconnect reports what it takes over as linked, as a preview lists it.
 */
export async function takeOverLinksOfPreviousIntegration(
  db: Database,
  integration: { id: string; corfixAccountId: string; procoreCompanyId: string },
): Promise<{ projects: number; workers: number }> {
  const integrationId = integration.id;
  const previousId = await findPreviousIntegrationId(db, integration, integrationId);
  if (!previousId) return { projects: 0, workers: 0 };
  const projects = await db.raw(
    `INSERT INTO project_links (integration_id, procore_project_id, corfix_project_id, last_procore_active,
        last_procore_updated_at, last_corfix_status, synced_fields_hash)
     SELECT ?, procore_project_id, corfix_project_id, last_procore_active, last_procore_updated_at, last_corfix_status, synced_fields_hash
       FROM project_links WHERE integration_id = ?
     ON CONFLICT DO NOTHING`,
    [integrationId, previousId],
  );
  const workers = await db.raw(
    `INSERT INTO worker_links (integration_id, procore_user_id, corfix_worker_id, last_procore_is_active,
        last_procore_is_employee, last_procore_updated_at, last_corfix_status, synced_fields_hash)
     SELECT ?, procore_user_id, corfix_worker_id, last_procore_is_active, last_procore_is_employee, last_procore_updated_at,
            last_corfix_status, synced_fields_hash
       FROM worker_links WHERE integration_id = ?
     ON CONFLICT DO NOTHING`,
    [integrationId, previousId],
  );
  return { projects: projects.rowCount ?? 0, workers: workers.rowCount ?? 0 };
}
