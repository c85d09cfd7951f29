// What Corfix answers, as corfix-api.yaml describes it, checked field by field
// so that a surprise in a response becomes an InvalidResponseError naming the
// field instead of an `undefined` travelling into a sync decision.
import { z } from 'zod';
import { issueText, pathSegment } from '../http/issue-text.js';
import { CORFIX_PROJECT_STATUSES, type CorfixProjectStatus } from '../domain/project-status.js';

export const WORKER_STATUSES = [
  'pending_account_activation',
  'pending_email_verification',
  'active',
  'active_for_kiosk',
  'blocked',
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export const FORM_STATUSES = ['draft', 'completed'] as const;
export type FormStatus = (typeof FORM_STATUSES)[number];

// Optional text fields of the contract may be absent or null; callers get null
// for both so that "no value" has one spelling.
const optionalText = z.string().nullable().default(null);
const timestamp = z.iso.datetime({ offset: true });

export const accountSchema = z.object({
  id: z.string(),
  name: z.string(),
});
export type CorfixAccount = z.output<typeof accountSchema>;

export const projectSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  project_number: optionalText,
  private_description: optionalText,
  public_info: optionalText,
  street_address: optionalText,
  city: optionalText,
  state: optionalText,
  country: optionalText,
  zip: optionalText,
  status: z.enum(CORFIX_PROJECT_STATUSES),
  external_ref: optionalText,
  created_at: timestamp,
  updated_at: timestamp,
});
export type CorfixProject = z.output<typeof projectSchema>;

export const workerSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  first_name: z.string(),
  last_name: z.string(),
  // Not re-validated as an address: Corfix is the authority on what it stored.
  email: optionalText,
  phone_number: optionalText,
  employee_number: optionalText,
  external_ref: optionalText,
  status: z.enum(WORKER_STATUSES),
  created_at: timestamp,
  updated_at: timestamp,
});
export type CorfixWorker = z.output<typeof workerSchema>;

export const formSchema = z.object({
  id: z.string(),
  account_id: z.string(),
  project_id: z.string(),
  template_name: z.string(),
  status: z.enum(FORM_STATUSES),
  revision: z.number().int().min(1),
  form_date: z.iso.date(),
  completed_at: timestamp.nullable().default(null),
  updated_at: timestamp,
});
export type CorfixForm = z.output<typeof formSchema>;

export function listSchema<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    page: z.number().int().min(1),
    per_page: z.number().int().min(1).max(500),
    total: z.number().int().min(0),
  });
}

export interface CorfixPage<T> {
  data: T[];
  page: number;
  per_page: number;
  total: number;
}

export const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

/** The body Corfix POSTs to the integration's webhook URL. */
export const webhookEventSchema = z.object({
  event_id: z.string().min(1),
  event_type: z.enum(['form.completed', 'form.updated']),
  account_id: z.string().min(1),
  form_id: z.string().min(1),
  project_id: z.string().min(1),
  revision: z.number().int().min(1),
  occurred_at: timestamp,
});
export type CorfixWebhookEvent = z.output<typeof webhookEventSchema>;

// The contract's ProjectInput, so most fields optional; the domain's MappedProjectFields is what the sync sends, a narrower type.
/** Fields a project is created with (ProjectInput). */
export interface CorfixProjectInput {
  name: string;
  status: CorfixProjectStatus;
  project_number?: string | null;
  private_description?: string | null;
  public_info?: string | null;
  street_address?: string | null;
  city?: string | null;
  state?: string | null;
  country?: string | null;
  zip?: string | null;
  external_ref?: string | null;
}

// The contract's WorkerInput, so most fields optional; the domain's MappedWorkerFields is what the sync sends, a narrower type.
/** Fields a worker is created with (WorkerInput). */
export interface CorfixWorkerInput {
  first_name: string;
  last_name: string;
  email?: string | null;
  phone_number?: string | null;
  employee_number?: string | null;
  external_ref?: string | null;
}

/** Describes a zod failure by the fields it names, e.g. `data[2].email: expected string`. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  const parts = error.issues.slice(0, limit).map((issue) => {
    const field = formatPath(issue.path);
    return field ? `field \`${field}\`: ${issueText(issue)}` : issueText(issue);
  });
  const more = error.issues.length > limit ? ` (and ${error.issues.length - limit} more)` : '';
  return parts.join('; ') + more;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path.map(pathSegment)) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
