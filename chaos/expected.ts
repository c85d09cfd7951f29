// What Corfix should hold, from Procore's final state and what the Corfix
// account held before the connect, by the product's own rules: the records
// are read with the Procore client's schemas and decided with
// src/domain's functions, exactly as the sync decides them (a record not
// linked yet is decided afresh; `linked` is the sync's memory, not a rule).
//
// Where the outcome depends on what the service saw on the way, both ends
// are allowed: a user inactive now may never have been seen active (no
// worker) or been seen and blocked since; a project completed now may never
// have been created or been created and completed since.
import { procoreProjectExternalRef, procoreUserExternalRef } from '../src/domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey, type EmailKey, type ProjectNameKey, type ProjectNumberKey } from '../src/domain/matching-keys.js';
import { decideProject } from '../src/domain/project-decision.js';
import { projectFields, type MappedProjectFields } from '../src/domain/project-fields.js';
import { decideWorker } from '../src/domain/worker-decision.js';
import { workerFields, type MappedWorkerFields } from '../src/domain/worker-fields.js';
import { projectSchema, readEach, userSchema, type ProcoreProject, type ProcoreUser } from '../src/procore/schemas.js';

/** What the Corfix account held before the connect, as the rules compare it. */
export interface CorfixBefore {
  projects: Array<{ name: string; project_number: string | null }>;
  workers: Array<{ email: string | null }>;
}

export type ExpectedWorker =
  /** exactly one worker with the user's external_ref, these fields, not blocked */
  | { kind: 'worker'; fields: MappedWorkerFields }
  /** inactive now: no worker, or one (with these fields when Corfix can take them) that is blocked */
  | { kind: 'blocked_or_none'; fields: MappedWorkerFields | null }
  /** no worker: the rules skip the user (the reason) */
  | { kind: 'none'; reason: string };

export type ExpectedProject =
  | { kind: 'project'; fields: MappedProjectFields }
  /** completed now and not created at the connect: none, or one with these fields (status completed) */
  | { kind: 'completed_or_none'; fields: MappedProjectFields }
  | { kind: 'none'; reason: string };

export interface ExpectedCorfix {
  /** by the user's external_ref */
  workers: Map<string, ExpectedWorker>;
  /** by the project's external_ref */
  projects: Map<string, ExpectedProject>;
  /** Procore records the client could not read (none expected: the simulator serves what it stores) */
  unreadable: number;
}

export interface ProcoreFinal {
  companyId: number;
  serviceAccountUserId: number;
  /** the directory and the projects as the simulator stores them */
  users: unknown[];
  projects: unknown[];
  /** UTC date the status rule reads */
  today: string;
}

/** The sync's settings in the chaos run: every user (not employees only), workers activated on create. */
const SETTINGS = { syncEmployeesOnly: false, automaticallyActivateWorkers: true } as const;

export function expectedCorfix(procore: ProcoreFinal, before: CorfixBefore): ExpectedCorfix {
  const companyId = String(procore.companyId);
  const users = readEach(procore.users, userSchema);
  const projects = readEach(procore.projects, projectSchema);
  const emails = new Set<EmailKey>(before.workers.flatMap((w) => (w.email ? [emailKey(w.email)] : [])));
  const numbers = new Set<ProjectNumberKey>(before.projects.flatMap((p) => (p.project_number ? [projectNumberKey(p.project_number)] : [])));
  const names = new Set<ProjectNameKey>(before.projects.map((p) => projectNameKey(p.name)));

  const workers = new Map<string, ExpectedWorker>();
  for (const user of users.items) workers.set(procoreUserExternalRef(companyId, user.id), expectedWorker(user, companyId, String(procore.serviceAccountUserId), emails));

  const expectedProjects = new Map<string, ExpectedProject>();
  for (const project of projects.items) {
    expectedProjects.set(procoreProjectExternalRef(companyId, project.id), expectedProject(project, companyId, procore.today, numbers, names));
  }
  return { workers, projects: expectedProjects, unreadable: users.unreadable.length + projects.unreadable.length };
}

function expectedWorker(user: ProcoreUser, companyId: string, serviceAccountUserId: string, emails: Set<EmailKey>): ExpectedWorker {
  const decision = decideWorker(user, {
    companyId,
    linked: false,
    serviceAccountUserId,
    ...SETTINGS,
    adoptExisting: false,
    corfixWorkersWithEmail: (key) => (emails.has(key) ? [{ id: 'c-held', taken: true }] : []),
  });
  if (decision.outcome === 'created') return { kind: 'worker', fields: decision.fields };
  if (decision.reason === 'inactive_not_in_corfix') {
    const mapped = workerFields(user, { companyId });
    return { kind: 'blocked_or_none', fields: mapped.valid ? mapped.fields : null };
  }
  return { kind: 'none', reason: decision.reason };
}

function expectedProject(
  project: ProcoreProject,
  companyId: string,
  today: string,
  numbers: Set<ProjectNumberKey>,
  names: Set<ProjectNameKey>,
): ExpectedProject {
  const decision = decideProject(project, {
    companyId,
    today,
    linked: false,
    // the chaos run connects with every project selected
    selected: true,
    adoptExisting: false,
    corfixProjectsWithNumber: (key) => (numbers.has(key) ? [{ id: 'c-held', taken: true }] : []),
    corfixProjectsWithName: (key) => (names.has(key) ? [{ id: 'c-held', taken: true }] : []),
  });
  if (decision.outcome === 'created') return { kind: 'project', fields: decision.fields };
  if (decision.reason === 'completed_not_in_corfix') {
    const mapped = projectFields(project, { companyId, today });
    if (mapped.valid) return { kind: 'completed_or_none', fields: mapped.fields };
  }
  return { kind: 'none', reason: decision.reason };
}
