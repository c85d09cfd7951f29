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
import {
  dropAdoptedProjectLink,
  dropAdoptedWorkerLink,
  saveProjectLink,
  saveWorkerLink,
  type ProjectLink,
  type WorkerLink,
} from '../db/repositories/links.js';
import { idempotencyKey, procoreProjectExternalRef, procoreUserExternalRef } from '../domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey, type EmailKey, type ProjectNameKey, type ProjectNumberKey } from '../domain/matching-keys.js';
import type { CorfixMatch } from '../domain/existing-match.js';
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

/** A Corfix record holding a matching key, as a page knows it. */
export interface CorfixCandidate extends CorfixMatch {
  status: string;
}

/**
 * A project this sync made, found made, or claimed: its external ref, its
 * record, the keys it now holds in Corfix. A claimed one (adopted) brings no
 * key: it held its keys when the snapshot was taken, and every one of them
 * is taken from now on.
 */
export interface MadeProject extends CorfixRecordFound<CorfixProject> {
  ref: string;
  numberKey: ProjectNumberKey | null;
  nameKey: ProjectNameKey | null;
  claimed?: true;
}

export interface MadeWorker extends CorfixRecordFound<CorfixWorker> {
  ref: string;
  emailKey: EmailKey | null;
  claimed?: true;
}

/**
 * What Corfix holds that a page's projects could meet. `keep` puts what the
 * page makes where later pages (and a retry of this one) see it: the initial
 * sync's snapshot (corfix-snapshot.ts). Without it, the page's own memory only.
 */
export interface CorfixProjectsKnown {
  /** per project number, the Corfix projects holding it */
  numbers: Map<ProjectNumberKey, CorfixCandidate[]>;
  names: Map<ProjectNameKey, CorfixCandidate[]>;
  byRef: Map<string, CorfixRecordFound<CorfixProject>>;
  keep?: (made: MadeProject) => Promise<void>;
}

export interface CorfixWorkersKnown {
  emails: Map<EmailKey, CorfixCandidate[]>;
  byRef: Map<string, CorfixRecordFound<CorfixWorker>>;
  keep?: (made: MadeWorker) => Promise<void>;
}

/** Groups records by a key of theirs (a record without it is left out). */
function holdersBy<K extends string, R extends { id: string; status: string; external_ref?: string | null | undefined }>(
  records: readonly R[],
  keyOf: (record: R) => K | null,
): Map<K, CorfixCandidate[]> {
  const holders = new Map<K, CorfixCandidate[]>();
  for (const record of records) {
    const key = keyOf(record);
    if (key === null) continue;
    const held = holders.get(key) ?? [];
    if (!held.some((c) => c.id === record.id)) held.push({ id: record.id, status: record.status, taken: Boolean(record.external_ref) });
    holders.set(key, held);
  }
  return holders;
}

/** The record belongs to this integration now, under every key it holds. */
function takeHeld(holders: ReadonlyArray<Map<string, CorfixCandidate[]>>, corfixId: string): void {
  for (const byKey of holders) for (const held of byKey.values()) for (const c of held) if (c.id === corfixId) c.taken = true;
}

/** A record the page knows as holding a key (an adoption links it before its claim answers). */
function heldRecordOf(holders: ReadonlyArray<Map<string, CorfixCandidate[]>>, corfixId: string): { id: string; status: string } {
  for (const byKey of holders) for (const held of byKey.values()) for (const c of held) if (c.id === corfixId) return { id: c.id, status: c.status };
  throw new Error(`Corfix record ${corfixId} was decided on but is not among the records the page knows`);
}

/**
 * What a page learns once it made `made`: it holds its key, and belongs to
 * this integration. (A record made is new to the page, and one found made
 * carries this integration's ref: it was listed as taken already.)
 */
function rememberHeld<K extends string>(holders: Map<K, CorfixCandidate[]>, key: K | null, made: { id: string; status: string }): void {
  if (key === null) return;
  const held = holders.get(key) ?? [];
  if (!held.some((c) => c.id === made.id)) held.push({ id: made.id, status: made.status, taken: true });
  holders.set(key, held);
}

export function corfixProjectsKnown(existing: readonly CorfixProject[]): CorfixProjectsKnown {
  return {
    numbers: holdersBy(existing, (p) => (p.project_number ? projectNumberKey(p.project_number) : null)),
    names: holdersBy(existing, (p) => projectNameKey(p.name)),
    byRef: new Map(existing.flatMap((p) => (p.external_ref ? [[p.external_ref, p] as const] : []))),
  };
}

export function corfixWorkersKnown(existing: readonly CorfixWorker[]): CorfixWorkersKnown {
  return {
    emails: holdersBy(existing, (w) => (w.email ? emailKey(w.email) : null)),
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

/**
 * Whose decisions: an integration's, or a preview's (its settings, as the
 * connect would save them; its id only names idempotency keys and links a
 * preview never writes).
 */
export type RulesSubject = Pick<
  Integration,
  'id' | 'corfixAccountId' | 'procoreCompanyId' | 'syncEmployeesOnly' | 'autoActivateWorkers' | 'adoptExisting' | 'projectSelection'
>;

export interface ProjectRulesContext {
  db: Database;
  corfix: CorfixClient;
  integration: RulesSubject;
  /** 'YYYY-MM-DD' (UTC) */
  today: string;
  known: CorfixProjectsKnown;
  links: Map<string, ProjectLink>;
}

/** A 404 for a record may mean the account is gone: asking for the account throws then (it stops the page). */
const accountCheck = (corfix: CorfixClient, accountId: string) => async (): Promise<void> => {
  await corfix.getAccount(accountId);
};

export function projectRules(
  ctx: ProjectRulesContext,
): EntityRules<ProcoreProject, CorfixProject, Extract<ProjectDecision, { outcome: 'created' }>, Extract<ProjectDecision, { outcome: 'adopted' }>> {
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
    linkAdopted: (project) => ctx.links.get(project.id)?.adopted === true,
    madeEarlier: (project) => known.byRef.get(procoreProjectExternalRef(company, project.id)),
    decide: (project, linked, adoptExisting = integration.adoptExisting) =>
      decideProject(project, {
        companyId: company,
        today: ctx.today,
        linked,
        selected: isProjectSelected(integration.projectSelection, project.id),
        adoptExisting,
        corfixProjectsWithNumber: (key) => known.numbers.get(key) ?? [],
        corfixProjectsWithName: (key) => known.names.get(key) ?? [],
      }),
    // Claimed with this integration's external_ref: from now on it is re-found like a project the integration made.
    adopt: (project, corfixId) => ctx.corfix.updateProject(integration.corfixAccountId, corfixId, { external_ref: procoreProjectExternalRef(company, project.id) }),
    reserve: (corfixId) => takeHeld([known.numbers, known.names], corfixId),
    heldRecord: (corfixId) => heldRecordOf([known.numbers, known.names], corfixId) as CorfixRecordFound<CorfixProject>,
    create: (project, decision) =>
      ctx.corfix.createProject(integration.corfixAccountId, decision.fields, {
        idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: project.id, operation: 'project.create' }),
      }),
    findByExternalRef: (ref) => ctx.corfix.findProjectByExternalRef(integration.corfixAccountId, ref),
    saveLink: async (project, corfix, adopted) => {
      const mapped = projectFields(project, { companyId: company, today: ctx.today });
      await saveProjectLink(ctx.db, {
        adopted,
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
      rememberHeld(known.numbers, decision.numberKey, made);
      rememberHeld(known.names, decision.nameKey, made);
      const ref = procoreProjectExternalRef(company, project.id);
      await known.keep?.({ ref, id: made.id, status: made.status, numberKey: decision.numberKey, nameKey: decision.nameKey });
    },
    keepClaimed: async (project, claimed) => {
      takeHeld([known.numbers, known.names], claimed.id);
      // Its keys are known already (it held them when listed): its ref is new, and it is taken.
      await known.keep?.({ ref: procoreProjectExternalRef(company, project.id), id: claimed.id, status: claimed.status, numberKey: null, nameKey: null, claimed: true });
    },
    dropLink: (project) => dropAdoptedProjectLink(ctx.db, integration.id, project.id),
    checkAccount: accountCheck(ctx.corfix, integration.corfixAccountId),
    refusalReason: () => undefined,
  };
}

export interface WorkerRulesContext {
  db: Database;
  corfix: CorfixClient;
  integration: RulesSubject;
  serviceAccountUserId: string;
  known: CorfixWorkersKnown;
  links: Map<string, WorkerLink>;
}

export function workerRules(
  ctx: WorkerRulesContext,
): EntityRules<ProcoreUser, CorfixWorker, Extract<WorkerDecision, { outcome: 'created' }>, Extract<WorkerDecision, { outcome: 'adopted' }>> {
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
    linkAdopted: (user) => ctx.links.get(user.id)?.adopted === true,
    madeEarlier: (user) => known.byRef.get(procoreUserExternalRef(company, user.id)),
    decide: (user, linked, adoptExisting = integration.adoptExisting) =>
      decideWorker(user, {
        companyId: company,
        linked,
        serviceAccountUserId: ctx.serviceAccountUserId,
        syncEmployeesOnly: integration.syncEmployeesOnly,
        automaticallyActivateWorkers: integration.autoActivateWorkers,
        adoptExisting,
        corfixWorkersWithEmail: (key) => known.emails.get(key) ?? [],
      }),
    // Claimed with this integration's external_ref; its status stays as it is (activation is Corfix's own).
    adopt: (user, corfixId) => ctx.corfix.updateWorker(integration.corfixAccountId, corfixId, { external_ref: procoreUserExternalRef(company, user.id) }),
    reserve: (corfixId) => takeHeld([known.emails], corfixId),
    heldRecord: (corfixId) => heldRecordOf([known.emails], corfixId) as CorfixRecordFound<CorfixWorker>,
    create: (user, decision) =>
      ctx.corfix.createWorker(integration.corfixAccountId, decision.fields, {
        idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: user.id, operation: 'worker.create' }),
        activate: decision.activate,
      }),
    findByExternalRef: (ref) => ctx.corfix.findWorkerByExternalRef(integration.corfixAccountId, ref),
    saveLink: async (user, worker, adopted) => {
      const mapped = workerFields(user, { companyId: company });
      await saveWorkerLink(ctx.db, {
        adopted,
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
      rememberHeld(known.emails, decision.emailKey, made);
      const ref = procoreUserExternalRef(company, user.id);
      await known.keep?.({ ref, id: made.id, status: made.status, emailKey: decision.emailKey });
    },
    keepClaimed: async (user, claimed) => {
      takeHeld([known.emails], claimed.id);
      await known.keep?.({ ref: procoreUserExternalRef(company, user.id), id: claimed.id, status: claimed.status, emailKey: null, claimed: true });
    },
    dropLink: (user) => dropAdoptedWorkerLink(ctx.db, integration.id, user.id),
    checkAccount: accountCheck(ctx.corfix, integration.corfixAccountId),
    // Someone added a worker with this email in Corfix since the page began.
    refusalReason: (error) => (error.code === 'email_taken' ? { reason: 'email_exists', field: null } : undefined),
  };
}
