import {
  ALL_PROJECTS,
  isProjectSelected,
  sameProjectSelection,
  type ProjectSelection,
} from '../../src/domain/project-selection.js';

describe('isProjectSelected', () => {
  test('all: every project is selected, whatever its id', () => {
    for (const id of ['1', '562949953421312', '9223372036854775807']) expect(isProjectSelected(ALL_PROJECTS, id)).toBe(true);
  });

  test('include: only the projects listed; a project appearing later is left out unless listed', () => {
    const selection: ProjectSelection = { mode: 'include', projectIds: ['101', '202'] };
    expect(isProjectSelected(selection, '101')).toBe(true);
    expect(isProjectSelected(selection, '202')).toBe(true);
    expect(isProjectSelected(selection, '303')).toBe(false);
  });

  test('exclude: every project but those listed; a project appearing later is selected unless listed', () => {
    const selection: ProjectSelection = { mode: 'exclude', projectIds: ['101', '202'] };
    expect(isProjectSelected(selection, '101')).toBe(false);
    expect(isProjectSelected(selection, '202')).toBe(false);
    expect(isProjectSelected(selection, '303')).toBe(true);
  });

  test('ids compare exactly as strings of digits: a prefix or a longer id is another project', () => {
    const selection: ProjectSelection = { mode: 'include', projectIds: ['1010'] };
    for (const other of ['101', '10100', '01010']) expect(isProjectSelected(selection, other)).toBe(false);
  });

  test('a list of ten thousand ids answers for each of them and for none other', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => String(7_000_000 + i));
    const include: ProjectSelection = { mode: 'include', projectIds: ids };
    const exclude: ProjectSelection = { mode: 'exclude', projectIds: ids };
    expect(ids.every((id) => isProjectSelected(include, id) && !isProjectSelected(exclude, id))).toBe(true);
    expect(isProjectSelected(include, '6999999')).toBe(false);
    expect(isProjectSelected(exclude, '7010000')).toBe(true);
  });
});

describe('sameProjectSelection', () => {
  test('the same mode and ids, in any order, is the same choice', () => {
    expect(sameProjectSelection(ALL_PROJECTS, { mode: 'all' })).toBe(true);
    expect(sameProjectSelection({ mode: 'include', projectIds: ['1', '2'] }, { mode: 'include', projectIds: ['2', '1'] })).toBe(true);
  });

  test('another mode, another id or one more id is another choice', () => {
    expect(sameProjectSelection({ mode: 'include', projectIds: ['1'] }, { mode: 'exclude', projectIds: ['1'] })).toBe(false);
    expect(sameProjectSelection({ mode: 'include', projectIds: ['1'] }, ALL_PROJECTS)).toBe(false);
    expect(sameProjectSelection({ mode: 'exclude', projectIds: ['1', '2'] }, { mode: 'exclude', projectIds: ['1', '3'] })).toBe(false);
    expect(sameProjectSelection({ mode: 'exclude', projectIds: ['1'] }, { mode: 'exclude', projectIds: ['1', '2'] })).toBe(false);
    expect(sameProjectSelection({ mode: 'exclude', projectIds: ['1', '2'] }, { mode: 'exclude', projectIds: ['1'] })).toBe(false);
  });
});
