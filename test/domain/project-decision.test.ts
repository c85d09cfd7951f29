import { projectNameKey, projectNumberKey, type ProjectNameKey, type ProjectNumberKey } from '../../src/domain/matching-keys.js';
import type { ProcoreProjectRecord } from '../../src/domain/procore-records.js';
import type { CorfixMatch } from '../../src/domain/existing-match.js';
import { decideProject, type ProjectDecision } from '../../src/domain/project-decision.js';
import { PROJECT_REASONS, outcomeOfReason, type ProjectReason } from '../../src/domain/sync-outcome.js';
import { COMPANY_ID, TODAY, procoreProject } from './procore-fixtures.js';

// What the caller (an activity) holds: the facts about Corfix at decision time.
interface Scenario {
  project: ProcoreProjectRecord;
  linked: boolean;
  /** the integration's project selection takes it */
  selected: boolean;
  corfixNumbers: Set<ProjectNumberKey>;
  corfixNames: Set<ProjectNameKey>;
  adoptExisting: boolean;
  /** the Corfix projects holding any number or name in the sets */
  holders: CorfixMatch[];
}

function scenario(overrides: Partial<ProcoreProjectRecord> = {}): Scenario {
  return {
    project: procoreProject(overrides),
    linked: false,
    selected: true,
    corfixNumbers: new Set(),
    corfixNames: new Set(),
    adoptExisting: false,
    holders: [{ id: 'c-held', taken: true }],
  };
}

function decide(s: Scenario): ProjectDecision {
  return decideProject(s.project, {
    companyId: COMPANY_ID,
    today: TODAY,
    linked: s.linked,
    selected: s.selected,
    adoptExisting: s.adoptExisting,
    corfixProjectsWithNumber: (key) => (s.corfixNumbers.has(key) ? s.holders : []),
    corfixProjectsWithName: (key) => (s.corfixNames.has(key) ? s.holders : []),
  });
}

/** The part of a created decision that the caller adds to its sets once Corfix has the project. */
function remember(s: Scenario, decision: ProjectDecision): void {
  if (decision.outcome !== 'created') return;
  if (decision.numberKey !== null) s.corfixNumbers.add(decision.numberKey);
  if (decision.nameKey !== null) s.corfixNames.add(decision.nameKey);
}

// One way to make each rule apply, to set rules against each other.
type SkipRule = Exclude<ProjectReason, 'created'>;
const makeApply: Record<SkipRule, (s: Scenario) => void> = {
  linked: (s) => {
    s.linked = true;
  },
  template: (s) => {
    s.project.template = true;
  },
  not_selected: (s) => {
    s.selected = false;
  },
  adopted: (s) => {
    s.project.projectNumber = 'HT-001';
    s.corfixNumbers.add(projectNumberKey('HT-001'));
    s.adoptExisting = true;
    s.holders = [{ id: 'c-free', taken: false }];
  },
  ambiguous_match: (s) => {
    s.project.projectNumber = 'HT-001';
    s.corfixNumbers.add(projectNumberKey('HT-001'));
    s.adoptExisting = true;
    s.holders = [
      { id: 'c-1', taken: false },
      { id: 'c-2', taken: false },
    ];
  },
  number_exists: (s) => {
    s.project.projectNumber = 'HT-001';
    s.corfixNumbers.add(projectNumberKey('HT-001'));
  },
  name_exists: (s) => {
    s.project.projectNumber = null;
    s.corfixNames.add(projectNameKey(s.project.name ?? ''));
  },
  completed_not_in_corfix: (s) => {
    s.project.active = false;
    s.project.startDate = null;
  },
  invalid_record: (s) => {
    s.project.name = 'n'.repeat(256);
  },
};

describe('project decisions, one rule each', () => {
  test('linked: a project this integration already made is linked', () => {
    const s = scenario();
    makeApply.linked(s);
    expect(decide(s)).toEqual({ outcome: 'linked', reason: 'linked' });
  });

  test('template: Procore project templates are not synced', () => {
    const s = scenario({ template: true });
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'template' });
  });

  test('not_selected: a project the selection leaves out is not created, whatever else holds', () => {
    const s = scenario();
    makeApply.not_selected(s);
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'not_selected' });
    // an upcoming one, one without a number: left out all the same
    expect(decide({ ...scenario({ active: false, startDate: '2026-03-16', projectNumber: null }), selected: false }).reason).toBe('not_selected');
  });

  test('not_selected never applies to a linked project: it stays linked (its changes are held back by the continuous sync)', () => {
    const s = scenario();
    s.selected = false;
    s.linked = true;
    expect(decide(s)).toEqual({ outcome: 'linked', reason: 'linked' });
  });

  test('number_exists: an existing Corfix project has the same number', () => {
    const s = scenario({ projectNumber: 'HT-001' });
    s.corfixNumbers.add(projectNumberKey('HT-001'));
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'number_exists', corfixIds: ['c-held'] });
  });

  test('number_exists compares numbers exactly: another case or spacing is another number', () => {
    for (const corfixNumber of ['ht-001', 'HT-001 ', 'HT-0001']) {
      const s = scenario({ projectNumber: 'HT-001' });
      s.corfixNumbers.add(projectNumberKey(corfixNumber));
      expect(decide(s).reason).toBe('created');
    }
  });

  test('name_exists: no number, and an existing Corfix project has the same name ignoring case', () => {
    for (const noNumber of [null, '', '   ']) {
      const s = scenario({ projectNumber: noNumber, name: 'Harbour Tower' });
      s.corfixNames.add(projectNameKey('HARBOUR TOWER'));
      expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'name_exists', corfixIds: ['c-held'] });
    }
  });

  test('name_exists needs the whole name: surrounding whitespace makes another name', () => {
    const s = scenario({ projectNumber: null, name: 'Harbour Tower ' });
    s.corfixNames.add(projectNameKey('Harbour Tower'));
    expect(decide(s).reason).toBe('created');
  });

  test('name_exists never applies to a project with a number: its name may match and it is still created', () => {
    const s = scenario({ projectNumber: 'HT-002', name: 'Harbour Tower' });
    s.corfixNames.add(projectNameKey('Harbour Tower'));
    expect(decide(s).reason).toBe('created');
  });

  test('completed_not_in_corfix: an inactive project starting today, earlier, or never is not created', () => {
    for (const startDate of [TODAY, '2026-03-14', '2019-06-01', null]) {
      expect(decide(scenario({ active: false, startDate }))).toEqual({
        outcome: 'skipped',
        reason: 'completed_not_in_corfix',
      });
    }
  });

  test('completed_not_in_corfix: an upcoming project (start date tomorrow) is created as upcoming', () => {
    const decision = decide(scenario({ active: false, startDate: '2026-03-16' }));
    expect(decision.outcome === 'created' && decision.fields.status).toBe('upcoming');
  });

  test('completed_not_in_corfix: a completed project already in Corfix (linked) is linked', () => {
    const s = scenario({ active: false, startDate: '2020-01-01' });
    s.linked = true;
    expect(decide(s)).toEqual({ outcome: 'linked', reason: 'linked' });
  });

  test('invalid_record: a value Corfix cannot take is skipped, naming the field', () => {
    expect(decide(scenario({ name: '' }))).toEqual({
      outcome: 'skipped',
      reason: 'invalid_record',
      field: 'name',
      problem: 'empty',
    });
    expect(decide(scenario({ projectNumber: '7'.repeat(101) }))).toEqual({
      outcome: 'skipped',
      reason: 'invalid_record',
      field: 'project_number',
      problem: 'too_long',
    });
  });

  test('invalid_record: an inactive project whose start date cannot be read (a timestamp) is skipped, naming the field', () => {
    expect(decide(scenario({ active: false, startDate: '2026-01-05T00:00:00Z' }))).toEqual({
      outcome: 'skipped',
      reason: 'invalid_record',
      field: 'start_date',
      problem: 'not_a_date',
    });
    // active: the start date is not read, so nothing to refuse
    expect(decide(scenario({ active: true, startDate: '2026-01-05T00:00:00Z' })).outcome).toBe('created');
  });

  test('created: otherwise the project is created with the mapped fields and its matching keys', () => {
    expect(decide(scenario())).toEqual({
      outcome: 'created',
      reason: 'created',
      fields: {
        name: 'Harbour Tower',
        project_number: 'HT-001',
        private_description: 'Internal: phase 2 budget',
        public_info: 'Site office at gate B',
        street_address: '12 Quay Street',
        city: 'Auckland',
        state: 'AUK',
        country: 'NZ',
        zip: '1010',
        status: 'active',
        external_ref: `procore:${COMPANY_ID}:project:562949953421312`,
      },
      numberKey: projectNumberKey('HT-001'),
      nameKey: projectNameKey('Harbour Tower'),
    });
    const noNumber = decide(scenario({ projectNumber: '' }));
    expect(noNumber.outcome === 'created' && noNumber.numberKey).toBeNull();
  });
});

describe('adopt_existing: a project Corfix holds already', () => {
  const held = (holders: CorfixMatch[], adoptExisting: boolean, overrides: Partial<ProcoreProjectRecord> = { projectNumber: 'HT-001' }) => {
    const s = scenario(overrides);
    s.corfixNumbers.add(projectNumberKey('HT-001'));
    s.corfixNames.add(projectNameKey('Harbour Tower'));
    s.holders = holders;
    s.adoptExisting = adoptExisting;
    return decide(s);
  };

  test('one free project with its number is adopted; off, the seed skips it', () => {
    expect(held([{ id: 'c-free', taken: false }], true)).toEqual({
      outcome: 'adopted',
      reason: 'adopted',
      corfixId: 'c-free',
      numberKey: projectNumberKey('HT-001'),
      nameKey: null,
    });
    expect(held([{ id: 'c-free', taken: false }], false)).toEqual({ outcome: 'skipped', reason: 'number_exists', corfixIds: ['c-free'] });
  });

  test('without a number, one free project with its name is adopted', () => {
    expect(held([{ id: 'c-free', taken: false }], true, { projectNumber: null, name: 'Harbour Tower' })).toEqual({
      outcome: 'adopted',
      reason: 'adopted',
      corfixId: 'c-free',
      numberKey: null,
      nameKey: projectNameKey('Harbour Tower'),
    });
  });

  test('several are never guessed; one taken by an integration keeps the skip', () => {
    const two = [
      { id: 'c-1', taken: false },
      { id: 'c-2', taken: false },
    ];
    expect(held(two, true)).toEqual({ outcome: 'skipped', reason: 'ambiguous_match', corfixIds: ['c-1', 'c-2'] });
    expect(held(two, true, { projectNumber: null, name: 'Harbour Tower' }).reason).toBe('ambiguous_match');
    expect(held([{ id: 'c-mine', taken: true }], true)).toEqual({ outcome: 'skipped', reason: 'number_exists', corfixIds: ['c-mine'] });
  });

  test('a template is never adopted', () => {
    expect(held([{ id: 'c-free', taken: false }], true, { projectNumber: 'HT-001', template: true }).reason).toBe('template');
  });
});

/** adopt_existing off (null), or on with one free record, two, or one taken holding the keys. */
const HOLDERS: Array<CorfixMatch[] | null> = [null, [{ id: 'c-free', taken: false }], [{ id: 'c-1', taken: false }, { id: 'c-2', taken: false }], [{ id: 'c-held', taken: true }]];

const MATCHES = new Set<SkipRule>(['adopted', 'ambiguous_match', 'number_exists', 'name_exists']);

describe('project decision precedence: the first rule that applies wins', () => {
  const rules = PROJECT_REASONS.filter((r): r is SkipRule => r !== 'created');
  const clashes: Array<[SkipRule, SkipRule]> = [];
  for (const [i, first] of rules.entries()) {
    for (const later of rules.slice(i + 1)) {
      // One check of what Corfix holds decides these four: a project has a
      // number or none, and what holds it is one free record, several, or taken.
      if (MATCHES.has(first) && MATCHES.has(later)) continue;
      clashes.push([first, later]);
    }
  }

  test.each(clashes)('%s beats %s', (first, later) => {
    const laterOnly = scenario();
    makeApply[later](laterOnly);
    expect(decide(laterOnly).reason).toBe(later);

    // The later rule's change goes in first, so the name_exists fixture sees the final name.
    const both = scenario();
    makeApply[later](both);
    makeApply[first](both);
    expect(decide(both).reason).toBe(first);
  });

  test('number_exists and name_exists exclude each other: with a number only the number counts', () => {
    const s = scenario({ projectNumber: 'HT-001', name: 'Harbour Tower' });
    s.corfixNames.add(projectNameKey('Harbour Tower'));
    s.corfixNumbers.add(projectNumberKey('HT-001'));
    expect(decide(s).reason).toBe('number_exists');
  });

  test('all 30 pairs of project rules that can both apply are set against each other', () => {
    expect(clashes).toHaveLength(30);
  });
});

describe('project report rows', () => {
  test('the decision speaks exactly the reason codes of sync-outcome', () => {
    // Checked by the type checker: a reason added to one list and not the other fails to compile.
    type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
    const same: Same<ProjectDecision['reason'], ProjectReason> = true;
    expect(same).toBe(true);
  });

  test('every Procore project, templates included, gets exactly one outcome and reason', () => {
    const seen = new Set<ProjectReason>();
    const bools = [false, true];
    for (const linked of bools)
      for (const selected of bools)
        for (const template of bools)
          for (const active of bools)
            for (const startDate of [null, TODAY, '2026-03-16'])
              for (const projectNumber of [null, 'HT-001', '7'.repeat(101)])
                for (const numberExists of bools)
                  for (const nameExists of bools)
                    for (const name of ['Harbour Tower', ''])
                      for (const holders of HOLDERS) {
                      const s = scenario({ template, active, startDate, projectNumber, name });
                      s.linked = linked;
                      s.selected = selected;
                      s.adoptExisting = holders !== null;
                      s.holders = holders ?? s.holders;
                      if (numberExists && projectNumber !== null) s.corfixNumbers.add(projectNumberKey(projectNumber));
                      if (nameExists) s.corfixNames.add(projectNameKey(name));
                      const decision = decide(s);
                      expect(PROJECT_REASONS).toContain(decision.reason);
                      expect(decision.outcome).toBe(outcomeOfReason(decision.reason));
                      seen.add(decision.reason);
                    }
    expect([...seen].sort()).toEqual([...PROJECT_REASONS].sort());
  });

  test('skipped records are left alone: a skip or a link carries nothing to create', () => {
    const skipsAndLinks = (Object.keys(makeApply) as SkipRule[]).map((rule) => {
      const s = scenario();
      makeApply[rule](s);
      return decide(s);
    });
    expect(skipsAndLinks.map((d) => d.outcome)).toEqual(['linked', 'skipped', 'skipped', 'adopted', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    for (const decision of skipsAndLinks) {
      expect(decision).not.toHaveProperty('fields');
      if (decision.outcome !== 'adopted') expect(decision).not.toHaveProperty('numberKey');
    }
  });
});

describe('existing means in Corfix when the decision is made, including what this sync created', () => {
  test('of two Procore projects with one number, the second gets number_exists', () => {
    const s = scenario();
    const first = decide(s);
    expect(first.reason).toBe('created');
    remember(s, first);
    s.project = procoreProject({ id: '562949953421313', name: 'Harbour Tower Stage 2', projectNumber: 'HT-001' });
    expect(decide(s).reason).toBe('number_exists');
  });

  test('of two unnumbered Procore projects whose names differ only in case, the second gets name_exists', () => {
    const s = scenario({ projectNumber: null, name: 'Harbour Tower' });
    const first = decide(s);
    expect(first.reason).toBe('created');
    remember(s, first);
    s.project = procoreProject({ id: '562949953421313', projectNumber: null, name: 'harbour TOWER' });
    expect(decide(s).reason).toBe('name_exists');
  });

  test('a numbered project created by this sync blocks an unnumbered one of the same name', () => {
    const s = scenario({ projectNumber: 'HT-001', name: 'Harbour Tower' });
    remember(s, decide(s));
    s.project = procoreProject({ id: '562949953421313', projectNumber: null, name: 'Harbour Tower' });
    expect(decide(s).reason).toBe('name_exists');
  });
});
