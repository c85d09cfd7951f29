import { projectNameKey, projectNumberKey, type ProjectNameKey, type ProjectNumberKey } from '../../src/domain/matching-keys.js';
import type { ProcoreProjectRecord } from '../../src/domain/procore-records.js';
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
}

function scenario(overrides: Partial<ProcoreProjectRecord> = {}): Scenario {
  return { project: procoreProject(overrides), linked: false, selected: true, corfixNumbers: new Set(), corfixNames: new Set() };
}

function decide(s: Scenario): ProjectDecision {
  return decideProject(s.project, {
    companyId: COMPANY_ID,
    today: TODAY,
    linked: s.linked,
    selected: s.selected,
    corfixHasProjectNumber: (key) => s.corfixNumbers.has(key),
    corfixHasProjectName: (key) => s.corfixNames.has(key),
  });
}

/** The part of a created decision that the caller adds to its sets once Corfix has the project. */
function remember(s: Scenario, decision: ProjectDecision): void {
  if (decision.outcome !== 'created') return;
  if (decision.numberKey !== null) s.corfixNumbers.add(decision.numberKey);
  s.corfixNames.add(decision.nameKey);
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
    expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'number_exists' });
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
      expect(decide(s)).toEqual({ outcome: 'skipped', reason: 'name_exists' });
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

describe('project decision precedence: the first rule that applies wins', () => {
  const rules = PROJECT_REASONS.filter((r): r is SkipRule => r !== 'created');
  const clashes: Array<[SkipRule, SkipRule]> = [];
  for (const [i, first] of rules.entries()) {
    for (const later of rules.slice(i + 1)) {
      // A project has a number or has none: these two can never both apply.
      if (first === 'number_exists' && later === 'name_exists') continue;
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

  test('all 20 pairs of project rules that can both apply are set against each other', () => {
    expect(clashes).toHaveLength(20);
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
                    for (const name of ['Harbour Tower', '']) {
                      const s = scenario({ template, active, startDate, projectNumber, name });
                      s.linked = linked;
                      s.selected = selected;
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
    expect(skipsAndLinks.map((d) => d.outcome)).toEqual(['linked', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'skipped']);
    for (const decision of skipsAndLinks) {
      expect(decision).not.toHaveProperty('fields');
      expect(decision).not.toHaveProperty('numberKey');
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
