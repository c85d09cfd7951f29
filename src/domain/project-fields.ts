// Procore project -> Corfix ProjectInput (docs/rules.md, Project fields).

import {
  EXTERNAL_REF_MAX_LENGTH,
  PROJECT_NAME_MAX_LENGTH,
  PROJECT_NUMBER_MAX_LENGTH,
  checkOptionalText,
  checkRequiredName,
  type InvalidValueProblem,
} from './corfix-constraints.js';
import { procoreProjectExternalRef } from './external-ref.js';
import type { ProcoreProjectRecord } from './procore-records.js';
import { projectStatus, type CorfixProjectStatus } from './project-status.js';
import { presentText } from './text.js';

// Not the contract's CorfixProjectInput (src/corfix/schemas.ts): every field set and external_ref never null; assignable to it.
/** What the sync writes for a Procore project, snake_case as in contracts/corfix-api.yaml. */
export interface MappedProjectFields {
  name: string;
  project_number: string | null;
  private_description: string | null;
  public_info: string | null;
  street_address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  zip: string | null;
  status: CorfixProjectStatus;
  external_ref: string;
}

/** The Corfix project fields that have limits a Procore value can break. */
export type LimitedProjectField = 'name' | 'project_number' | 'external_ref' | 'start_date';

export type ProjectFieldsResult =
  | { valid: true; fields: MappedProjectFields }
  | { valid: false; field: LimitedProjectField; problem: InvalidValueProblem };

/**
 * The project's number, or null when it has none. A blank number (""
 * or whitespace only) is no number, so the name rule applies to it; any
 * other number is kept exactly as Procore gives it, because numbers are
 * compared exactly.
 */
export function projectNumberOf(project: Pick<ProcoreProjectRecord, 'projectNumber'>): string | null {
  return presentText(project.projectNumber);
}

/**
 * Maps the fields (name, project number, description -> private description,
 * public notes -> public info, address -> street address, city, state code
 * -> state, country code -> country, zip; codes as Procore gives them), the
 * status for `today`, and the external_ref; then checks Corfix's limits, in
 * that field order, and last that the start date can be read (an inactive
 * project's status depends on it): the first value that fails is named.
 */
export function projectFields(
  project: ProcoreProjectRecord,
  options: { companyId: string; today: string },
): ProjectFieldsResult {
  const projectNumber = projectNumberOf(project);
  const externalRef = procoreProjectExternalRef(options.companyId, project.id);

  const name = checkRequiredName(project.name, PROJECT_NAME_MAX_LENGTH);
  if (!name.ok) return { valid: false, field: 'name', problem: name.problem };
  const number = checkOptionalText(projectNumber, PROJECT_NUMBER_MAX_LENGTH);
  if (!number.ok) return { valid: false, field: 'project_number', problem: number.problem };
  const ref = checkOptionalText(externalRef, EXTERNAL_REF_MAX_LENGTH);
  if (!ref.ok) return { valid: false, field: 'external_ref', problem: ref.problem };
  const status = projectStatus(project, options.today);
  if (typeof status !== 'string') return { valid: false, field: status.unreadable, problem: 'not_a_date' };

  return {
    valid: true,
    fields: {
      name: name.value,
      project_number: number.value,
      private_description: project.description,
      public_info: project.publicNotes,
      street_address: project.address,
      city: project.city,
      state: project.stateCode,
      country: project.countryCode,
      zip: project.zip,
      status,
      external_ref: externalRef,
    },
  };
}
