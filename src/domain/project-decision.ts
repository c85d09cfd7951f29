// What to do with one Procore project. The decisions are made in a fixed
// order and the first that applies is the outcome and reason of its report
// row: linked, template, not_selected, number_exists, name_exists,
// completed_not_in_corfix, invalid_record, otherwise created. With
// adopt_existing on, a number (or, without one, a name) held by exactly one
// free Corfix project adopts it instead of number_exists / name_exists, and
// one held by several is ambiguous_match (existing-match.ts).

import type { InvalidValueProblem } from './corfix-constraints.js';
import { decisionOfMatch, type CorfixMatch } from './existing-match.js';
import {
  projectNameKey,
  projectNumberKey,
  type ProjectNameKey,
  type ProjectNumberKey,
} from './matching-keys.js';
import type { ProcoreProjectRecord } from './procore-records.js';
import {
  projectFields,
  projectNumberOf,
  type LimitedProjectField,
  type MappedProjectFields,
} from './project-fields.js';
import { projectStatus } from './project-status.js';
import { presentText } from './text.js';

/** The facts a project decision needs; the caller gathers them, the rule does no I/O. */
export interface ProjectDecisionContext {
  /** The Procore company the integration is connected to (for external_ref). */
  companyId: string;
  /** 'YYYY-MM-DD', the UTC date the decision is made on. */
  today: string;
  /**
   * This integration already made the project: a link row, or a Corfix
   * project carrying its external_ref. Decided first, so a rerun after a
   * crash between "create" and "write link" links instead of skipping.
   */
  linked: boolean;
  /** The integration's project selection takes this project (project-selection.ts); one left out is never created. */
  selected: boolean;
  /** The "adopt existing" setting: link a project matching exactly one free Corfix project to it. */
  adoptExisting: boolean;
  /**
   * The projects in Corfix now, this sync's own creations included, that
   * have this number. Called with projectNumberKey(...) of the project's number.
   */
  corfixProjectsWithNumber: (key: ProjectNumberKey) => readonly CorfixMatch[];
  /** Same for names, called with projectNameKey(...) of the project's name. */
  corfixProjectsWithName: (key: ProjectNameKey) => readonly CorfixMatch[];
}

export type ProjectDecision =
  | {
      outcome: 'created';
      reason: 'created';
      /** The Corfix create body. */
      fields: MappedProjectFields;
      /** What to add to the caller's sets once created, so later decisions see this project. */
      numberKey: ProjectNumberKey | null;
      nameKey: ProjectNameKey;
    }
  | {
      outcome: 'adopted';
      reason: 'adopted';
      /** the Corfix project to link it to */
      corfixId: string;
      /** the key it matched by (the project's own number, or its name) */
      numberKey: ProjectNumberKey | null;
      nameKey: ProjectNameKey | null;
    }
  | { outcome: 'linked'; reason: 'linked' }
  | { outcome: 'skipped'; reason: 'number_exists' | 'name_exists' | 'ambiguous_match'; corfixIds: string[] }
  | { outcome: 'skipped'; reason: 'template' | 'not_selected' | 'completed_not_in_corfix' }
  | { outcome: 'skipped'; reason: 'invalid_record'; field: LimitedProjectField; problem: InvalidValueProblem };

export function decideProject(project: ProcoreProjectRecord, context: ProjectDecisionContext): ProjectDecision {
  if (context.linked) return { outcome: 'linked', reason: 'linked' };

  // docs/rules.md, Project decisions #2: templates are never synced.
  if (project.template) return { outcome: 'skipped', reason: 'template' };

  // docs/rules.md, Project decisions (not_selected): a project the
  // integration's selection leaves out is not created. Decided before the
  // clash checks, so its report row says it was left out by choice. (A
  // linked one was decided above: it stays linked.)
  if (!context.selected) return { outcome: 'skipped', reason: 'not_selected' };

  // docs/rules.md, Project decisions #3: the same project number as an
  // existing Corfix project -> not synced.
  const projectNumber = projectNumberOf(project);
  if (projectNumber !== null) {
    const numberKey = projectNumberKey(projectNumber);
    const decided = decisionOfMatch(context.corfixProjectsWithNumber(numberKey), context.adoptExisting, 'number_exists', { numberKey, nameKey: null });
    if (decided) return decided;
  }

  // docs/rules.md, Project decisions #4: no number, and the name matches an
  // existing Corfix project -> not synced. A project with a number is never
  // skipped for its name.
  const name = presentText(project.name);
  if (projectNumber === null && name !== null) {
    const nameKey = projectNameKey(name);
    const decided = decisionOfMatch(context.corfixProjectsWithName(nameKey), context.adoptExisting, 'name_exists', { numberKey: null, nameKey });
    if (decided) return decided;
  }

  // docs/rules.md, Project decisions #5: not in Corfix and deemed completed
  // -> not created. (Linked ones were decided above, whatever their status.)
  // An inactive project whose start date cannot be read cannot be told
  // completed from upcoming: it is a value the rules cannot take.
  const status = projectStatus(project, context.today);
  if (typeof status !== 'string') {
    return { outcome: 'skipped', reason: 'invalid_record', field: status.unreadable, problem: 'not_a_date' };
  }
  if (status === 'completed') {
    return { outcome: 'skipped', reason: 'completed_not_in_corfix' };
  }

  const mapped = projectFields(project, { companyId: context.companyId, today: context.today });
  if (!mapped.valid) {
    return { outcome: 'skipped', reason: 'invalid_record', field: mapped.field, problem: mapped.problem };
  }

  const { fields } = mapped;
  return {
    outcome: 'created',
    reason: 'created',
    fields,
    numberKey: fields.project_number === null ? null : projectNumberKey(fields.project_number),
    nameKey: projectNameKey(fields.name),
  };
}
