// The chaos run's checks on a small observation made by hand: a state that
// keeps the promise passes every check, and each way of breaking it (a
// worker that differs from Procore, a deleted user's worker left active, a
// duplicate, a stale or doubled file, a dangling link, a workflow stuck in
// silence, a process that gave up) is caught by its check, in words that
// carry ids and never a name or an email.
import { expectedCorfix } from '../../chaos/expected.js';
import { checkInvariants, formPdfTitle, type Observation, type ObservedFormLink } from '../../chaos/invariants.js';
import type { FormRecord, ProjectRecord, WorkerRecord } from '../../src/simulators/corfix/state.js';

const COMPANY = 1;
const SERVICE_ACCOUNT = 99;
const TODAY = '2026-11-30';
const at = '2026-11-01T00:00:00Z';

const procoreUser = (id: number, fields: Record<string, unknown>) => ({
  id,
  first_name: `Given${id}`,
  last_name: 'Family',
  email_address: `user${id}@example.test`,
  mobile_phone: null,
  business_phone: null,
  employee_id: null,
  is_employee: true,
  is_active: true,
  updated_at: at,
  ...fields,
});
const procoreProject = (id: number, fields: Record<string, unknown>) => ({
  id,
  name: `Site ${id}`,
  project_number: `N-${id}`,
  description: null,
  public_notes: null,
  address: null,
  city: null,
  state_code: null,
  country_code: null,
  zip: null,
  active: true,
  start_date: null,
  completion_date: null,
  template: false,
  is_demo: false,
  created_at: at,
  updated_at: at,
  ...fields,
});
const worker = (id: string, fields: Partial<WorkerRecord>): WorkerRecord => ({
  id,
  account_id: 'acc',
  first_name: 'Given1',
  last_name: 'Family',
  email: null,
  phone_number: null,
  employee_number: null,
  external_ref: null,
  status: 'pending_email_verification',
  created_at: at,
  updated_at: at,
  ...fields,
});
const project = (id: string, fields: Partial<ProjectRecord>): ProjectRecord => ({
  id,
  account_id: 'acc',
  name: 'Site 1',
  project_number: 'N-1',
  private_description: null,
  public_info: null,
  street_address: null,
  city: null,
  state: null,
  country: null,
  zip: null,
  status: 'active',
  external_ref: null,
  created_at: at,
  updated_at: at,
  ...fields,
});
const form: FormRecord = {
  id: 'frm_1',
  account_id: 'acc',
  project_id: 'prj_1',
  template_name: 'Daily Hazard',
  status: 'completed',
  revision: 2,
  form_date: '2026-11-02',
  completed_at: at,
  updated_at: at,
};
const formLink = (fields: Partial<ObservedFormLink>): ObservedFormLink => ({
  corfix_form_id: 'frm_1',
  state: 'uploaded',
  procore_project_id: '1',
  procore_file_id: '500',
  uploaded_revision: 2,
  ...fields,
});

/**
 * Procore: user 1 active (its worker), user 2 inactive (its worker blocked), user 3 active with an
 * email the account had (no worker), the service account; user 4 was deleted (its worker blocked).
 * Project 1 active (its project), 2 completed (none), 3 a template (none). One form, two revisions, filed.
 */
function keptPromise(): Observation {
  const accountWorker = worker('wkr_own', { first_name: 'Own', last_name: 'Worker', email: 'USER3@example.test', status: 'active' });
  const accountProject = project('prj_own', { name: 'Head office', project_number: 'HQ' });
  const procore = {
    companyId: COMPANY,
    serviceAccountUserId: SERVICE_ACCOUNT,
    users: [
      procoreUser(1, {}),
      procoreUser(2, { is_active: false }),
      procoreUser(3, {}),
      procoreUser(SERVICE_ACCOUNT, { email_address: 'app@example.test' }),
    ],
    projects: [procoreProject(1, {}), procoreProject(2, { active: false, start_date: '2026-01-01' }), procoreProject(3, { template: true })],
    today: TODAY,
  };
  return {
    companyId: COMPANY,
    integrationId: 'int',
    expected: expectedCorfix(procore, { projects: [accountProject], workers: [accountWorker] }),
    procoreUserIds: new Set(['1', '2', '3', String(SERVICE_ACCOUNT)]),
    procoreProjectIds: new Set(['1', '2', '3']),
    corfix: {
      projects: [project('prj_1', { external_ref: 'procore:1:project:1' }), accountProject],
      workers: [
        worker('wkr_1', { email: 'user1@example.test', external_ref: 'procore:1:user:1' }),
        worker('wkr_2', { first_name: 'Given2', email: 'user2@example.test', external_ref: 'procore:1:user:2', status: 'blocked' }),
        worker('wkr_4', { first_name: 'Gone', email: 'user4@example.test', external_ref: 'procore:1:user:4', status: 'blocked' }),
        accountWorker,
      ],
      forms: [form],
    },
    corfixBefore: { projects: [{ ...accountProject }], workers: [{ ...accountWorker }] },
    files: [
      {
        id: 500,
        project_id: 1,
        name: 'Daily Hazard 2026-11-02.pdf',
        is_deleted: false,
        versions: [
          { number: 1, title: formPdfTitle(form, 1) },
          { number: 2, title: formPdfTitle(form, 2) },
        ],
      },
    ],
    links: {
      projects: [{ procore_project_id: '1', corfix_project_id: 'prj_1' }],
      workers: [
        { procore_user_id: '1', corfix_worker_id: 'wkr_1' },
        { procore_user_id: '2', corfix_worker_id: 'wkr_2' },
        { procore_user_id: '4', corfix_worker_id: 'wkr_4' },
      ],
      forms: [formLink({})],
    },
    deliveries: { failed: 0, pending: 0 },
    integration: { status: 'active', syncState: 'ok', formStates: { uploaded: 1 } },
    workflows: [
      { workflowId: 'user-sync/int', type: 'ContinuousUserSync', status: 'RUNNING', syncState: 'ok', currentDetails: 'State: ok' },
      { workflowId: 'connect/int', type: 'ConnectIntegration', status: 'COMPLETED', syncState: 'ok', currentDetails: null },
    ],
    unexpectedExits: [],
  };
}

/** The violations of the check whose name starts with `name`. */
function violationsOf(o: Observation, name: string): string[] {
  const result = checkInvariants(o).find((r) => r.name.startsWith(name));
  if (!result) throw new Error(`no check named ${name}`);
  return result.violations;
}

const everyViolation = (o: Observation) => checkInvariants(o).flatMap((r) => r.violations);

test('a state that keeps the promise passes every check', () => {
  const results = checkInvariants(keptPromise());
  expect(results.map((r) => [r.name, r.violations])).toEqual(results.map((r) => [r.name, []]));
  expect(results.every((r) => r.checked > 0)).toBe(true);
});

test.each<[string, string, (o: Observation) => void, string]>([
  ['a worker that differs from Procore', 'Corfix workers', (o) => void ((o.corfix.workers[0] as WorkerRecord).first_name = 'Stale'), 'procore:1:user:1: worker wkr_1 differs from Procore in first_name'],
  ['an inactive user whose worker is not blocked', 'Corfix workers', (o) => void ((o.corfix.workers[1] as WorkerRecord).status = 'active'), 'procore:1:user:2: worker wkr_2 is active, the user is inactive'],
  ["a deleted user's worker left active", 'Corfix workers', (o) => void ((o.corfix.workers[2] as WorkerRecord).status = 'active'), 'procore:1:user:4: the user was deleted in Procore, worker wkr_4 is active'],
  ['a worker for a user the rules skip', 'Corfix workers', (o) => void o.corfix.workers.push(worker('wkr_3', { external_ref: 'procore:1:user:3' })), 'procore:1:user:3: worker wkr_3 exists, the rules skip the user (email_exists)'],
  ['an active user without a worker', 'Corfix workers', (o) => void o.corfix.workers.splice(0, 1), 'procore:1:user:1: no worker (the rules create one)'],
  ["the account's own worker changed", 'Corfix workers', (o) => void ((o.corfix.workers[3] as WorkerRecord).status = 'blocked'), "the account's own worker wkr_own was changed (status)"],
  ['a project for a template', 'Corfix projects', (o) => void o.corfix.projects.push(project('prj_3', { external_ref: 'procore:1:project:3' })), 'procore:1:project:3: project prj_3 exists, the rules skip it (template)'],
  ['a project whose status lags Procore', 'Corfix projects', (o) => void ((o.corfix.projects[0] as ProjectRecord).status = 'completed'), 'procore:1:project:1: project prj_1 differs from Procore in status'],
  ['two workers for one user', 'no duplicate workers', (o) => void o.corfix.workers.push(worker('wkr_1b', { external_ref: 'procore:1:user:1' })), 'procore:1:user:1: 2 workers (wkr_1, wkr_1b)'],
  ['a second file of a form', 'no duplicate files', (o) => void o.files.push({ id: 501, project_id: 1, name: 'Daily Hazard 2026-11-02 (1).pdf', is_deleted: false, versions: [{ number: 1, title: formPdfTitle(form, 1) }] }), 'file 501 in project 1 belongs to no form (a second upload?)'],
  ['a revision filed twice', 'no duplicate files', (o) => void o.files[0]?.versions.push({ number: 3, title: formPdfTitle(form, 2) }), 'file 500: versions 2 and 3 are the same revision (filed twice)'],
  ['a form whose newest revision is not in Procore', 'every completed form', (o) => void o.files[0]?.versions.pop(), "form frm_1: file 500's newest version is not its PDF of revision 2"],
  ['a form that never reached the service', 'every completed form', (o) => void o.links.forms.pop(), 'form frm_1: never reached the service (no form_links row)'],
  ['form events Corfix gave up on', 'every completed form', (o) => void (o.deliveries.failed = 2), 'Corfix gave up delivering 2 form events'],
  ['a link to a worker that is gone', 'every link row', (o) => void ((o.links.workers[0] as { corfix_worker_id: string }).corfix_worker_id = 'wkr_gone'), 'worker link 1 -> wkr_gone: no such Corfix worker'],
  ['a project made without its link', 'every link row', (o) => void o.links.projects.pop(), '1 Corfix projects carry a Procore ref, 0 project links'],
  ['a sync retrying in silence', 'no workflow stuck', (o) => void o.workflows.push({ workflowId: 'project-sync/int', type: 'ContinuousProjectSync', status: 'RUNNING', syncState: 'retrying', currentDetails: 'Projects: 3 cycles' }), 'project-sync/int: SyncState retrying without the problem in its current details'],
  ['a workflow that failed', 'no workflow stuck', (o) => void o.workflows.push({ workflowId: 'initial-sync/int', type: 'InitialSync', status: 'FAILED', syncState: 'failed', currentDetails: null }), 'initial-sync/int (InitialSync) ended FAILED'],
  ['an integration in error', 'no workflow stuck', (o) => void (o.integration = { status: 'error', syncState: 'failed', formStates: {} }), 'the integration is error'],
  ['a worker process that gave up', 'no workflow stuck', (o) => void o.unexpectedExits.push({ service: 'worker', atMs: 61_000, how: 'exit 1' }), 'the worker process ended by itself at 61 s (exit 1)'],
])('%s is caught', (_what, check, breakIt, violation) => {
  const o = keptPromise();
  breakIt(o);
  expect(violationsOf(o, check)).toContain(violation);
});

test('a retrying sync that says why is not stuck', () => {
  const o = keptPromise();
  o.workflows.push({
    workflowId: 'project-sync/int',
    type: 'ContinuousProjectSync',
    status: 'RUNNING',
    syncState: 'retrying',
    currentDetails: 'Projects: 3 cycles\nState: retrying. Procore GET /rest/v1.1/projects answered 503; next try at 10:42:05 UTC',
  });
  expect(violationsOf(o, 'no workflow stuck')).toEqual([]);
});

test('an inactive user never created, and a completed project never created, are as the rules allow', () => {
  const o = keptPromise();
  o.corfix.workers.splice(1, 1);
  o.links.workers.splice(1, 1);
  expect(everyViolation(o)).toEqual([]);
});

test('the words carry ids, never an email or a name', () => {
  const o = keptPromise();
  for (const w of o.corfix.workers) w.status = 'active';
  for (const w of o.corfix.workers) w.first_name = 'Stale';
  o.corfix.workers.push(worker('wkr_dup', { email: 'user1@example.test', external_ref: 'procore:1:user:1' }));
  const words = everyViolation(o);
  expect(words.length).toBeGreaterThan(4);
  for (const line of words) {
    expect(line).not.toMatch(/@|Given|Stale|Family|Own/);
  }
});
