// decideWorkerChange and userDiffersFromLink (docs/rules.md, and the seed's
// "Blocked" and "Sync Employees Only" paragraphs) over every combination of
// what Procore says (active, inactive, deleted; employee or not), the
// setting (Sync Employees Only on, off) and what the link remembers (the
// status it last saw, whether the user was active, whether the record is
// the one it last wrote). fast-check is not a dependency: plain loops.
import type { ProcoreCompanyUser } from '../../src/domain/procore-records.js';
import { decideWorkerChange, userDiffersFromLink, type WorkerChange, type WorkerLinkMemory } from '../../src/domain/worker-change.js';
import { procoreUser } from './procore-fixtures.js';

const WRITTEN_AT = '2026-03-01T10:00:00Z';
const CHANGED_AT = '2026-03-02T08:30:00Z';

// Every status Corfix gives a worker (src/corfix/schemas.ts): only `blocked` means "this service blocked it".
const CORFIX_STATUSES = ['pending_account_activation', 'pending_email_verification', 'active', 'active_for_kiosk', 'blocked'] as const;

type Presence = 'active' | 'inactive' | 'deleted';

interface Case {
  presence: Presence;
  isEmployee: boolean;
  syncEmployeesOnly: boolean;
  lastCorfixStatus: (typeof CORFIX_STATUSES)[number];
  lastProcoreIsActive: boolean;
  lastProcoreIsEmployee: boolean;
  /** the link's updated_at: the same as Procore's, another, or none remembered */
  remembered: 'same' | 'different' | 'none';
}

function* everyCase(): Generator<Case> {
  for (const presence of ['active', 'inactive', 'deleted'] as const)
    for (const isEmployee of [true, false])
      for (const syncEmployeesOnly of [true, false])
        for (const lastCorfixStatus of CORFIX_STATUSES)
          for (const lastProcoreIsActive of [true, false])
            for (const lastProcoreIsEmployee of [true, false])
              for (const remembered of ['same', 'different', 'none'] as const)
                yield { presence, isEmployee, syncEmployeesOnly, lastCorfixStatus, lastProcoreIsActive, lastProcoreIsEmployee, remembered };
}

const userOf = (c: Case): ProcoreCompanyUser | 'deleted' =>
  c.presence === 'deleted' ? 'deleted' : procoreUser({ isActive: c.presence === 'active', isEmployee: c.isEmployee, updatedAt: CHANGED_AT });

const linkOf = (c: Case): WorkerLinkMemory => ({
  lastProcoreIsActive: c.lastProcoreIsActive,
  lastProcoreIsEmployee: c.lastProcoreIsEmployee,
  lastProcoreUpdatedAt: c.remembered === 'same' ? CHANGED_AT : c.remembered === 'different' ? WRITTEN_AT : null,
  lastCorfixStatus: c.lastCorfixStatus,
});

const decide = (c: Case): WorkerChange => decideWorkerChange(userOf(c), linkOf(c), { syncEmployeesOnly: c.syncEmployeesOnly });

/** The seed, read on its own: why the worker should be blocked now, or null. */
function shouldBeBlocked(c: Case): 'deleted' | 'deactivated' | 'no_longer_employee' | null {
  if (c.presence === 'deleted') return 'deleted';
  if (c.presence === 'inactive') return 'deactivated';
  if (c.syncEmployeesOnly && !c.isEmployee) return 'no_longer_employee';
  return null;
}

const describeCase = (c: Case) => JSON.stringify(c);

describe('decideWorkerChange over every combination', () => {
  const cases = [...everyCase()];

  test('there are 3 x 2 x 2 x 5 x 2 x 2 x 3 of them', () => {
    expect(cases).toHaveLength(720);
  });

  test('a worker that should be blocked and is not is blocked, with the first reason that applies', () => {
    let checked = 0;
    for (const c of cases) {
      const reason = shouldBeBlocked(c);
      if (reason === null || c.lastCorfixStatus === 'blocked') continue;
      // Pending workers too: the rule cannot know Corfix's status now, Corfix refuses the block and the caller reports pending_activation.
      expect([describeCase(c), decide(c).status]).toEqual([describeCase(c), { to: 'blocked', reason }]);
      checked += 1;
    }
    // 9 of the 12 (presence, employee, setting) triples should be blocked; 4 statuses are not `blocked`
    expect(checked).toBe(9 * 4 * 2 * 2 * 3);
  });

  test('a worker this service blocked stays blocked while it should be', () => {
    for (const c of cases) {
      if (shouldBeBlocked(c) === null || c.lastCorfixStatus !== 'blocked') continue;
      expect([describeCase(c), decide(c).status]).toEqual([describeCase(c), null]);
    }
  });

  test('a worker this service blocked is unblocked once it should not be: reactivated if the link saw it inactive, else employee again', () => {
    let checked = 0;
    for (const c of cases) {
      if (shouldBeBlocked(c) !== null || c.lastCorfixStatus !== 'blocked') continue;
      const reason = c.lastProcoreIsActive ? 'employee_again' : 'reactivated';
      expect([describeCase(c), decide(c).status]).toEqual([describeCase(c), { to: 'unblocked', reason }]);
      checked += 1;
    }
    // active, and an employee or Sync Employees Only off: 3 of the 4 (employee, setting) pairs
    expect(checked).toBe(3 * 2 * 2 * 3);
  });

  test('a worker that should not be blocked and was not blocked by this service is left as it is', () => {
    for (const c of cases) {
      if (shouldBeBlocked(c) !== null || c.lastCorfixStatus === 'blocked') continue;
      expect([describeCase(c), decide(c).status]).toEqual([describeCase(c), null]);
    }
  });

  test('no combination unblocks a worker this service did not block (blocked by someone in Corfix, or never blocked)', () => {
    for (const c of cases) {
      if (c.lastCorfixStatus === 'blocked') continue;
      expect([describeCase(c), decide(c).status?.to]).not.toEqual([describeCase(c), 'unblocked']);
    }
  });

  test('the record counts as changed exactly when Procore updated_at differs from the one remembered; never for a deleted user', () => {
    for (const c of cases) {
      const expected = c.presence !== 'deleted' && c.remembered !== 'same';
      expect([describeCase(c), decide(c).recordChanged]).toEqual([describeCase(c), expected]);
    }
  });

  test('the status change does not depend on updated_at: a change seen twice, or its record seen again, ends the same way', () => {
    for (const c of cases) {
      if (c.remembered !== 'same') continue;
      const status = decide(c).status;
      expect(decide({ ...c, remembered: 'different' }).status).toEqual(status);
      expect(decide({ ...c, remembered: 'none' }).status).toEqual(status);
    }
  });

  test('once the change is remembered, deciding again asks for nothing more (safe to repeat)', () => {
    for (const c of cases) {
      const user = userOf(c);
      const first = decide(c);
      const after: WorkerLinkMemory = {
        lastProcoreIsActive: user === 'deleted' ? false : user.isActive,
        lastProcoreIsEmployee: user === 'deleted' ? c.lastProcoreIsEmployee : user.isEmployee,
        lastProcoreUpdatedAt: user === 'deleted' ? linkOf(c).lastProcoreUpdatedAt : user.updatedAt,
        lastCorfixStatus: first.status?.to === 'blocked' ? 'blocked' : first.status?.to === 'unblocked' ? 'active' : c.lastCorfixStatus,
      };
      const again = decideWorkerChange(user, after, { syncEmployeesOnly: c.syncEmployeesOnly });
      expect([describeCase(c), again]).toEqual([describeCase(c), { status: null, recordChanged: false }]);
    }
  });
});

describe('decideWorkerChange, the seed sentences one by one', () => {
  const link = (over: Partial<WorkerLinkMemory> = {}): WorkerLinkMemory => ({
    lastProcoreIsActive: true,
    lastProcoreIsEmployee: true,
    lastProcoreUpdatedAt: WRITTEN_AT,
    lastCorfixStatus: 'active',
    ...over,
  });
  const off = { syncEmployeesOnly: false };
  const on = { syncEmployeesOnly: true };

  test('"If a user is inactive in Procore then they are considered blocked in Corfix"', () => {
    expect(decideWorkerChange(procoreUser({ isActive: false, updatedAt: CHANGED_AT }), link(), off)).toEqual({
      status: { to: 'blocked', reason: 'deactivated' },
      recordChanged: true,
    });
  });

  test('inactive and not an employee with Sync Employees Only: deactivated is the reason (it is checked first)', () => {
    expect(decideWorkerChange(procoreUser({ isActive: false, isEmployee: false }), link(), on).status).toEqual({ to: 'blocked', reason: 'deactivated' });
  });

  test('"If a user is removed as an employee in Procore, they will be blocked" (Sync Employees Only), and only with the setting on', () => {
    expect(decideWorkerChange(procoreUser({ isEmployee: false }), link(), on).status).toEqual({ to: 'blocked', reason: 'no_longer_employee' });
    expect(decideWorkerChange(procoreUser({ isEmployee: false }), link(), off).status).toBeNull();
  });

  test('a user deleted in Procore is blocked; the record is not read', () => {
    expect(decideWorkerChange('deleted', link({ lastCorfixStatus: 'pending_email_verification' }), off)).toEqual({
      status: { to: 'blocked', reason: 'deleted' },
      recordChanged: false,
    });
  });

  test('a worker blocked for being inactive is unblocked when the user is active again', () => {
    expect(decideWorkerChange(procoreUser(), link({ lastProcoreIsActive: false, lastCorfixStatus: 'blocked' }), on).status).toEqual({
      to: 'unblocked',
      reason: 'reactivated',
    });
  });

  test('a worker blocked for no longer being an employee is unblocked when the user is an employee again', () => {
    expect(decideWorkerChange(procoreUser(), link({ lastProcoreIsEmployee: false, lastCorfixStatus: 'blocked' }), on).status).toEqual({
      to: 'unblocked',
      reason: 'employee_again',
    });
  });

  test('active again but still not an employee, with Sync Employees Only: stays blocked', () => {
    expect(decideWorkerChange(procoreUser({ isEmployee: false }), link({ lastProcoreIsActive: false, lastCorfixStatus: 'blocked' }), on).status).toBeNull();
  });

  test('"If they were never activated they will stay in that state": the rule still asks for the block, Corfix refuses it and the caller reports pending_activation', () => {
    expect(decideWorkerChange(procoreUser({ isActive: false }), link({ lastCorfixStatus: 'pending_account_activation' }), off).status).toEqual({
      to: 'blocked',
      reason: 'deactivated',
    });
  });

  test('a changed name on an active employee: fields only', () => {
    expect(decideWorkerChange(procoreUser({ firstName: 'Ari', updatedAt: CHANGED_AT }), link(), on)).toEqual({ status: null, recordChanged: true });
  });
});

describe('userDiffersFromLink', () => {
  test('differs exactly when active, employee or updated_at differ from what the link remembers (all 8 combinations)', () => {
    for (const activeDiffers of [false, true])
      for (const employeeDiffers of [false, true])
        for (const updatedDiffers of [false, true]) {
          const user = procoreUser({ isActive: true, isEmployee: true, updatedAt: CHANGED_AT });
          const link: WorkerLinkMemory = {
            lastProcoreIsActive: !activeDiffers,
            lastProcoreIsEmployee: !employeeDiffers,
            lastProcoreUpdatedAt: updatedDiffers ? WRITTEN_AT : CHANGED_AT,
            lastCorfixStatus: 'active',
          };
          expect([activeDiffers, employeeDiffers, updatedDiffers, userDiffersFromLink(user, link)]).toEqual([
            activeDiffers,
            employeeDiffers,
            updatedDiffers,
            activeDiffers || employeeDiffers || updatedDiffers,
          ]);
        }
  });

  test('a link with no updated_at remembered (taken over from an earlier integration) differs', () => {
    const user = procoreUser();
    expect(userDiffersFromLink(user, { lastProcoreIsActive: true, lastProcoreIsEmployee: true, lastProcoreUpdatedAt: null, lastCorfixStatus: 'active' })).toBe(true);
  });

  test('the Corfix status remembered does not count: only Procore changes start a change', () => {
    const user = procoreUser({ updatedAt: WRITTEN_AT });
    for (const lastCorfixStatus of CORFIX_STATUSES) {
      expect(userDiffersFromLink(user, { lastProcoreIsActive: true, lastProcoreIsEmployee: true, lastProcoreUpdatedAt: WRITTEN_AT, lastCorfixStatus })).toBe(false);
    }
  });
});
