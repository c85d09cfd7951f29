// The promise, checked at the end of a chaos run: nothing lost, nothing
// duplicated, always explainable. Each check is a small pure function of
// what the run observed (chaos/observe.ts gathers it) and returns its
// violations in words: ids, counts and codes only, never a name or an email.
import { emailKey } from '../src/domain/matching-keys.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../src/domain/external-ref.js';
import type { FormLinkRow } from '../src/db/repositories/form-links.js';
import type { FormRecord, ProjectRecord, WorkerRecord } from '../src/simulators/corfix/state.js';
import type { ExpectedCorfix } from './expected.js';

export interface InvariantResult {
  name: string;
  /** how many things were checked (records, rows, files, workflows) */
  checked: number;
  violations: string[];
}

/** A Procore file with each version's PDF title (the Corfix simulator titles a form's PDF "TEMPLATE DATE (revision N)"; null: not a PDF it made). */
export interface ObservedFile {
  id: number;
  project_id: number;
  name: string;
  is_deleted: boolean;
  versions: Array<{ number: number; title: string | null }>;
}

/** The title of the PDF of `form` at its revision `revision`. */
export const formPdfTitle = (form: Pick<FormRecord, 'template_name' | 'form_date'>, revision: number) => `${form.template_name} ${form.form_date} (revision ${revision})`;

/** The columns of a form's link the checks read (chaos/observe.ts selects these only). */
export const OBSERVED_FORM_LINK_COLUMNS = ['corfix_form_id', 'state', 'uploaded_revision', 'procore_file_id', 'procore_project_id'] as const;
export type ObservedFormLink = Pick<FormLinkRow, (typeof OBSERVED_FORM_LINK_COLUMNS)[number]>;

export interface ObservedWorkflow {
  workflowId: string;
  type: string;
  status: string;
  syncState: string | null;
  currentDetails: string | null;
}

export interface Observation {
  companyId: number;
  integrationId: string;
  expected: ExpectedCorfix;
  /** Procore users and projects that exist at the end, by id (as strings) */
  procoreUserIds: Set<string>;
  procoreProjectIds: Set<string>;
  /** the account's records at the end, and those it held before the connect */
  corfix: { projects: ProjectRecord[]; workers: WorkerRecord[]; forms: FormRecord[] };
  corfixBefore: { projects: ProjectRecord[]; workers: WorkerRecord[] };
  files: ObservedFile[];
  links: {
    projects: Array<{ procore_project_id: string; corfix_project_id: string }>;
    workers: Array<{ procore_user_id: string; corfix_worker_id: string }>;
    forms: ObservedFormLink[];
  };
  /** Corfix's form event deliveries that it gave up on, and those still under way */
  deliveries: { failed: number; pending: number };
  integration: { status: string; syncState: string; formStates: Record<string, number> } | null;
  workflows: ObservedWorkflow[];
  /** processes that ended without being asked to (the service must get over restarts by itself) */
  unexpectedExits: Array<{ service: string; atMs: number; how: string }>;
}

const WORKER_FIELDS = ['first_name', 'last_name', 'email', 'phone_number', 'employee_number'] as const;
const PROJECT_FIELDS = ['name', 'project_number', 'private_description', 'public_info', 'street_address', 'city', 'state', 'country', 'zip', 'status'] as const;
const ACTIVATED = new Set(['pending_email_verification', 'active_for_kiosk', 'active']);

function differingFields<K extends string>(fields: readonly K[], actual: Record<K, unknown>, wanted: Record<K, unknown>): K[] {
  return fields.filter((f) => (actual[f] ?? null) !== (wanted[f] ?? null));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** Corfix's workers are what the rules give from Procore's final state; deleted users' workers are blocked; the account's own workers untouched. */
export function workersFollowTheRules(o: Observation): InvariantResult {
  const violations: string[] = [];
  const byRef = groupBy(o.corfix.workers, (w) => w.external_ref);
  for (const [ref, want] of o.expected.workers) {
    const found = byRef.get(ref) ?? [];
    const worker = found[0];
    if (want.kind === 'worker') {
      if (!worker) violations.push(`${ref}: no worker (the rules create one)`);
      else {
        const wrong = differingFields(WORKER_FIELDS, worker, want.fields);
        if (wrong.length > 0) violations.push(`${ref}: worker ${worker.id} differs from Procore in ${wrong.join(', ')}`);
        if (!ACTIVATED.has(worker.status)) violations.push(`${ref}: worker ${worker.id} is ${worker.status}, the user is active (activated on create)`);
      }
    } else if (want.kind === 'blocked_or_none') {
      if (worker && worker.status !== 'blocked') violations.push(`${ref}: worker ${worker.id} is ${worker.status}, the user is inactive`);
      if (worker && want.fields) {
        const wrong = differingFields(WORKER_FIELDS, worker, want.fields);
        if (wrong.length > 0) violations.push(`${ref}: worker ${worker.id} differs from Procore in ${wrong.join(', ')}`);
      }
    } else if (worker) violations.push(`${ref}: worker ${worker.id} exists, the rules skip the user (${want.reason})`);
  }
  const userPrefix = procoreUserExternalRef(String(o.companyId), '');
  let deleted = 0;
  for (const worker of o.corfix.workers) {
    const ref = worker.external_ref;
    if (ref === null || o.expected.workers.has(ref)) continue;
    if (!ref.startsWith(userPrefix)) violations.push(`worker ${worker.id}: external_ref of another company or kind`);
    else if (!o.procoreUserIds.has(ref.slice(userPrefix.length))) {
      deleted += 1;
      if (worker.status !== 'blocked') violations.push(`${ref}: the user was deleted in Procore, worker ${worker.id} is ${worker.status}`);
    }
  }
  violations.push(...untouched('worker', o.corfixBefore.workers, o.corfix.workers, [...WORKER_FIELDS, 'status', 'external_ref']));
  return { name: 'Corfix workers = the rules applied to Procore\'s final state', checked: o.expected.workers.size + deleted + o.corfixBefore.workers.length, violations };
}

/** Corfix's projects are what the rules give from Procore's final state; the account's own projects untouched. */
export function projectsFollowTheRules(o: Observation): InvariantResult {
  const violations: string[] = [];
  const byRef = groupBy(o.corfix.projects, (p) => p.external_ref);
  for (const [ref, want] of o.expected.projects) {
    const project = (byRef.get(ref) ?? [])[0];
    if (want.kind === 'none') {
      if (project) violations.push(`${ref}: project ${project.id} exists, the rules skip it (${want.reason})`);
      continue;
    }
    if (!project) {
      if (want.kind === 'project') violations.push(`${ref}: no project (the rules create one, ${want.fields.status})`);
      continue;
    }
    const wrong = differingFields(PROJECT_FIELDS, project, want.fields);
    if (wrong.length > 0) violations.push(`${ref}: project ${project.id} differs from Procore in ${wrong.join(', ')}`);
  }
  for (const project of o.corfix.projects) {
    if (project.external_ref !== null && !o.expected.projects.has(project.external_ref)) {
      violations.push(`project ${project.id}: external_ref of no Procore project of the company`);
    }
  }
  violations.push(...untouched('project', o.corfixBefore.projects, o.corfix.projects, [...PROJECT_FIELDS, 'external_ref']));
  return { name: 'Corfix projects = the rules applied to Procore\'s final state', checked: o.expected.projects.size + o.corfixBefore.projects.length, violations };
}

/** The records the account held before the connect are there, as they were. */
function untouched<T extends { id: string }>(kind: string, before: readonly T[], after: readonly T[], fields: readonly (keyof T & string)[]): string[] {
  const now = new Map(after.map((r) => [r.id, r]));
  return before.flatMap((r) => {
    const record = now.get(r.id);
    if (!record) return [`the account's own ${kind} ${r.id} is gone`];
    const changed = fields.filter((f) => record[f] !== r[f]);
    return changed.length > 0 ? [`the account's own ${kind} ${r.id} was changed (${changed.join(', ')})`] : [];
  });
}

/** No two workers for one Procore user or one email, no two projects for one Procore project. */
export function noDuplicateRecords(o: Observation): InvariantResult {
  const violations: string[] = [];
  for (const [ref, workers] of groupBy(o.corfix.workers, (w) => w.external_ref)) {
    if (workers.length > 1) violations.push(`${ref}: ${workers.length} workers (${workers.map((w) => w.id).join(', ')})`);
  }
  for (const workers of groupBy(o.corfix.workers, (w) => (w.email ? emailKey(w.email) : null)).values()) {
    if (workers.length > 1) violations.push(`one email on ${workers.length} workers (${workers.map((w) => w.id).join(', ')})`);
  }
  for (const [ref, projects] of groupBy(o.corfix.projects, (p) => p.external_ref)) {
    if (projects.length > 1) violations.push(`${ref}: ${projects.length} projects (${projects.map((p) => p.id).join(', ')})`);
  }
  return { name: 'no duplicate workers or projects (by external_ref, by email)', checked: o.corfix.workers.length + o.corfix.projects.length, violations };
}

const liveFiles = (o: Observation) => o.files.filter((f) => !f.is_deleted);

/** One Procore file per form, none besides, no version stored twice in a row. */
export function noDuplicateFiles(o: Observation): InvariantResult {
  const violations: string[] = [];
  const files = liveFiles(o);
  const linkedFileIds = new Set(o.links.forms.flatMap((l) => (l.procore_file_id === null ? [] : [String(l.procore_file_id)])));
  for (const file of files) {
    if (!linkedFileIds.has(String(file.id))) violations.push(`file ${file.id} in project ${file.project_id} belongs to no form (a second upload?)`);
    if (/ \(\d+\)\.pdf$/.test(file.name)) violations.push(`file ${file.id} was renamed by Procore: a file of that name was there already`);
    file.versions.forEach((v, i) => {
      const previous = file.versions[i - 1];
      if (previous && previous.title === v.title) violations.push(`file ${file.id}: versions ${previous.number} and ${v.number} are the same revision (filed twice)`);
    });
  }
  for (const [fileId, forms] of groupBy(o.links.forms, (l) => (l.procore_file_id === null ? null : String(l.procore_file_id)))) {
    if (forms.length > 1) violations.push(`file ${fileId} is the file of ${forms.length} forms`);
  }
  const completed = o.corfix.forms.filter((f) => f.status === 'completed').length;
  if (files.length > completed) violations.push(`${files.length} files for ${completed} completed forms`);
  return { name: 'no duplicate files (one per form, no revision twice)', checked: files.length, violations };
}

/** Every completed form is in Procore at its newest revision, and Corfix gave up on none of its events. */
export function everyFormFiledAtItsNewestRevision(o: Observation): InvariantResult {
  const violations: string[] = [];
  const linkOf = new Map(o.links.forms.map((l) => [l.corfix_form_id, l]));
  const fileOf = new Map(liveFiles(o).map((f) => [String(f.id), f]));
  const procoreProjectOf = new Map(o.links.projects.map((l) => [l.corfix_project_id, String(l.procore_project_id)]));
  const completed = o.corfix.forms.filter((f) => f.status === 'completed');
  for (const form of completed) {
    const link = linkOf.get(form.id);
    if (!link) {
      violations.push(`form ${form.id}: never reached the service (no form_links row)`);
      continue;
    }
    if (link.state !== 'uploaded' || link.uploaded_revision !== form.revision) {
      violations.push(`form ${form.id}: ${link.state} at revision ${link.uploaded_revision ?? 'none'}, Corfix is at revision ${form.revision}`);
    }
    const file = link.procore_file_id === null ? undefined : fileOf.get(String(link.procore_file_id));
    if (!file) {
      violations.push(`form ${form.id}: its file ${link.procore_file_id ?? '(none)'} is not in Procore`);
      continue;
    }
    if (String(file.project_id) !== procoreProjectOf.get(form.project_id)) violations.push(`form ${form.id}: file ${file.id} is in another project`);
    const newest = file.versions.at(-1)?.title;
    if (newest !== formPdfTitle(form, form.revision)) violations.push(`form ${form.id}: file ${file.id}'s newest version is not its PDF of revision ${form.revision}`);
    if (file.versions.length > form.revision) violations.push(`form ${form.id}: file ${file.id} has ${file.versions.length} versions for ${form.revision} revisions`);
  }
  if (o.deliveries.failed > 0) violations.push(`Corfix gave up delivering ${o.deliveries.failed} form events`);
  if (o.deliveries.pending > 0) violations.push(`${o.deliveries.pending} form event deliveries still under way`);
  return { name: "every completed form's newest revision in Procore", checked: completed.length, violations };
}

/** Every link row points at records that exist on both sides, and every record the sync made has its link. */
export function linksMatchBothSides(o: Observation): InvariantResult {
  const violations: string[] = [];
  const company = String(o.companyId);
  const projectById = new Map(o.corfix.projects.map((p) => [p.id, p]));
  const workerById = new Map(o.corfix.workers.map((w) => [w.id, w]));
  const formById = new Map(o.corfix.forms.map((f) => [f.id, f]));
  for (const l of o.links.projects) {
    const project = projectById.get(l.corfix_project_id);
    if (project?.external_ref !== procoreProjectExternalRef(company, String(l.procore_project_id))) {
      violations.push(`project link ${l.procore_project_id} -> ${l.corfix_project_id}: ${project ? 'the Corfix project carries another external_ref' : 'no such Corfix project'}`);
    }
    if (!o.procoreProjectIds.has(String(l.procore_project_id))) violations.push(`project link ${l.procore_project_id}: no such Procore project`);
  }
  let deletedUsers = 0;
  for (const l of o.links.workers) {
    const worker = workerById.get(l.corfix_worker_id);
    if (worker?.external_ref !== procoreUserExternalRef(company, String(l.procore_user_id))) {
      violations.push(`worker link ${l.procore_user_id} -> ${l.corfix_worker_id}: ${worker ? 'the Corfix worker carries another external_ref' : 'no such Corfix worker'}`);
    }
    // A user deleted in Procore keeps its link (its worker is blocked, checked with the workers).
    if (!o.procoreUserIds.has(String(l.procore_user_id))) deletedUsers += 1;
  }
  const made = (records: Array<{ external_ref: string | null }>, refPrefix: string) => records.filter((r) => r.external_ref?.startsWith(refPrefix)).length;
  const projectsMade = made(o.corfix.projects, procoreProjectExternalRef(company, ''));
  if (projectsMade !== o.links.projects.length) {
    violations.push(`${projectsMade} Corfix projects carry a Procore ref, ${o.links.projects.length} project links`);
  }
  const workersMade = made(o.corfix.workers, procoreUserExternalRef(company, ''));
  if (workersMade !== o.links.workers.length) {
    violations.push(`${workersMade} Corfix workers carry a Procore ref, ${o.links.workers.length} worker links`);
  }
  const procoreProjectOf = new Map(o.links.projects.map((l) => [l.corfix_project_id, String(l.procore_project_id)]));
  for (const l of o.links.forms) {
    const form = formById.get(l.corfix_form_id);
    if (!form) violations.push(`form link ${l.corfix_form_id}: no such Corfix form`);
    else if (l.procore_project_id === null || String(l.procore_project_id) !== procoreProjectOf.get(form.project_id)) {
      violations.push(`form link ${l.corfix_form_id}: Procore project ${l.procore_project_id ?? 'none'}, the form's project is linked to ${procoreProjectOf.get(form.project_id) ?? 'none'}`);
    }
  }
  return {
    name: `every link row matches both sides (${deletedUsers} of deleted Procore users)`,
    checked: o.links.projects.length + o.links.workers.length + o.links.forms.length,
    violations,
  };
}

/** Every workflow still open is well or says why not; none ended in failure; the integration is active and well; no process gave up. */
export function nothingStuckWithoutAReason(o: Observation): InvariantResult {
  const violations: string[] = [];
  for (const w of o.workflows) {
    if (w.status === 'RUNNING') {
      if (w.syncState !== null && w.syncState !== 'ok') {
        const said = w.currentDetails?.includes(`State: ${w.syncState}`) === true && (w.currentDetails?.split(`State: ${w.syncState}`)[1]?.trim().length ?? 0) > 0;
        if (!said) violations.push(`${w.workflowId}: SyncState ${w.syncState} without the problem in its current details`);
      }
    } else if (!['COMPLETED', 'CONTINUED_AS_NEW'].includes(w.status)) {
      violations.push(`${w.workflowId} (${w.type}) ended ${w.status}`);
    }
  }
  if (!o.integration) violations.push('the status API did not answer');
  else {
    if (o.integration.status !== 'active') violations.push(`the integration is ${o.integration.status}`);
    if (o.integration.syncState !== 'ok') violations.push(`the integration's sync is ${o.integration.syncState}`);
    for (const state of ['pending', 'retrying', 'failed']) {
      const n = o.integration.formStates[state] ?? 0;
      if (n > 0) violations.push(`${n} forms ${state}`);
    }
  }
  for (const e of o.unexpectedExits) violations.push(`the ${e.service} process ended by itself at ${(e.atMs / 1000).toFixed(0)} s (${e.how})`);
  return { name: 'no workflow stuck without a visible reason; processes recovered by themselves', checked: o.workflows.length, violations };
}

export const INVARIANTS = [
  projectsFollowTheRules,
  workersFollowTheRules,
  noDuplicateRecords,
  noDuplicateFiles,
  everyFormFiledAtItsNewestRevision,
  linksMatchBothSides,
  nothingStuckWithoutAReason,
] as const;

export function checkInvariants(o: Observation): InvariantResult[] {
  const results: InvariantResult[] = INVARIANTS.map((check) => check(o));
  if (o.expected.unreadable > 0) {
    results.push({ name: 'Procore records readable', checked: o.expected.unreadable, violations: [`${o.expected.unreadable} Procore records the client cannot read`] });
  }
  return results;
}
