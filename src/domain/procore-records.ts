// The Procore records the rules read, exactly as the Procore client
// (src/procore/schemas.ts) hands them over: camelCase, already renamed from
// Procore's API fields (e.g. `project_number` -> `projectNumber`, see
// docs/procore-api.md for the API spelling). The client's ProcoreProject and
// ProcoreUser are assignable to these types as they are, with no mapping.
// Only the fields a rule uses, plus ids and updatedAt. Ids are strings:
// Procore ids can exceed 2^53, so they never pass through a JS number.

// Not the client's ProcoreProject (src/procore/schemas.ts), which has more fields: only what the rules read; the client's is assignable to it.
/** A project from `GET /rest/v1.1/projects` (view=extended). */
export interface ProcoreProjectRecord {
  id: string;
  /** The client requires a string; null is still accepted here and treated as no name. */
  name: string | null;
  projectNumber: string | null;
  description: string | null;
  publicNotes: string | null;
  address: string | null;
  city: string | null;
  stateCode: string | null;
  countryCode: string | null;
  zip: string | null;
  active: boolean;
  /** 'YYYY-MM-DD' or null. */
  startDate: string | null;
  template: boolean;
  updatedAt: string;
}

/** A user from the company directory (active and inactive lists alike). */
export interface ProcoreCompanyUser {
  id: string;
  firstName: string | null;
  lastName: string | null;
  emailAddress: string | null;
  mobilePhone: string | null;
  businessPhone: string | null;
  /** Some SDKs type Procore's `employee_id` as a number; the client keeps it as the string Procore sent. */
  employeeId: string | null;
  isEmployee: boolean;
  isActive: boolean;
  updatedAt: string;
}
