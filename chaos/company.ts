// The company the chaos run connects: a Procore company whose projects and
// users meet every rule (templates, completed and upcoming projects, numbers
// and names Corfix already has, inactive users, users without email or not
// employees, emails Corfix already has, records Corfix cannot take), and the
// Corfix account as it was before the connect. Made through the simulators'
// admin APIs; a function of the sizes alone, so every seed meets the same rules.
import type { ProjectRecord, WorkerRecord } from '../src/simulators/corfix/state.js';
import { addCompany, addProjects, addUsers, day, type ProcoreAdmin, type SimulatorAdmin } from '../bench/stack.js';

export const CHAOS_ACCOUNT = 'acc_chaos';
const DOMAIN = 'chaos.example';


/** Project i as Procore holds it at the connect. */
export function chaosProject(i: number): Record<string, unknown> {
  const numberless = i % 25 === 7;
  return {
    // A name Corfix cannot take (over 255 characters): invalid_record.
    name: i % 100 === 42 ? `Site ${i} ${'x'.repeat(260)}` : numberless ? `Yard ${i}` : `Site ${i}`,
    project_number: numberless ? null : `C-${i}`,
    address: `${i} Chaos Road`,
    city: 'Wellington',
    active: i % 5 !== 1,
    // Inactive: half start in a month (upcoming), half began a month ago (completed).
    start_date: i % 10 === 1 ? day(30) : day(-30),
    template: i % 50 === 3,
  };
}

/** User i of the directory at the connect. */
export function chaosUser(i: number): Record<string, unknown> {
  return {
    first_name: `Worker${i}`,
    // No last name: Corfix cannot take it (invalid_record).
    last_name: i % 250 === 17 ? null : 'Chaos',
    email_address: i % 40 === 5 ? null : `worker${i}@${DOMAIN}`,
    mobile_phone: `+64 21 ${i}`,
    business_phone: null,
    employee_id: `E${i}`,
    is_employee: i % 9 !== 0,
    is_active: i % 20 !== 3,
    job_title: null,
  };
}

/** The Corfix account before the connect: numbers, names and emails some Procore records share, and records of its own. */
function corfixBefore(projects: number, users: number): { projects: Array<Record<string, unknown>>; workers: Array<Record<string, unknown>> } {
  const sameNumber = Array.from({ length: projects }, (_, i) => i).filter((i) => i % 40 === 11 && i % 25 !== 7);
  const sameName = Array.from({ length: projects }, (_, i) => i).filter((i) => i % 50 === 7);
  const sameEmail = Array.from({ length: users }, (_, i) => i).filter((i) => i % 100 === 31);
  return {
    projects: [
      ...sameNumber.map((i) => ({ name: `Legacy works ${i}`, project_number: `C-${i}`, status: 'active' })),
      // Names compare ignoring case.
      ...sameName.map((i) => ({ name: `yard ${i}`, project_number: null, status: 'active' })),
      ...[1, 2, 3].map((n) => ({ name: `Head office ${n}`, project_number: `HQ-${n}`, status: 'active' })),
    ],
    workers: [
      // Emails compare ignoring case.
      ...sameEmail.map((i) => ({ first_name: `Existing${i}`, last_name: 'Corfix', email: `WORKER${i}@Chaos.Example`, status: 'active' })),
      ...[1, 2, 3, 4, 5].map((n) => ({ first_name: `Office${n}`, last_name: 'Corfix', email: `office${n}@${DOMAIN}`, status: 'active' })),
    ],
  };
}

export interface ChaosCompany {
  companyId: number;
  /** the app's own Procore user (in every directory, never synced) */
  serviceAccountUserId: number;
  /** what the Corfix account held before the connect */
  corfixBefore: { projects: ProjectRecord[]; workers: WorkerRecord[] };
}

export async function seedChaosCompany(procore: ProcoreAdmin, corfix: SimulatorAdmin, sizes: { projects: number; users: number }): Promise<ChaosCompany> {
  const companyId = await addCompany(procore, 'Chaos Construction');
  await addProjects(procore, companyId, Array.from({ length: sizes.projects }, (_, i) => chaosProject(i)));
  await addUsers(procore, companyId, Array.from({ length: sizes.users }, (_, i) => chaosUser(i)));
  const before = corfixBefore(sizes.projects, sizes.users);
  const projects: ProjectRecord[] = [];
  for (const p of before.projects) projects.push(await corfix.post<ProjectRecord>(`/accounts/${CHAOS_ACCOUNT}/projects`, p));
  const workers: WorkerRecord[] = [];
  for (const w of before.workers) workers.push(await corfix.post<WorkerRecord>(`/accounts/${CHAOS_ACCOUNT}/workers`, w));
  const summary = await procore.get<{ service_account: { id: number } }>('/summary');
  return { companyId, serviceAccountUserId: summary.service_account.id, corfixBefore: { projects, workers } };
}

export const chaosEmail = (label: string) => `${label}@${DOMAIN}`;
