// Where a Corfix form is filed in a Procore project's Documents (seed, Form
// syncing): in a root folder named "Corfix Forms" (anything may be added to
// its name, e.g. "06 Corfix Forms"), in a month folder "YYYY-MM" from the
// form's date, as "TEMPLATE_NAME YYYY-MM-DD.pdf". Procore renames a name
// already taken in the folder ("X (1).pdf"); the name it gave is kept.
import { isCalendarDate } from './calendar-date.js';

/** The name of the folder this integration creates when the project has none. */
export const CORFIX_FORMS_FOLDER = 'Corfix Forms';

/** Procore's limit on a document's name. */
const MAX_NAME_LENGTH = 255;
const EXTENSION = '.pdf';

/** A root folder that is the Corfix Forms folder: its name contains "Corfix Forms", in any case. */
export function isCorfixFormsFolder(name: string): boolean {
  return name.toLowerCase().includes(CORFIX_FORMS_FOLDER.toLowerCase());
}

/** Of the root's folders, the one to file in: a live one named for Corfix Forms, the exact name first. */
export function pickCorfixFormsFolder<T extends { name: string; isDeleted: boolean; isRecycleBin: boolean }>(
  folders: readonly T[],
): T | undefined {
  const live = folders.filter((f) => !f.isDeleted && !f.isRecycleBin && isCorfixFormsFolder(f.name));
  return live.find((f) => f.name.trim().toLowerCase() === CORFIX_FORMS_FOLDER.toLowerCase()) ?? live[0];
}

function checkedDate(formDate: string): string {
  if (!isCalendarDate(formDate)) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(formDate)}`);
  return formDate;
}

/** The month folder of a form: "YYYY-MM" of its form date. */
export function monthFolderName(formDate: string): string {
  return checkedDate(formDate).slice(0, 7);
}

/**
 * The file's name: "TEMPLATE_NAME YYYY-MM-DD.pdf". Runs of white space
 * (line breaks and tabs included) become one space, and the characters a
 * document name cannot hold (path separators, other control characters) "-"; a very long template name is cut so the date
 * and the extension always fit.
 */
export function formFileName(templateName: string, formDate: string): string {
  const date = checkedDate(formDate);
  const template = templateName
    .replace(/\s+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f/\\]/g, '-')
    .trim();
  const room = MAX_NAME_LENGTH - date.length - EXTENSION.length - 1;
  const stem = template === '' ? date : `${template.slice(0, room).trimEnd()} ${date}`;
  return `${stem}${EXTENSION}`;
}

/**
 * Whether `name` is `intended` or Procore's rename of it ("X (1).pdf"):
 * the names a file this integration created under `intended` can have.
 */
export function isNameOrRename(name: string, intended: string): boolean {
  const wanted = intended.toLowerCase();
  const actual = name.toLowerCase();
  if (actual === wanted) return true;
  const dot = wanted.lastIndexOf('.');
  const [stem, extension] = dot > 0 ? [wanted.slice(0, dot), wanted.slice(dot)] : [wanted, ''];
  if (!actual.startsWith(`${stem} (`) || !actual.endsWith(`)${extension}`)) return false;
  return /^\d+$/.test(actual.slice(stem.length + 2, actual.length - extension.length - 1));
}
