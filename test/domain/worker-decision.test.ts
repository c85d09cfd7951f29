import type { CorfixMatch } from '../../src/domain/existing-match.js';
import { emailKey, type EmailKey } from '../../src/domain/matching-keys.js';
import type { ProcoreCompanyUser } from '../../src/domain/procore-records.js';
import { USER_REASONS, outcomeOfReason, type UserReason } from '../../src/domain/sync-outcome.js';
import { decideWorker, isServiceAccount, type WorkerDecision } from '../../src/domain/worker-decision.js';
import { COMPANY_ID, procoreUser } from './procore-fixtures.js';

const SERVICE_ACCOUNT_ID = '18014398509481985';

// What the caller (an activity) holds: settings and the facts about Corfix at decision time.
interface Scenario {
  user: ProcoreCompanyUser;
  linked: boolean;
  syncEmployeesOnly: boolean;
  automaticallyActivateWorkers: boolean;
  corfixEmails: Set<EmailKey>;
  adoptExisting: boolean;
  /** the Corfix workers holding any email in the set */
  holders: CorfixMatch[];
}

function scenario(overrides: Partial<ProcoreCompanyUser> = {}): Scenario {
  return {
    user: procoreUser(overrides),
    linked: false,
    syncEmployeesOnly: false,
    automaticallyActivateWorkers: false,
    corfixEmails: new Set(),
    adoptExisting: false,
    holders: [{ id: 'c-held', taken: true }],
  };
}

function decide(s: Scenario): WorkerDecision {
  return decideWorker(s.user, {
    companyId: COMPANY_ID,
    linked: s.linked,
    serviceAccountUserId: SERVICE_ACCOUNT_ID,
    syncEmployeesOnly: s.syncEmployeesOnly,
    automaticallyActivateWorkers: s.automaticallyActivateWorkers,
    adoptExisting: s.adoptExisting,
    corfixWorkersWithEmail: (key) => (s.corfixEmails.has(key) ? s.holders : []),
  });
}

// One way to make each rule apply, to set rules against each other.
type SkipRule = Exclude<UserReason, 'created'>;
const makeApply: Record<SkipRule, (s: Scenario) => void> = {
  linked: (s) => {
    s.linked = true;
  },
  service_account: (s) => {
    s.user.id = SERVICE_ACCOUNT_ID;
  },
  inactive_not_in_corfix: (s) => {
    s.user.isActive = false;
  },
  not_employee: (s) => {
    s.syncEmployeesOnly = true;
    s.user.isEmployee = false;
  },
  adopted: (s) => {
    s.user.emailAddress = 'site.office@example.com';
    s.corfixEmails.add(emailKey('Site.Office@example.com'));
    s.adoptExisting = true;
    s.holders = [{ id: 'c-free', taken: false }];
  },
  ambiguous_match: (s) => {
    s.user.emailAddress = 'site.office@example.com';
    s.corfixEmails.add(emailKey('Site.Office@example.com'));
    s.adoptExisting = true;
    s.holders = [
      { id: 'c-1', taken: false },
      { id: 'c-2', taken: false },
    ];
  },
  email_exists: (s) => {
    s.user.emailAddress = 'site.office@example.com';
    s.corfixEmails.add(emailKey('Site.Office@example.com'));
  },
  invalid_record: (s) => {
    s.user.firstName = '';
  },
};

describe('worker decisions, one rule each', () => {
  test('linked: a user this integration already made is linked', () => {
    const s = scenario();
    makeApply.linked(s);
    expect(decide(s)).toEqual({ outcome: 'linked', reason: 'linked' });
  });

  test('linked: an inactive user already in Corfix is linked, not skipped', () => {
    const s = scenario({ isActive: false });
    s.linked = true;
    expect(decide(s)).toEqual({ outcome: 'linked', reason: 'linked' });
  });

  test('service_account: the app’s own user (GET /rest/v1.0/me) is not synced', () => {
    expect(decide(scenario({ id: SERVICE_ACCOUNT_ID }))).toEqual({ outcome: 'skipped', reason: 'service_account' });
    expect(isServiceAccount({ id: SERVICE_ACCOUNT_ID }, SERVICE_ACCOUNT_ID)).toBe(true);
    // Ids above 2^53 differ in the last digit only; as strings they stay apart.
    expect(isServiceAccount({ id: '18014398509481984' }, SERVICE_ACCOUNT_ID)).toBe(false);
  });

  test('inactive_not_in_corfix: an inactive user not in Corfix is not created', () => {
    expect(decide(scenario({ isActive: false }))).toEqual({ outcome: 'skipped', reason: 'inactive_not_in_corfix' });
  });

  test('not_employee: with Sync Employees Only, a user not marked as employee is not created', () => {
    const s = scenario({ isEmployee: false });
    s.syncEmployeesOnly = true;
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'not_employee' });
  });

  test('not_employee only applies with Sync Employees Only: without it a non-employee is created', () => {
    const s = scenario({ isEmployee: false });
    expect(decide(s).reason).toBe('created');
  });

  test('not_employee: with Sync Employees Only, an employee is created', () => {
    const s = scenario({ isEmployee: true });
    s.syncEmployeesOnly = true;
    expect(decide(s).reason).toBe('created');
  });

  test('email_exists: an existing Corfix worker has the same email, ignoring case', () => {
    const s = scenario({ emailAddress: ' Aroha.Ngata@EXAMPLE.com' });
    s.corfixEmails.add(emailKey('aroha.ngata@example.com'));
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'email_exists', corfixIds: ['c-held'] });
  });

  test('email_exists never applies to a user with no email (null, "" or blank)', () => {
    for (const emailAddress of [null, '', '  ']) {
      const s = scenario({ emailAddress });
      // Even a set that somehow holds the empty key must not match "no email".
      s.corfixEmails.add(emailKey(''));
      expect(decide(s).reason).toBe('created');
    }
  });

  test('invalid_record: a value Corfix cannot take is skipped, naming the field', () => {
    expect(decide(scenario({ lastName: null }))).toEqual({
      outcome: 'skipped',
      reason: 'invalid_record',
      field: 'last_name',
      problem: 'empty',
    });
    expect(decide(scenario({ emailAddress: 'aroha.ngata@' }))).toEqual({
      outcome: 'skipped',
      reason: 'invalid_record',
      field: 'email',
      problem: 'not_an_email',
    });
  });

  test('created: otherwise the worker is created pending activation', () => {
    expect(decide(scenario())).toEqual({
      outcome: 'created',
      reason: 'created',
      fields: {
        first_name: 'Aroha',
        last_name: 'Ngata',
        email: 'aroha.ngata@example.com',
        phone_number: '+64 21 555 0101',
        employee_number: '00417',
        external_ref: `procore:${COMPANY_ID}:user:9007199254740993`,
      },
      activate: false,
      emailKey: emailKey('aroha.ngata@example.com'),
    });
  });

  test('created: with Automatically Activate Workers the create itself activates', () => {
    const s = scenario();
    s.automaticallyActivateWorkers = true;
    const decision = decide(s);
    expect(decision.outcome === 'created' && decision.activate).toBe(true);
  });

  test('created: a user with no email is created with no email and nothing to remember', () => {
    const decision = decide(scenario({ emailAddress: '' }));
    expect(decision.outcome === 'created' && [decision.fields.email, decision.emailKey]).toEqual([null, null]);
  });
});

describe('adopt_existing: a user whose email a Corfix worker holds already', () => {
  const held = (holders: CorfixMatch[], adoptExisting: boolean) => {
    const s = scenario({ emailAddress: 'Site.Office@example.com' });
    s.corfixEmails.add(emailKey('site.office@example.com'));
    s.holders = holders;
    s.adoptExisting = adoptExisting;
    return decide(s);
  };

  test('one free worker is adopted; off, the seed skips the user', () => {
    expect(held([{ id: 'w-free', taken: false }], true)).toEqual({
      outcome: 'adopted',
      reason: 'adopted',
      corfixId: 'w-free',
      emailKey: emailKey('site.office@example.com'),
    });
    expect(held([{ id: 'w-free', taken: false }], false)).toEqual({ outcome: 'skipped', reason: 'email_exists', corfixIds: ['w-free'] });
  });

  test('several are never guessed; one taken by an integration keeps the skip', () => {
    expect(
      held(
        [
          { id: 'w-1', taken: false },
          { id: 'w-2', taken: false },
        ],
        true,
      ),
    ).toEqual({ outcome: 'skipped', reason: 'ambiguous_match', corfixIds: ['w-1', 'w-2'] });
    expect(held([{ id: 'w-mine', taken: true }], true)).toEqual({ outcome: 'skipped', reason: 'email_exists', corfixIds: ['w-mine'] });
  });

  test('an inactive user is not adopted: it stays inactive_not_in_corfix, as the rules decide that first', () => {
    const s = scenario({ isActive: false, emailAddress: 'site.office@example.com' });
    s.corfixEmails.add(emailKey('site.office@example.com'));
    s.holders = [{ id: 'w-free', taken: false }];
    s.adoptExisting = true;
    expect(decide(s).reason).toBe('inactive_not_in_corfix');
  });
});

/** adopt_existing off (null), or on with one free worker, two, or one taken holding the email. */
const HOLDERS: Array<CorfixMatch[] | null> = [null, [{ id: 'w-free', taken: false }], [{ id: 'w-1', taken: false }, { id: 'w-2', taken: false }], [{ id: 'c-held', taken: true }]];

const MATCHES = new Set<SkipRule>(['adopted', 'ambiguous_match', 'email_exists']);

describe('worker decision precedence: the first rule that applies wins', () => {
  const rules = USER_REASONS.filter((r): r is SkipRule => r !== 'created');
  const clashes: Array<[SkipRule, SkipRule]> = [];
  for (const [i, first] of rules.entries()) {
    for (const later of rules.slice(i + 1)) {
      // One check of the Corfix workers with the email decides these three.
      if (MATCHES.has(first) && MATCHES.has(later)) continue;
      clashes.push([first, later]);
    }
  }

  test.each(clashes)('%s beats %s', (first, later) => {
    const laterOnly = scenario();
    makeApply[later](laterOnly);
    expect(decide(laterOnly).reason).toBe(later);

    const both = scenario();
    makeApply[later](both);
    makeApply[first](both);
    expect(decide(both).reason).toBe(first);
  });

  test('all 25 pairs of user rules that can both apply are set against each other', () => {
    expect(clashes).toHaveLength(25);
  });

  test('an inactive non-employee whose email exists -> inactive_not_in_corfix', () => {
    const s = scenario({ isActive: false, isEmployee: false, emailAddress: 'aroha.ngata@example.com' });
    s.syncEmployeesOnly = true;
    s.corfixEmails.add(emailKey('aroha.ngata@example.com'));
    expect(decide(s).reason).toBe('inactive_not_in_corfix');
  });

  test('a service account that is inactive -> service_account', () => {
    expect(decide(scenario({ id: SERVICE_ACCOUNT_ID, isActive: false })).reason).toBe('service_account');
  });

  test('an invalid record that also has an existing email -> email_exists', () => {
    const s = scenario({ firstName: null, emailAddress: 'aroha.ngata@example.com' });
    s.corfixEmails.add(emailKey('aroha.ngata@example.com'));
    expect(decide(s).reason).toBe('email_exists');
  });
});

describe('worker report rows', () => {
  test('the decision speaks exactly the reason codes of sync-outcome', () => {
    // Checked by the type checker: a reason added to one list and not the other fails to compile.
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const same: Same<WorkerDecision['reason'], UserReason> = true;
    expect(same).toBe(true);
  });

  test('every Procore user, inactive included, gets exactly one outcome and reason', () => {
    const seen = new Set<UserReason>();
    const bools = [false, true];
    for (const linked of bools)
      for (const id of [SERVICE_ACCOUNT_ID, '77'])
        for (const isActive of bools)
          for (const isEmployee of bools)
            for (const syncEmployeesOnly of bools)
              for (const emailAddress of [null, '', 'aroha@example.com', 'not-an-email'])
                for (const emailExists of bools)
                  for (const firstName of ['Aroha', ''])
                    for (const holders of HOLDERS) {
                    const s = scenario({ id, isActive, isEmployee, emailAddress, firstName });
                    s.linked = linked;
                    s.adoptExisting = holders !== null;
                    s.holders = holders ?? s.holders;
                    s.syncEmployeesOnly = syncEmployeesOnly;
                    if (emailExists && emailAddress) s.corfixEmails.add(emailKey(emailAddress));
                    const decision = decide(s);
                    expect(USER_REASONS).toContain(decision.reason);
                    expect(decision.outcome).toBe(outcomeOfReason(decision.reason));
                    seen.add(decision.reason);
                  }
    expect([...seen].sort()).toEqual([...USER_REASONS].sort());
  });

  test('skipped records are left alone: a skip or a link carries nothing to create or activate', () => {
    const skipsAndLinks = (Object.keys(makeApply) as SkipRule[]).map((rule) => {
      const s = scenario();
      s.automaticallyActivateWorkers = true;
      makeApply[rule](s);
      return decide(s);
    });
    expect(skipsAndLinks.map((d) => d.outcome)).toEqual(['linked', 'skipped', 'skipped', 'skipped', 'adopted', 'skipped', 'skipped', 'skipped']);
    for (const decision of skipsAndLinks) {
      expect(decision).not.toHaveProperty('fields');
      expect(decision).not.toHaveProperty('activate');
    }
  });
});

describe('existing means in Corfix when the decision is made, including what this sync created', () => {
  test('of two Procore users with one email, one is created and the other gets email_exists', () => {
    const s = scenario({ id: '101', emailAddress: 'Crew.Lead@example.com' });
    const first = decide(s);
    expect(first.outcome).toBe('created');
    // The caller remembers what it created, with the key the decision hands back.
    if (first.outcome === 'created' && first.emailKey !== null) s.corfixEmails.add(first.emailKey);

    s.user = procoreUser({ id: '102', firstName: 'Mere', emailAddress: 'crew.lead@EXAMPLE.com' });
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'email_exists', corfixIds: ['c-held'] });
  });

  test('a Corfix worker loaded by the caller matches however its email is cased', () => {
    const s = scenario({ emailAddress: 'aroha.ngata@example.com' });
    s.corfixEmails.add(emailKey('AROHA.NGATA@EXAMPLE.COM'));
    expect(decide(s).reason).toBe('email_exists');
  });
});
