// Which Procore projects an integration syncs (issue 15, beyond the seed):
// every one (the seed's rule and the default), only those listed, or all but
// those listed. A project left out is never created in Corfix, its changes
// are not written to a Corfix project linked to it, and its forms are not
// filed; nothing already in Corfix is deleted. Ids are Procore project ids as
// strings of digits, as the API takes them and the Procore client reads them.

export const PROJECT_SELECTION_MODES = ['all', 'include', 'exclude'] as const;
export type ProjectSelectionMode = (typeof PROJECT_SELECTION_MODES)[number];

/** The most Procore project ids a selection lists. */
export const MAX_SELECTED_PROJECT_IDS = 10_000;

export type ProjectSelection =
  | { mode: 'all' }
  /** only these Procore projects; a new one is left out unless listed */
  | { mode: 'include'; projectIds: readonly string[] }
  /** every Procore project but these; a new one is synced unless listed */
  | { mode: 'exclude'; projectIds: readonly string[] };

export const ALL_PROJECTS: ProjectSelection = Object.freeze({ mode: 'all' });

// A page of a thousand projects asks of a list of up to ten thousand ids: each list becomes a set once.
const idSets = new WeakMap<readonly string[], ReadonlySet<string>>();
function idSetOf(ids: readonly string[]): ReadonlySet<string> {
  let set = idSets.get(ids);
  if (set === undefined) {
    set = new Set(ids);
    idSets.set(ids, set);
  }
  return set;
}

/** Whether the integration syncs this Procore project. */
export function isProjectSelected(selection: ProjectSelection, procoreProjectId: string): boolean {
  if (selection.mode === 'all') return true;
  const listed = idSetOf(selection.projectIds).has(procoreProjectId);
  return selection.mode === 'include' ? listed : !listed;
}

/** The same choice: the same mode and the same ids, in any order. */
export function sameProjectSelection(a: ProjectSelection, b: ProjectSelection): boolean {
  if (a.mode !== b.mode) return false;
  if (a.mode === 'all' || b.mode === 'all') return true;
  const ids = idSetOf(a.projectIds);
  return a.projectIds.length === b.projectIds.length && b.projectIds.every((id) => ids.has(id));
}
