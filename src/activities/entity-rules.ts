// How a Procore project or user not yet linked is decided and made in Corfix
// (entity-page.ts runs these rules over a page): the same at connect
// (initial-sync.ts) and after it (continuous-sync.ts), so a project or user
// that appears later is decided exactly as it would have been at connect.
// What Corfix already holds comes in as `CorfixProjectsKnown` /
// `CorfixWorkersKnown`: from every Corfix page (a page of many candidates) or
// from a few lookups (a cycle with a handful of changes).
import { createHash } from 'node:crypto';
import type { CorfixClient } from '../corfix/client.js';
import type { CorfixProject, CorfixWorker } from '../corfix/schemas.js';
import type { Database } from '../db/database.js';
import type { Integration } from '../db/repositories/integrations.js';
import { saveProjectLink, saveWorkerLink, type ProjectLink, type WorkerLink } from '../db/repositories/links.js';
import { idempotencyKey, procoreProjectExternalRef, procoreUserExternalRef } from '../domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey, type EmailKey, type ProjectNameKey, type ProjectNumberKey } from '../domain/matching-keys.js';
import { decideProject, type ProjectDecision } from '../domain/project-decision.js';
import { projectFields, projectNumberOf, type MappedProjectFields } from '../domain/project-fields.js';
import { isProjectSelected } from '../domain/project-selection.js';
import { presentText } from '../domain/text.js';
import { decideWorker, type WorkerDecision } from '../domain/worker-decision.js';
import { workerEmail, workerFields, type MappedWorkerFields } from '../domain/worker-fields.js';
import type { ProcoreProject, ProcoreUser } from '../procore/schemas.js';
import type { EntityRules } from './entity-page.js';

/**
 * A digest of the fields written to Corfix, kept on the link: a later
 * Procore change that leaves them as they are writes nothing, and the link
 * holds no names or emails. The project's status is kept apart (it has its
 * own column and its own rule).
 */
export function fieldsHash(fields: MappedWorkerFields | Omit<MappedProjectFields, 'status'>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

export function projectFieldsWithoutStatus(fields: MappedProjectFields): Omit<MappedProjectFields, 'status'> {
  const { status: _status, ...rest } = fields;
  return rest;
}

/** A Corfix record as the sync needs it to link it: its id and status. */
export type CorfixRecordFound<C extends { id: string; status: string }> = Pick<C, 'id' | 'status'>;

/** A project this sync made (or found made): its external ref, its record, the keys it now holds in Corfix. */
export interface MadeProject extends CorfixRecordFound<CorfixProject> {
  ref: string;
  numberKey: ProjectNumberKey | null;
  nameKey: ProjectNameKey;
}

export interface MadeWorker extends CorfixRecordFound<CorfixWorker> {
  ref: string;
  emailKey: EmailKey | null;
}

/**
 * What Corfix holds that a page's projects could meet. `keep` puts what the
 * page makes where later pages (and a retry of this one) see it: the initial
 * sync's snapshot (corfix-snapshot.ts). Without it, the page's own memory only.
 */
export interface CorfixProjectsKnown {
  numbers: Set<string>;
  names: Set<string>;
  byRef: Map<string, CorfixRecordFound<CorfixProject>>;
  keep?: (made: MadeProject) => Promise<void>;
}

export interface CorfixWorkersKnown {
  emails: Set<string>;
  byRef: Map<string, CorfixRecordFound<CorfixWorker>>;
  keep?: (made: MadeWorker) => Promise<void>;
}

export function corfixProjectsKnown(existing: readonly CorfixProject[]): CorfixProjectsKnown {
  return {
    numbers: new Set(existing.flatMap((p) => (p.project_number ? [projectNumberKey(p.project_number)] : []))),
    names: new Set(existing.map((p) => projectNameKey(p.name))),
    byRef: new Map(existing.flatMap((p) => (p.external_ref ? [[p.external_ref, p] as const] : []))),
  };
}

export function corfixWorkersKnown(existing: readonly CorfixWorker[]): CorfixWorkersKnown {
  return {
    emails: new Set(existing.flatMap((w) => (w.email ? [emailKey(w.email)] : []))),
    byRef: new Map(existing.flatMap((w) => (w.external_ref ? [[w.external_ref, w] as const] : []))),
  };
}

/** Up to this many candidates, a cycle looks each one up in Corfix; more, and it reads every Corfix page once. */
export const LOOKUPS_UP_TO = 20;

/** The Corfix projects a few Procore projects could meet: theirs by external_ref, and those sharing a number or a name. */
export async function lookUpCorfixProjects(
  corfix: CorfixClient,
  integration: Integration,
  projects: readonly ProcoreProject[],
): Promise<CorfixProject[]> {
  const found: CorfixProject[] = [];
  for (const project of projects) {
    const mine = await corfix.findProjectByExternalRef(integration.corfixAccountId, procoreProjectExternalRef(integration.procoreCompanyId, project.id));
    if (mine) found.push(mine);
    const number = projectNumberOf(project);
    if (number) found.push(...(await corfix.findProjectsByNumber(integration.corfixAccountId, number)));
    const name = presentText(project.name);
    if (name && !number) found.push(...(await corfix.findProjectsByName(integration.corfixAccountId, name)));
  }
  return found;
}

/** The Corfix workers a few Procore users could meet: theirs by external_ref, and one with the same email. */
export async function lookUpCorfixWorkers(
  corfix: CorfixClient,
  integration: Integration,
  users: readonly ProcoreUser[],
): Promise<CorfixWorker[]> {
  const found: CorfixWorker[] = [];
  for (const user of users) {
    const mine = await corfix.findWorkerByExternalRef(integration.corfixAccountId, procoreUserExternalRef(integration.procoreCompanyId, user.id));
    if (mine) found.push(mine);
    const email = workerEmail(user);
    const same = email ? await corfix.findWorkerByEmail(integration.corfixAccountId, email) : null;
    if (same) found.push(same);
  }
  return found;
}

export interface ProjectRulesContext {
  db: Database;
  corfix: CorfixClient;
  integration: Integration;
  /** 'YYYY-MM-DD' (UTC) */
  today: string;
  known: CorfixProjectsKnown;
  links: Map<string, ProjectLink>;
}

export function projectRules(
  ctx: ProjectRulesContext,
): EntityRules<ProcoreProject, CorfixProject, Extract<ProjectDecision, { outcome: 'created' }>> {
  const { integration, known } = ctx;
  const company = integration.procoreCompanyId;
  return {
    entity: 'project',
    externalRef: (project) => procoreProjectExternalRef(company, project.id),
    collisionKeys: (project) => {
      const number = projectNumberOf(project);
      const name = presentText(project.name);
      return [...(number ? [`number:${projectNumberKey(number)}`] : []), ...(name ? [`name:${projectNameKey(name)}`] : [])];
    },
    linkedCorfixId: (project) => ctx.links.get(project.id)?.corfixProjectId,
    madeEarlier: (project) => known.byRef.get(procoreProjectExternalRef(company, project.id)),
    decide: (project, linked) =>
      decideProject(project, {
        companyId: company,
        today: ctx.today,
        linked,
        selected: isProjectSelected(integration.projectSelection, project.id),
        corfixHasProjectNumber: (key) => known.numbers.has(key),
        corfixHasProjectName: (key) => known.names.has(key),
      }),
    create: (project, decision) =>
      ctx.corfix.createProject(integration.corfixAccountId, decision.fields, {
        idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: project.id, operation: 'project.create' }),
      }),
    findByExternalRef: (ref) => ctx.corfix.findProjectByExternalRef(integration.corfixAccountId, ref),
    saveLink: async (project, corfix) => {
      const mapped = projectFields(project, { companyId: company, today: ctx.today });
      await saveProjectLink(ctx.db, {
        integrationId: integration.id,
        procoreProjectId: project.id,
        corfixProjectId: corfix.id,
        lastProcoreActive: project.active,
        lastProcoreUpdatedAt: project.updatedAt,
        lastCorfixStatus: corfix.status,
        syncedFieldsHash: mapped.valid ? fieldsHash(projectFieldsWithoutStatus(mapped.fields)) : null,
      });
    },
    remember: async (project, decision, made) => {
      if (decision.numberKey) known.numbers.add(decision.numberKey);
      known.names.add(decision.nameKey);
      const ref = procoreProjectExternalRef(company, project.id);
      await known.keep?.({ ref, id: made.id, status: made.status, numberKey: decision.numberKey, nameKey: decision.nameKey });
    },
    refusalReason: () => undefined,
  };
}

export interface WorkerRulesContext {
  db: Database;
  corfix: CorfixClient;
  integration: Integration;
  serviceAccountUserId: string;
  known: CorfixWorkersKnown;
  links: Map<string, WorkerLink>;
}

export function workerRules(ctx: WorkerRulesContext): EntityRules<ProcoreUser, CorfixWorker, Extract<WorkerDecision, { outcome: 'created' }>> {
  const { integration, known } = ctx;
  const company = integration.procoreCompanyId;
  return {
    entity: 'user',
    externalRef: (user) => procoreUserExternalRef(company, user.id),
    collisionKeys: (user) => {
      const email = workerEmail(user);
      return email ? [`email:${emailKey(email)}`] : [];
    },
    linkedCorfixId: (user) => ctx.links.get(user.id)?.corfixWorkerId,
    madeEarlier: (user) => known.byRef.get(procoreUserExternalRef(company, user.id)),
    decide: (user, linked) =>
      decideWorker(user, {
        companyId: company,
        linked,
        serviceAccountUserId: ctx.serviceAccountUserId,
        syncEmployeesOnly: integration.syncEmployeesOnly,
        automaticallyActivateWorkers: integration.autoActivateWorkers,
        corfixHasEmail: (key) => known.emails.has(key),
      }),
    create: (user, decision) =>
      ctx.corfix.createWorker(integration.corfixAccountId, decision.fields, {
        idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: user.id, operation: 'worker.create' }),
        activate: decision.activate,
      }),
    findByExternalRef: (ref) => ctx.corfix.findWorkerByExternalRef(integration.corfixAccountId, ref),
    saveLink: async (user, worker) => {
      const mapped = workerFields(user, { companyId: company });
      await saveWorkerLink(ctx.db, {
        integrationId: integration.id,
        procoreUserId: user.id,
        corfixWorkerId: worker.id,
        lastProcoreIsActive: user.isActive,
        lastProcoreIsEmployee: user.isEmployee,
        lastProcoreUpdatedAt: user.updatedAt,
        lastCorfixStatus: worker.status,
        syncedFieldsHash: mapped.valid ? fieldsHash(mapped.fields) : null,
      });
    },
    remember: async (user, decision, made) => {
      if (decision.emailKey) known.emails.add(decision.emailKey);
      const ref = procoreUserExternalRef(company, user.id);
      await known.keep?.({ ref, id: made.id, status: made.status, emailKey: decision.emailKey });
    },
    // Someone added a worker with this email in Corfix since the page began.
    refusalReason: (error) => (error.code === 'email_taken' ? { reason: 'email_exists', field: null } : undefined),
  };
}
