// Procore company user -> Corfix WorkerInput (docs/rules.md, Worker fields).

import {
  EXTERNAL_REF_MAX_LENGTH,
  WORKER_NAME_MAX_LENGTH,
  checkEmail,
  checkOptionalText,
  checkRequiredName,
  type InvalidValueProblem,
} from './corfix-constraints.js';
import { procoreUserExternalRef } from './external-ref.js';
import type { ProcoreCompanyUser } from './procore-records.js';
import { presentText } from './text.js';

// Not the contract's CorfixWorkerInput (src/corfix/schemas.ts): every field set and external_ref never null; assignable to it.
/** What the sync writes for a Procore user (without `activate`), snake_case as in contracts/corfix-api.yaml. */
export interface MappedWorkerFields {
  first_name: string;
  last_name: string;
  email: string | null;
  phone_number: string | null;
  employee_number: string | null;
  external_ref: string;
}

/** The Corfix worker fields that have limits a Procore value can break. */
export type LimitedWorkerField = 'first_name' | 'last_name' | 'email' | 'external_ref';

export type WorkerFieldsResult =
  | { valid: true; fields: MappedWorkerFields }
  | { valid: false; field: LimitedWorkerField; problem: InvalidValueProblem };

/**
 * The user's email, or null when there is none. An empty or whitespace-only
 * email is no email (Corfix's email is null or an address, never "").
 * Surrounding whitespace is trimmed: it is never part of an address, and
 * Corfix would refuse the untrimmed value.
 */
export function workerEmail(user: Pick<ProcoreCompanyUser, 'emailAddress'>): string | null {
  return presentText(user.emailAddress)?.trim() ?? null;
}

/** Mobile phone; the business phone when there is no mobile phone (null or blank). Kept verbatim. */
export function workerPhoneNumber(user: Pick<ProcoreCompanyUser, 'mobilePhone' | 'businessPhone'>): string | null {
  return presentText(user.mobilePhone) ?? presentText(user.businessPhone);
}

/** Employee ID -> employee number, verbatim (leading zeros kept); blank is none. */
export function workerEmployeeNumber(user: Pick<ProcoreCompanyUser, 'employeeId'>): string | null {
  return presentText(user.employeeId);
}

/**
 * Maps first name, last name, mobile (else business) phone -> phone number,
 * employee ID -> employee number, email address -> email, and the
 * external_ref; then checks Corfix's limits in that order (first_name,
 * last_name, email, external_ref): the first value Corfix cannot take is
 * named. Names go to Corfix as Procore gives them; a blank one is invalid.
 */
export function workerFields(user: ProcoreCompanyUser, options: { companyId: string }): WorkerFieldsResult {
  const firstName = checkRequiredName(user.firstName, WORKER_NAME_MAX_LENGTH);
  if (!firstName.ok) return { valid: false, field: 'first_name', problem: firstName.problem };
  const lastName = checkRequiredName(user.lastName, WORKER_NAME_MAX_LENGTH);
  if (!lastName.ok) return { valid: false, field: 'last_name', problem: lastName.problem };
  const email = checkEmail(workerEmail(user));
  if (!email.ok) return { valid: false, field: 'email', problem: email.problem };
  const externalRef = procoreUserExternalRef(options.companyId, user.id);
  const ref = checkOptionalText(externalRef, EXTERNAL_REF_MAX_LENGTH);
  if (!ref.ok) return { valid: false, field: 'external_ref', problem: ref.problem };

  return {
    valid: true,
    fields: {
      first_name: firstName.value,
      last_name: lastName.value,
      email: email.value,
      phone_number: workerPhoneNumber(user),
      employee_number: workerEmployeeNumber(user),
      external_ref: externalRef,
    },
  };
}
