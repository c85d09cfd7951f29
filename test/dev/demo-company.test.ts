// The demo company (src/dev/demo-company.ts): its sizes, that it is the same
// on every run, and that its special cases give the report rows they are
// there for, as the domain's own rules decide them.
import { addDays, demoCompany, DEMO_SIZES } from '../../src/dev/demo-company.js';
import { PROJECT_REASONS, USER_REASONS } from '../../src/domain/sync-outcome.js';
import { expectedOutcomes } from './demo-expectations.js';

const TODAY = '2026-05-14';

test('about 60 projects and 400 users, of every kind the seed promises', () => {
  const company = demoCompany({ today: TODAY });
  expect(company.projects.length).toBeGreaterThanOrEqual(55);
  expect(company.projects.length).toBeLessThanOrEqual(65);
  expect(company.users.length + 1).toBeGreaterThanOrEqual(380); // + the app's service account
  expect(company.users.length + 1).toBeLessThanOrEqual(420);

  const inactive = company.users.filter((u) => !u.is_active).length;
  expect(inactive / company.users.length).toBeCloseTo(0.1, 1);
  expect(inactive).toBe(DEMO_SIZES.inactiveUsers);
  expect(company.users.filter((u) => u.is_active && !u.is_employee).length).toBeGreaterThanOrEqual(DEMO_SIZES.activeSubcontractors);
  expect(company.projects.filter((p) => p.template)).toHaveLength(1);
  expect(company.projects.filter((p) => !p.active && p.start_date !== null && p.start_date > TODAY)).toHaveLength(
    DEMO_SIZES.upcomingProjects + 1, // and the one whose number Corfix has
  );
});

test('one active user has the email of a worker already in Corfix, in another case', () => {
  const company = demoCompany({ today: TODAY });
  const corfixEmails = new Set(company.corfix.workers.flatMap((w) => (w.email ? [w.email.toLowerCase()] : [])));
  const clashing = company.users.filter((u) => u.email_address !== null && corfixEmails.has(u.email_address.toLowerCase()));
  expect(clashing).toHaveLength(1);
  expect(clashing[0]?.is_active).toBe(true);
  expect(clashing[0]?.email_address).not.toBe(clashing[0]?.email_address?.toLowerCase());
});

test('the same company on every run; another seed gives another one', () => {
  expect(demoCompany({ today: TODAY })).toEqual(demoCompany({ today: TODAY }));
  expect(demoCompany({ today: TODAY, seed: 2 }).users).not.toEqual(demoCompany({ today: TODAY }).users);
});

test('the forms project is an active project with a number of its own', () => {
  const company = demoCompany({ today: TODAY });
  const project = company.projects.filter((p) => p.project_number === company.formsProjectNumber);
  expect(project).toHaveLength(1);
  expect(project[0]?.active).toBe(true);
  expect(company.corfix.projects.map((p) => p.name)).toContain(company.unlinkedCorfixProjectName);
});

test.each([TODAY, '2026-03-01', '2028-02-29', '2030-12-31'])('on %s the sync reports every reason the rules have (but linked, and those of toggles left off)', (today) => {
  const company = demoCompany({ today });
  const expected = expectedOutcomes(company, today);
  expect(expected.project).toEqual({
    created: 48,
    template: 1,
    number_exists: 2,
    name_exists: 2,
    completed_not_in_corfix: DEMO_SIZES.completedProjects,
    invalid_record: 1,
  });
  expect(expected.user).toEqual({
    created: 352,
    service_account: 1,
    inactive_not_in_corfix: DEMO_SIZES.inactiveUsers,
    email_exists: 2,
    invalid_record: 2,
  });
  // adopted and ambiguous_match need adopt_existing (test/sync/preview-connect.test.ts connects the demo company with it).
  const withoutAdopt = (r: string) => r !== 'adopted' && r !== 'ambiguous_match';
  expect(Object.keys(expected.project).sort()).toEqual(PROJECT_REASONS.filter((r) => r !== 'linked' && withoutAdopt(r)).sort());
  expect(Object.keys(expected.user).sort()).toEqual(USER_REASONS.filter((r) => r !== 'linked' && r !== 'not_employee' && withoutAdopt(r)).sort());
});

test('with Sync Employees Only the subcontractors are not_employee', () => {
  const company = demoCompany({ today: TODAY });
  const expected = expectedOutcomes(company, TODAY, { syncEmployeesOnly: true });
  const activeSubcontractors = company.users.filter((u) => u.is_active && !u.is_employee).length;
  expect(expected.user['not_employee']).toBe(activeSubcontractors);
});

test('addDays crosses months and leap days', () => {
  expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
});
