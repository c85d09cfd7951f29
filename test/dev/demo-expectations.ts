// What the initial sync should report for the demo company, worked out with
// the domain's own decision functions over the seed (no service involved):
// each Procore project and user decided in Procore's order, against what the
// Corfix account held plus what the sync created before it.
import { decideProject } from '../../src/domain/project-decision.js';
import { decideWorker } from '../../src/domain/worker-decision.js';
import { emailKey, projectNameKey, projectNumberKey, type EmailKey, type ProjectNameKey, type ProjectNumberKey } from '../../src/domain/matching-keys.js';
import type { ProcoreCompanyUser, ProcoreProjectRecord } from '../../src/domain/procore-records.js';
import type { DemoCompany } from '../../src/dev/demo-company.js';

const COMPANY_ID = '4400000001';
const SERVICE_ACCOUNT_ID = 'service-account';
const UPDATED_AT = '2026-01-01T00:00:00.000Z';

export interface ExpectedOutcomes {
  project: Record<string, number>;
  user: Record<string, number>;
}

const tally = (counts: Record<string, number>, reason: string) => {
  counts[reason] = (counts[reason] ?? 0) + 1;
};

export function expectedOutcomes(company: DemoCompany, today: string, options: { syncEmployeesOnly?: boolean } = {}): ExpectedOutcomes {
  const numbers = new Set<ProjectNumberKey>();
  const names = new Set<ProjectNameKey>();
  for (const p of company.corfix.projects) {
    if (p.project_number) numbers.add(projectNumberKey(p.project_number));
    names.add(projectNameKey(p.name));
  }
  const project: Record<string, number> = {};
  company.projects.forEach((p, i) => {
    const record: ProcoreProjectRecord = {
      id: String(i + 1),
      name: p.name,
      projectNumber: p.project_number,
      description: p.description,
      publicNotes: p.public_notes,
      address: p.address,
      city: p.city,
      stateCode: p.state_code,
      countryCode: p.country_code,
      zip: p.zip,
      active: p.active,
      startDate: p.start_date,
      template: p.template,
      updatedAt: UPDATED_AT,
    };
    const decision = decideProject(record, {
      companyId: COMPANY_ID,
      today,
      linked: false,
      selected: true,
      adoptExisting: false,
      corfixProjectsWithNumber: (key) => (numbers.has(key) ? [{ id: 'c-held', taken: true }] : []),
      corfixProjectsWithName: (key) => (names.has(key) ? [{ id: 'c-held', taken: true }] : []),
    });
    tally(project, decision.reason);
    if (decision.outcome === 'created') {
      if (decision.numberKey) numbers.add(decision.numberKey);
      names.add(decision.nameKey);
    }
  });

  const emails = new Set<EmailKey>(company.corfix.workers.flatMap((w) => (w.email ? [emailKey(w.email)] : [])));
  const serviceAccount: ProcoreCompanyUser = {
    id: SERVICE_ACCOUNT_ID,
    firstName: 'Corfix',
    lastName: 'Integration',
    emailAddress: 'corfix-integration@dmsa.procore.example',
    mobilePhone: null,
    businessPhone: null,
    employeeId: null,
    isEmployee: false,
    isActive: true,
    updatedAt: UPDATED_AT,
  };
  const directory: ProcoreCompanyUser[] = [
    serviceAccount,
    ...company.users.map((u, i) => ({
      id: String(i + 1),
      firstName: u.first_name,
      lastName: u.last_name,
      emailAddress: u.email_address,
      mobilePhone: u.mobile_phone,
      businessPhone: u.business_phone,
      employeeId: u.employee_id === null ? null : String(u.employee_id),
      isEmployee: u.is_employee,
      isActive: u.is_active,
      updatedAt: UPDATED_AT,
    })),
  ];
  const user: Record<string, number> = {};
  // The sync reads the active list, then the inactive one.
  for (const u of [...directory.filter((d) => d.isActive), ...directory.filter((d) => !d.isActive)]) {
    const decision = decideWorker(u, {
      companyId: COMPANY_ID,
      linked: false,
      serviceAccountUserId: SERVICE_ACCOUNT_ID,
      syncEmployeesOnly: options.syncEmployeesOnly ?? false,
      automaticallyActivateWorkers: true,
      adoptExisting: false,
    corfixWorkersWithEmail: (key) => (emails.has(key) ? [{ id: 'c-held', taken: true }] : []),
    });
    tally(user, decision.reason);
    if (decision.outcome === 'created' && decision.emailKey) emails.add(decision.emailKey);
  }
  return { project, user };
}
