// A realistic construction company for `npm run dev` and `npm run demo`:
// its Procore directory (about 400 people) and projects (about 60), and what
// its Corfix account already holds before the connect. Generated from a
// seeded PRNG with a fixed seed, so every run (and the tests) see the same
// company; dates are placed relative to `today`, so that active, upcoming
// and completed stay what they are meant to be whatever the day.
//
// Beside the ordinary records, each special case below is there to show one
// rule of docs/rules.md at work (the comment at each says which).
import { SeededRandom } from '../simulators/common/random.js';
import type { ProjectFields as ProcoreProjectFields, UserFields as ProcoreUserFields } from '../simulators/procore/state.js';
import type { ProjectStatus as CorfixProjectStatus } from '../simulators/corfix/state.js';

export const DEMO_COMPANY_SEED = 20_260_101;
export const DEMO_COMPANY_NAME = 'Harbour Construction Ltd';
const DOMAIN = 'harbourconstruction.example';

/** Sizes of the ordinary records (the special cases come on top). */
export const DEMO_SIZES = {
  activeProjects: 38,
  upcomingProjects: 8,
  completedProjects: 7,
  activeEmployees: 300,
  activeSubcontractors: 50,
  inactiveUsers: 40,
} as const;

export interface DemoCorfixProject {
  name: string;
  project_number: string | null;
  status: CorfixProjectStatus;
}

export interface DemoCorfixWorker {
  first_name: string;
  last_name: string;
  email: string | null;
}

export interface DemoCompany {
  name: string;
  /** Procore projects, in the order they are added (the simulator numbers them in this order) */
  projects: ProcoreProjectFields[];
  /** the Procore directory; the simulator adds the app's service account to it by itself */
  users: ProcoreUserFields[];
  /** what the Corfix account holds before the connect */
  corfix: { projects: DemoCorfixProject[]; workers: DemoCorfixWorker[] };
  /** the active project the demo completes its forms in */
  formsProjectNumber: string;
  /** a Corfix project no Procore project is linked to: a form completed there is not filed (project_not_linked) */
  unlinkedCorfixProjectName: string;
}

const FIRST_NAMES = [
  'Ava', 'Liam', 'Noah', 'Mia', 'Zoe', 'Omar', 'Chen', 'Sofia', 'Mateo', 'Aroha', 'Jack', 'Grace', 'Tane', 'Isla',
  'Lucas', 'Emily', 'Hana', 'Ravi', 'Fatima', 'Ben', 'Chloe', 'Daniel', 'Elena', 'Finn', 'George', 'Hugo', 'Ivy',
  'James', 'Kiri', 'Leo', 'Maya', 'Nikau', 'Olivia', 'Pita', 'Quinn', 'Rosa', 'Sam', 'Tomas', 'Uma', 'Wiremu',
];
const LAST_NAMES = [
  'Nguyen', 'Smith', 'Garcia', 'Brown', 'Kowalski', 'Okafor', 'Larsen', 'Silva', 'Wilson', 'Taylor', 'Ngata',
  'Murphy', 'Khan', 'Rossi', 'Schmidt', 'Walker', 'Young', 'Kim', 'Lee', 'Martin', 'Thompson', 'White', 'Clarke',
  'Hall', 'Parata', 'Evans', 'Singh', 'Chen', 'Davies', 'Fraser',
];
const TRADES = ['Carpenter', 'Labourer', 'Electrician', 'Plumber', 'Scaffolder', 'Crane Operator', 'Concrete Finisher', 'Steel Fixer'];
const OFFICE = ['Site Manager', 'Project Manager', 'Foreman', 'Safety Officer', 'Site Engineer', 'Estimator', 'Quantity Surveyor'];
const SUBCONTRACTORS = ['apexelectrical', 'kiwiscaffolding', 'bluelineplumbing', 'ironbarksteel', 'summitcranes'];
const PLACES = ['Harbour', 'Ridge', 'Northcote', 'Eastgate', 'Kingsland', 'Riverside', 'Westhaven', 'Hillcrest', 'Parkside', 'Seaview'];
const BUILDINGS = ['Tower', 'Apartments', 'Primary School', 'Medical Centre', 'Depot', 'Library', 'Bridge', 'Warehouse', 'Retail Centre', 'Fire Station'];
const CITIES: Array<[city: string, state: string, country: string, zip: string]> = [
  ['Auckland', 'AUK', 'NZ', '1010'],
  ['Wellington', 'WGN', 'NZ', '6011'],
  ['Christchurch', 'CAN', 'NZ', '8011'],
  ['Sydney', 'NSW', 'AU', '2000'],
  ['Brisbane', 'QLD', 'AU', '4000'],
];

/** 'YYYY-MM-DD' `days` after `today` (before it when negative). */
export function addDays(today: string, days: number): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function demoCompany(options: { today: string; seed?: number }): DemoCompany {
  const random = new SeededRandom(options.seed ?? DEMO_COMPANY_SEED);
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random.next() * choices.length)] as T;
  const between = (low: number, high: number) => low + Math.floor(random.next() * (high - low + 1));
  const { today } = options;

  // --- projects -------------------------------------------------------------------------------
  const names = new Set<string>();
  const uniqueName = (name: string) => {
    let candidate = name;
    for (let stage = 2; names.has(candidate.toLowerCase()); stage += 1) candidate = `${name} Stage ${stage}`;
    names.add(candidate.toLowerCase());
    return candidate;
  };
  let nextNumber = 2301;
  const project = (fields: Partial<ProcoreProjectFields> & { name: string }): ProcoreProjectFields => {
    const [city, state, country, zip] = pick(CITIES);
    return {
      project_number: `HC-${nextNumber++}`,
      description: random.chance(0.4) ? null : 'Internal notes for the project team',
      public_notes: random.chance(0.5) ? null : 'Site access from the east gate; sign in at the site office',
      address: `${between(1, 400)} ${pick(['Quay', 'Queen', 'Victoria', 'Great North', 'Beach'])} ${pick(['Street', 'Road'])}`,
      city,
      state_code: state,
      country_code: country,
      zip,
      active: true,
      start_date: null,
      completion_date: null,
      template: false,
      is_demo: false,
      ...fields,
    };
  };
  const generatedName = () => uniqueName(`${pick(PLACES)} ${pick(BUILDINGS)}`);

  const formsProject = project({ name: uniqueName('Harbour Tower'), start_date: addDays(today, -120) });
  const projects: ProcoreProjectFields[] = [formsProject];
  for (let i = 1; i < DEMO_SIZES.activeProjects; i += 1) {
    // Active, whatever the start date (or none): active in Corfix.
    projects.push(project({ name: generatedName(), start_date: random.chance(0.1) ? null : addDays(today, -between(1, 500)) }));
  }
  for (let i = 0; i < DEMO_SIZES.upcomingProjects; i += 1) {
    // Inactive in Procore, starting later: created in Corfix as upcoming.
    projects.push(project({ name: generatedName(), active: false, start_date: addDays(today, between(14, 180)) }));
  }
  for (let i = 0; i < DEMO_SIZES.completedProjects; i += 1) {
    // Inactive and started long ago (one with no start date at all): completed_not_in_corfix.
    const startDate = i === 0 ? null : addDays(today, -between(200, 1200));
    projects.push(project({ name: generatedName(), active: false, start_date: startDate, completion_date: startDate && addDays(startDate, 180) }));
  }
  projects.push(
    // A Procore project template: never synced (template), even though active.
    project({ name: uniqueName('Template - Commercial Fit-out'), project_number: null, template: true }),
    // Numbers Corfix already has (numbers compare exactly): number_exists, whether active or upcoming.
    project({ name: uniqueName('Head Office Refurbishment'), project_number: 'HC-1001', start_date: addDays(today, -30) }),
    project({ name: uniqueName('Eastgate Car Park'), project_number: 'HC-1002', active: false, start_date: addDays(today, 45) }),
    // No number, and a name Corfix has in another case: name_exists.
    project({ name: uniqueName('RIVERSIDE MARINA'), project_number: null }),
    // A name Corfix has, but a number of its own: created (a numbered project is never skipped for its name).
    project({ name: uniqueName('Hillcrest Community Hall'), start_date: addDays(today, -60) }),
    // Two projects without a number sharing a name: the first is created, the second meets it (name_exists):
    // "existing" includes what the same sync created a moment earlier.
    project({ name: 'Site Office Relocation', project_number: null }),
    project({ name: 'Site Office Relocation', project_number: null }),
    // Inactive, with a start date the rules cannot read (a timestamp): neither upcoming nor completed can be
    // told, so invalid_record (field start_date).
    project({ name: uniqueName('Seaview Wharf Repairs'), active: false, start_date: '2024-03-01T08:00:00Z' }),
  );

  // --- people ----------------------------------------------------------------------------------
  const emails = new Set<string>([`priya.patel@${DOMAIN}`]);
  const emailFor = (first: string, last: string, domain: string) => {
    const base = [first, last].filter(Boolean).join('.').toLowerCase().replace(/[^a-z.]/g, '');
    let email = `${base}@${domain}`;
    for (let n = 2; emails.has(email); n += 1) email = `${base}${n}@${domain}`;
    emails.add(email);
    return email;
  };
  let employeeNumber = 101;
  const person = (employee: boolean, fields: Partial<ProcoreUserFields> = {}): ProcoreUserFields => {
    const first = fields.first_name ?? pick(FIRST_NAMES);
    const last = fields.last_name ?? pick(LAST_NAMES);
    const mobile = random.chance(0.8) ? `+64 21 ${between(100, 999)} ${between(1000, 9999)}` : null;
    const number = employeeNumber++;
    return {
      first_name: first,
      last_name: last,
      email_address: emailFor(first, last, employee ? DOMAIN : `${pick(SUBCONTRACTORS)}.example`),
      mobile_phone: mobile,
      business_phone: mobile === null && random.chance(0.5) ? `+64 9 ${between(300, 999)} ${between(1000, 9999)}` : null,
      // Procore sends employee_id as a string; some SDKs type it as a number. Subcontractors have none.
      employee_id: !employee ? null : random.chance(0.2) ? number : `E${String(number).padStart(5, '0')}`,
      is_employee: employee,
      is_active: true,
      job_title: employee ? pick(random.chance(0.7) ? TRADES : OFFICE) : pick(TRADES),
      ...fields,
    };
  };

  const users: ProcoreUserFields[] = [];
  for (let i = 0; i < DEMO_SIZES.activeEmployees; i += 1) users.push(person(true));
  for (let i = 0; i < DEMO_SIZES.activeSubcontractors; i += 1) users.push(person(false));
  for (let i = 0; i < DEMO_SIZES.inactiveUsers; i += 1) {
    // Former staff and subcontractors, inactive in Procore: inactive_not_in_corfix.
    users.push(person(random.chance(0.7), { is_active: false }));
  }
  const duplicated = person(false, { first_name: 'Kiri', last_name: 'Ngata', job_title: 'Scaffolder' });
  users.push(
    // Already a worker in the Corfix account, under the same email in another case: email_exists.
    person(true, { first_name: 'Priya', last_name: 'Patel', email_address: `Priya.Patel@${DOMAIN}`, job_title: 'Safety Officer' }),
    // The same subcontractor twice in the directory (added by two site managers): the first becomes a worker,
    // the second meets it (email_exists).
    duplicated,
    { ...duplicated, mobile_phone: null, job_title: 'Labourer' },
    // No email: a labourer who signs in at the site kiosk; created, and activated for the kiosk.
    person(true, { first_name: 'Tomas', last_name: 'Rossi', email_address: null, job_title: 'Labourer' }),
    // A first name never filled in: Corfix requires one, so invalid_record (field first_name).
    person(true, { first_name: '', last_name: 'Walker' }),
    // An email with no domain ending: Corfix would refuse it, so invalid_record (field email).
    person(true, { first_name: 'Mateo', last_name: 'Silva', email_address: 'mateo.silva@harbourconstruction' }),
  );

  return {
    name: DEMO_COMPANY_NAME,
    projects,
    users,
    corfix: {
      projects: [
        { name: 'Head Office Fit-out', project_number: 'HC-1001', status: 'active' },
        { name: 'Eastgate Car Park (Stage 1)', project_number: 'HC-1002', status: 'completed' },
        { name: 'Riverside Marina', project_number: null, status: 'active' },
        { name: 'Hillcrest Community Hall', project_number: 'CH-7', status: 'upcoming' },
      ],
      workers: [
        { first_name: 'Priya', last_name: 'Patel', email: `priya.patel@${DOMAIN}` },
        { first_name: 'Reception', last_name: 'Desk', email: `reception@${DOMAIN}` },
        { first_name: 'Hemi', last_name: 'Walker', email: null },
      ],
    },
    formsProjectNumber: formsProject.project_number as string,
    unlinkedCorfixProjectName: 'Head Office Fit-out',
  };
}
