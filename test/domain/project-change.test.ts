// decideProjectChange (docs/rules.md, Project status; the seed's project
// mapping) over every combination of Procore's active flag, the start date
// (after today, today, before today, none, unreadable), the status the link
// last wrote and whether the record is the one it last wrote; and "today"
// moving an upcoming project to completed with no change in Procore.
// fast-check is not a dependency: plain loops.
import { decideProjectChange, type ProjectLinkMemory } from '../../src/domain/project-change.js';
import { CORFIX_PROJECT_STATUSES, type CorfixProjectStatus } from '../../src/domain/project-status.js';
import { procoreProject, TODAY } from './procore-fixtures.js';

const WRITTEN_AT = '2026-03-01T10:00:00Z';
const CHANGED_AT = '2026-03-02T08:30:00Z';

// TODAY is 2026-03-15.
const START_DATES = {
  future: '2026-03-16',
  today: TODAY,
  past: '2026-03-14',
  none: null,
  timestamp: '2026-03-16T00:00:00Z',
  'not a date': 'next spring',
  'not a real day': '2026-02-30',
} as const;
type StartDate = keyof typeof START_DATES;
const UNREADABLE: StartDate[] = ['timestamp', 'not a date', 'not a real day'];

/** The seed's table read on its own: the status the project should have in Corfix, or unreadable. */
function wanted(active: boolean, start: StartDate): CorfixProjectStatus | 'unreadable' {
  if (active) return 'active';
  if (UNREADABLE.includes(start)) return 'unreadable';
  return start === 'future' ? 'upcoming' : 'completed';
}

describe('decideProjectChange over every combination', () => {
  const cases = [false, true].flatMap((active) =>
    (Object.keys(START_DATES) as StartDate[]).flatMap((start) =>
      CORFIX_PROJECT_STATUSES.flatMap((lastCorfixStatus) =>
        (['same', 'different', 'none'] as const).map((remembered) => ({ active, start, lastCorfixStatus, remembered })),
      ),
    ),
  );

  test('there are 2 x 7 x 3 x 3 of them', () => {
    expect(cases).toHaveLength(126);
  });

  test.each(cases)('%j', ({ active, start, lastCorfixStatus, remembered }) => {
    const project = procoreProject({ active, startDate: START_DATES[start], updatedAt: CHANGED_AT });
    const link: ProjectLinkMemory = {
      lastCorfixStatus,
      lastProcoreUpdatedAt: remembered === 'same' ? CHANGED_AT : remembered === 'different' ? WRITTEN_AT : null,
    };
    const status = wanted(active, start);
    const expected =
      status === 'unreadable'
        ? // left alone, fields too: reported as invalid_record naming start_date
          { unreadable: 'start_date' }
        : { status: status === lastCorfixStatus ? null : status, recordChanged: remembered !== 'same' };
    expect(decideProjectChange(project, link, TODAY)).toEqual(expected);
  });
});

describe('decideProjectChange, one rule at a time', () => {
  const link = (lastCorfixStatus: CorfixProjectStatus): ProjectLinkMemory => ({ lastCorfixStatus, lastProcoreUpdatedAt: WRITTEN_AT });

  test('today moves an upcoming project to completed on its start date, with no change in Procore', () => {
    const project = procoreProject({ active: false, startDate: '2026-03-20', updatedAt: WRITTEN_AT });
    expect(decideProjectChange(project, link('upcoming'), '2026-03-19')).toEqual({ status: null, recordChanged: false });
    expect(decideProjectChange(project, link('upcoming'), '2026-03-20')).toEqual({ status: 'completed', recordChanged: false });
    expect(decideProjectChange(project, link('upcoming'), '2026-03-21')).toEqual({ status: 'completed', recordChanged: false });
    // once written, the next look asks for nothing
    expect(decideProjectChange(project, link('completed'), '2026-03-21')).toEqual({ status: null, recordChanged: false });
  });

  test('a completed project whose start date moves into the future is upcoming again', () => {
    const project = procoreProject({ active: false, startDate: '2026-06-01', updatedAt: CHANGED_AT });
    expect(decideProjectChange(project, link('completed'), TODAY)).toEqual({ status: 'upcoming', recordChanged: true });
  });

  test('a project made active in Procore is active whatever it was', () => {
    for (const last of ['upcoming', 'completed'] as const) {
      expect(decideProjectChange(procoreProject({ active: true, startDate: null }), link(last), TODAY)).toMatchObject({ status: 'active' });
    }
  });

  test('an active project does not need a readable start date', () => {
    expect(decideProjectChange(procoreProject({ active: true, startDate: 'soon', updatedAt: CHANGED_AT }), link('active'), TODAY)).toEqual({
      status: null,
      recordChanged: true,
    });
  });

  test('"today" must be YYYY-MM-DD (the caller gives it): a timestamp is a bug and throws', () => {
    expect(() => decideProjectChange(procoreProject(), link('active'), '2026-03-15T00:00:00Z')).toThrow(RangeError);
  });
});
