import { formFileName, isCorfixFormsFolder, isNameOrRename, monthFolderName, pickCorfixFormsFolder } from '../../src/domain/form-filing.js';

const folder = (name: string, more: Partial<{ isDeleted: boolean; isRecycleBin: boolean }> = {}) => ({
  name,
  isDeleted: false,
  isRecycleBin: false,
  ...more,
});

describe('the Corfix Forms folder', () => {
  test.each([
    ['Corfix Forms', true],
    ['06 Corfix Forms', true],
    ['corfix forms (archive)', true],
    ['CORFIX FORMS', true],
    ['Corfix', false],
    ['Forms', false],
    ['CorfixForms', false],
  ])('%j is one: %s', (name, expected) => {
    expect(isCorfixFormsFolder(name)).toBe(expected);
  });

  test('an existing folder with something added to its name is used', () => {
    expect(pickCorfixFormsFolder([folder('01 Drawings'), folder('06 Corfix Forms')])?.name).toBe('06 Corfix Forms');
  });

  test('the exact name wins over a decorated one; deleted folders and the recycle bin never count', () => {
    expect(pickCorfixFormsFolder([folder('06 Corfix Forms'), folder('corfix forms')])?.name).toBe('corfix forms');
    expect(pickCorfixFormsFolder([folder('Corfix Forms', { isDeleted: true }), folder('Corfix Forms old', { isRecycleBin: true })])).toBeUndefined();
  });

  test('none: undefined (the integration creates "Corfix Forms")', () => {
    expect(pickCorfixFormsFolder([])).toBeUndefined();
  });
});

describe('month folders and file names', () => {
  test('the month folder is YYYY-MM of the form date', () => {
    expect(monthFolderName('2026-11-27')).toBe('2026-11');
    expect(monthFolderName('2027-01-01')).toBe('2027-01');
  });

  test('the file is TEMPLATE_NAME YYYY-MM-DD.pdf', () => {
    expect(formFileName('Daily Hazard Assessment', '2026-11-27')).toBe('Daily Hazard Assessment 2026-11-27.pdf');
  });

  test('path separators and control characters become "-", white space runs one space', () => {
    expect(formFileName(' Site/Office \\ Check\n\tlist ', '2026-11-27')).toBe('Site-Office - Check list 2026-11-27.pdf');
  });

  test('a very long template name is cut so the date and extension fit in 255 characters', () => {
    const name = formFileName('x'.repeat(400), '2026-11-27');
    expect(name).toHaveLength(255);
    expect(name.endsWith(' 2026-11-27.pdf')).toBe(true);
  });

  test('an empty template name leaves the date', () => {
    expect(formFileName('   ', '2026-11-27')).toBe('2026-11-27.pdf');
  });

  test('a date that is not a calendar date is refused', () => {
    expect(() => monthFolderName('2026-02-30')).toThrow(RangeError);
    expect(() => formFileName('Daily', '27/11/2026')).toThrow(RangeError);
  });
});

describe("Procore's renames", () => {
  const intended = 'Daily Hazard 2026-11-27.pdf';
  test.each([
    ['Daily Hazard 2026-11-27.pdf', true],
    ['daily hazard 2026-11-27.PDF', true],
    ['Daily Hazard 2026-11-27 (1).pdf', true],
    ['Daily Hazard 2026-11-27 (12).pdf', true],
    ['Daily Hazard 2026-11-27 (x).pdf', false],
    ['Daily Hazard 2026-11-27 ().pdf', false],
    ['Daily Hazard 2026-11-28.pdf', false],
    ['Daily Hazard 2026-11-27 (1).docx', false],
    ['Other Daily Hazard 2026-11-27.pdf', false],
  ])('%j is the intended name or a rename of it: %s', (name, expected) => {
    expect(isNameOrRename(name, intended)).toBe(expected);
  });
});
