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
}

export interface WorkerLink {
  integrationId: string;
  procoreUserId: string;
  corfixWorkerId: string;
  lastProcoreIsActive: boolean;
  lastProcoreIsEmployee: boolean;
  lastProcoreUpdatedAt: string | null;
  lastCorfixStatus: string;
}

interface ProjectLinkRow {
  integration_id: string;
  procore_project_id: string;
  corfix_project_id: string;
  last_procore_active: boolean;
  last_procore_updated_at: Date | null;
  last_corfix_status: ProjectLink['lastCorfixStatus'];
}

interface WorkerLinkRow {
  integration_id: string;
  procore_user_id: string;
  corfix_worker_id: string;
  last_procore_is_active: boolean;
  last_procore_is_employee: boolean;
  last_procore_updated_at: Date | null;
  last_corfix_status: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toProjectLink = (r: ProjectLinkRow): ProjectLink => ({
  integrationId: r.integration_id,
  procoreProjectId: String(r.procore_project_id),
  corfixProjectId: r.corfix_project_id,
  lastProcoreActive: r.last_procore_active,
  lastProcoreUpdatedAt: iso(r.last_procore_updated_at),
  lastCorfixStatus: r.last_corfix_status,
});

const toWorkerLink = (r: WorkerLinkRow): WorkerLink => ({
  integrationId: r.integration_id,
  procoreUserId: String(r.procore_user_id),
  corfixWorkerId: r.corfix_worker_id,
  lastProcoreIsActive: r.last_procore_is_active,
  lastProcoreIsEmployee: r.last_procore_is_employee,
  lastProcoreUpdatedAt: iso(r.last_procore_updated_at),
  lastCorfixStatus: r.last_corfix_status,
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
    })
    .onConflict(['integration_id', 'procore_user_id'])
    .ignore();
  const held = await findWorkerLinks(db, link.integrationId, [link.procoreUserId]);
  return held.get(link.procoreUserId) as WorkerLink;
}

export async function countLinks(db: Database, integrationId: string): Promise<{ projects: number; workers: number }> {
  const [p] = await db('project_links').where({ integration_id: integrationId }).count<{ count: string }[]>('* as count');
  const [w] = await db('worker_links').where({ integration_id: integrationId }).count<{ count: string }[]>('* as count');
  return { projects: Number(p?.count ?? 0), workers: Number(w?.count ?? 0) };
}
