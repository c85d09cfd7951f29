// Input checks of the simulator, answering 400 `invalid_input` with a message
// that names the field, as the contract asks ("names are non-empty", "email is
// null or a valid address, never ''").
import { z } from 'zod';
import { CorfixSimError, PROJECT_STATUSES, WORKER_STATUSES } from './state.js';

// The `format: email` of contracts/corfix-api.yaml as JSON Schema validators (ajv-formats,
// full mode) read it, so that what the simulator accepts, the contract accepts.
const EMAIL =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i;

const nonEmptyName = (max: number) =>
  z
    .string({ error: 'must be a non-empty string' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => s.trim() !== '', { error: 'must not be empty' });

const optionalText = (max?: number) => {
  const s = z.string({ error: 'must be a string or null' });
  return (max === undefined ? s : s.max(max, { error: `must be at most ${max} characters` })).nullable().optional();
};

const email = z
  .string({ error: 'must be an email address or null' })
  .regex(EMAIL, { error: 'must be a valid email address or null (never empty)' })
  .nullable()
  .optional();

const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

export const projectFieldsShape = {
  name: nonEmptyName(255),
  project_number: optionalText(100),
  private_description: optionalText(),
  public_info: optionalText(),
  street_address: optionalText(),
  city: optionalText(),
  state: optionalText(),
  country: optionalText(),
  zip: optionalText(),
  status: z.enum(PROJECT_STATUSES, { error: `must be one of ${PROJECT_STATUSES.join(', ')}` }),
  external_ref: optionalText(255),
};

export const projectInputSchema = z.strictObject(projectFieldsShape);
export const projectPatchSchema = z.strictObject(projectFieldsShape).partial();

const workerFieldsShape = {
  first_name: nonEmptyName(100),
  last_name: nonEmptyName(100),
  email,
  phone_number: optionalText(),
  employee_number: optionalText(),
  external_ref: optionalText(255),
};

export const workerCreateSchema = z.strictObject({
  ...workerFieldsShape,
  activate: z.boolean({ error: 'must be true or false' }).optional(),
});
export const workerPatchSchema = z.strictObject(workerFieldsShape).partial();

const workerStatus = z.enum(WORKER_STATUSES, { error: `must be one of ${WORKER_STATUSES.join(', ')}` });
const unblockedStatus = z.enum(
  WORKER_STATUSES.filter((s) => s !== 'blocked') as ['active', 'pending_account_activation', 'pending_email_verification', 'active_for_kiosk'],
  { error: 'must be a status other than blocked' },
);

const positiveInteger = z
  .string()
  .regex(/^\d+$/, { error: 'must be a positive integer' })
  .transform(Number)
  .pipe(z.number().int().min(1, { error: 'must be at least 1' }));

const queryText = z.string({ error: 'must be given once' }).optional();

export const listQuerySchema = z.object({
  page: positiveInteger.optional().default(1),
  per_page: positiveInteger.optional().default(100),
});
export const projectFilterSchema = z.object({
  project_number: queryText,
  name: queryText,
  external_ref: queryText,
});
export const workerFilterSchema = z.object({
  email: queryText,
  external_ref: queryText,
  status: queryText,
});

export const idempotencyKeySchema = z.string().min(1, { error: 'must not be empty' }).max(255, { error: 'must be at most 255 characters' });

// ---- admin API ------------------------------------------------------------

const seedIdentity = {
  id: z.string().min(1).optional(),
  created_at: timestamp.optional(),
  updated_at: timestamp.optional(),
};

export const adminAccountSchema = z.strictObject({ id: z.string().min(1).optional(), name: nonEmptyName(255) });
export const adminProjectSchema = z.strictObject({ ...projectFieldsShape, ...seedIdentity });
export const adminWorkerSchema = z.strictObject({
  ...workerFieldsShape,
  ...seedIdentity,
  status: workerStatus.optional().default('active'),
  status_before_block: unblockedStatus.optional(),
});
export const adminWorkerPatchSchema = z
  .strictObject({ ...workerFieldsShape, status: workerStatus, status_before_block: unblockedStatus })
  .partial();
export const adminFormSchema = z.strictObject({
  id: z.string().min(1).optional(),
  project_id: z.string().min(1),
  template_name: nonEmptyName(255),
  form_date: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }),
  status: z.enum(['draft', 'completed']).optional(),
});
export const adminFormBulkSchema = z.strictObject({ forms: z.array(adminFormSchema).min(1).max(10_000) });
export const adminFormEditSchema = z.strictObject({
  template_name: nonEmptyName(255).optional(),
  form_date: z.iso.date({ error: 'must be a date (YYYY-MM-DD)' }).optional(),
});
export const adminWebhookUrlSchema = z.strictObject({ url: z.url({ protocol: /^https?$/ }) });
export const adminWebhookModeSchema = z.strictObject({
  /** probability that an event is delivered twice */
  duplicate_rate: z.number().min(0).max(1).optional(),
  /** hold deliveries until released, then send them in another order */
  reorder: z.boolean().optional(),
  seed: z.number().int().optional(),
  /** waits before each repeat of a failed delivery; its length is the number of repeats */
  retry_delays_ms: z.array(z.number().int().min(0).max(600_000)).max(20).optional(),
});
export const adminRateLimitSchema = z.strictObject({
  limit: z.number().int().min(0),
  window_seconds: z.number().int().min(1).max(3600),
});
export const adminRefusalSchema = z.strictObject({
  external_ref: z.string().min(1).max(255),
  status: z.number().int().min(400).max(499),
  code: z.string().regex(/^[a-z_]{1,64}$/, 'code: lowercase letters and underscores'),
});
export const adminTokenSchema = z.strictObject({
  token: z.string().min(1),
  account_ids: z.array(z.string().min(1)),
});

/** Parses `value` or answers 400 `invalid_input` naming the first bad field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.output<S> {
  if (where === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new CorfixSimError(400, 'invalid_input', 'the body must be a JSON object');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new CorfixSimError(400, 'invalid_input', `invalid ${where}`);
  if (issue.code === 'unrecognized_keys') {
    throw new CorfixSimError(400, 'invalid_input', `${where}: unknown field ${issue.keys.map((k) => `\`${k}\``).join(', ')}`);
  }
  const field = issue.path.map(String).join('.');
  throw new CorfixSimError(400, 'invalid_input', field ? `${field}: ${issue.message}` : `${where}: ${issue.message}`);
}
