// What Procore answers, checked field by field and turned into our own
// names. Extra fields are dropped; a missing or malformed field the service
// relies on fails with its path named. Ids come out as decimal strings: a
// JSON number beyond 2^53 has already been rounded by the parser, so it is
// refused rather than passed on wrong.
import { z } from 'zod';
import { issueText, pathSegment } from '../http/issue-text.js';

function wholeNumberText(value: number, ctx: z.RefinementCtx): string | typeof z.NEVER {
  if (!Number.isInteger(value) || value < 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a whole, non-negative number' });
    return z.NEVER;
  }
  if (!Number.isSafeInteger(value)) {
    ctx.addIssue({
      code: 'custom',
      message: 'is a JSON number above 2^53, which cannot be read without rounding; expected it as a string',
    });
    return z.NEVER;
  }
  return String(value);
}

/** Postgres keeps Procore ids as bigint: a digit string beyond it could never be stored. */
const BIGINT_MAX = '9223372036854775807';

function fitsBigint(digits: string): boolean {
  const significant = digits.replace(/^0+(?=\d)/, '');
  return significant.length < BIGINT_MAX.length || (significant.length === BIGINT_MAX.length && significant <= BIGINT_MAX);
}

/** A Procore id, as a JSON number or a digit string (at most a bigint); always a string here. */
export const procoreId = z.unknown().transform((value, ctx): string => {
  if (typeof value === 'number') return wholeNumberText(value, ctx);
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    if (fitsBigint(value)) return value;
    ctx.addIssue({ code: 'custom', message: 'is an id beyond 2^63 - 1' });
    return z.NEVER;
  }
  ctx.addIssue({
    code: 'custom',
    message: value === undefined ? 'is missing (expected an id)' : 'expected an id (a whole number or a digit string)',
  });
  return z.NEVER;
});

/** Same as procoreId, but null is allowed (a root folder has no parent). */
const optionalProcoreId = z.unknown().transform((value, ctx): string | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return wholeNumberText(value, ctx);
  if (typeof value === 'string' && /^\d+$/.test(value)) return value;
  ctx.addIssue({ code: 'custom', message: 'expected an id (a whole number or a digit string) or null' });
  return z.NEVER;
});

/** `employee_id`: some SDKs type it as a number, others as a string; kept as text. */
const employeeId = z.unknown().transform((value, ctx): string | null => {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return wholeNumberText(value, ctx);
    return String(value);
  }
  ctx.addIssue({
    code: 'custom',
    message: value === undefined ? 'is missing (expected a string, a number or null)' : 'expected a string, a number or null',
  });
  return z.NEVER;
});

const text = z.string();
const nullableText = z.string().nullable();
/** Fields the service does not act on: absent is as good as null. */
const looseText = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

export const meSchema = z
  .object({ id: procoreId, login: nullableText, name: nullableText })
  .transform((me) => ({ id: me.id, login: me.login, name: me.name }));
export type ProcoreMe = z.output<typeof meSchema>;

export const companySchema = z
  .object({ id: procoreId, name: text, is_active: z.boolean() })
  .transform((c) => ({ id: c.id, name: c.name, isActive: c.is_active }));
export type ProcoreCompany = z.output<typeof companySchema>;

export const projectSchema = z
  .object({
    id: procoreId,
    name: text,
    project_number: nullableText,
    description: nullableText,
    public_notes: nullableText,
    address: nullableText,
    city: nullableText,
    state_code: nullableText,
    country_code: nullableText,
    zip: nullableText,
    active: z.boolean(),
    start_date: nullableText,
    completion_date: looseText,
    template: z.boolean(),
    is_demo: z
      .boolean()
      .nullish()
      .transform((v) => v ?? false),
    created_at: looseText,
    updated_at: text,
  })
  .transform((p) => ({
    id: p.id,
    name: p.name,
    projectNumber: p.project_number,
    description: p.description,
    publicNotes: p.public_notes,
    address: p.address,
    city: p.city,
    stateCode: p.state_code,
    countryCode: p.country_code,
    zip: p.zip,
    active: p.active,
    startDate: p.start_date,
    completionDate: p.completion_date,
    template: p.template,
    isDemo: p.is_demo,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
  }));
// What the client parses; the domain's rules read a subset of it, named ProcoreProjectRecord (src/domain/procore-records.ts).
export type ProcoreProject = z.output<typeof projectSchema>;

export const userSchema = z
  .object({
    id: procoreId,
    first_name: nullableText,
    last_name: nullableText,
    email_address: nullableText,
    mobile_phone: nullableText,
    business_phone: nullableText,
    employee_id: employeeId,
    is_employee: z.boolean(),
    is_active: z.boolean(),
    updated_at: text,
  })
  .transform((u) => ({
    id: u.id,
    firstName: u.first_name,
    lastName: u.last_name,
    emailAddress: u.email_address,
    mobilePhone: u.mobile_phone,
    businessPhone: u.business_phone,
    employeeId: u.employee_id,
    isEmployee: u.is_employee,
    isActive: u.is_active,
    updatedAt: u.updated_at,
  }));
export type ProcoreUser = z.output<typeof userSchema>;

export const fileSchema = z
  .object({
    id: procoreId,
    name: text,
    parent_id: optionalProcoreId,
    size: z
      .number()
      .nullish()
      .transform((v) => v ?? null),
    updated_at: looseText,
    file_versions: z.array(
      z
        .object({ id: procoreId, number: z.number().int(), created_at: looseText })
        .transform((v) => ({ id: v.id, number: v.number, createdAt: v.created_at })),
    ),
  })
  .transform((f) => ({
    id: f.id,
    name: f.name,
    parentId: f.parent_id,
    size: f.size,
    updatedAt: f.updated_at,
    versions: f.file_versions,
  }));
export type ProcoreFile = z.output<typeof fileSchema>;

const folderFields = {
  id: procoreId,
  name: text,
  parent_id: optionalProcoreId,
  name_with_path: looseText,
  is_deleted: z.boolean(),
  is_recycle_bin: z.boolean(),
};

export const folderSummarySchema = z.object(folderFields).transform((f) => ({
  id: f.id,
  name: f.name,
  parentId: f.parent_id,
  nameWithPath: f.name_with_path,
  isDeleted: f.is_deleted,
  isRecycleBin: f.is_recycle_bin,
}));
export type ProcoreFolderSummary = z.output<typeof folderSummarySchema>;

/** A folder with its direct children (Procore answers one level deep). */
export const folderSchema = z
  .object({ ...folderFields, folders: z.array(folderSummarySchema), files: z.array(fileSchema) })
  .transform((f) => ({
    id: f.id,
    name: f.name,
    parentId: f.parent_id,
    nameWithPath: f.name_with_path,
    isDeleted: f.is_deleted,
    isRecycleBin: f.is_recycle_bin,
    folders: f.folders,
    files: f.files,
  }));
export type ProcoreFolder = z.output<typeof folderSchema>;

export const uploadSchema = z.object({
  uuid: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  fields: z.record(z.string(), z.string()),
});
export type ProcoreUpload = z.output<typeof uploadSchema>;

export const hookSchema = z
  .object({ id: procoreId, namespace: text, destination_url: text, api_version: looseText })
  .transform((h) => ({ id: h.id, namespace: h.namespace, destinationUrl: h.destination_url, apiVersion: h.api_version }));
export type ProcoreHook = z.output<typeof hookSchema>;

export const triggerSchema = z
  .object({ id: procoreId, resource_name: text, event_type: text })
  .transform((t) => ({ id: t.id, resourceName: t.resource_name, eventType: t.event_type }));
export type ProcoreTrigger = z.output<typeof triggerSchema>;

export const tokenSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'expected "bearer"'),
  expires_in: z.number().positive(),
});

/** A list record that could not be read: its id when that much can be read, the field that failed (its path) and why. */
export interface UnreadableRecord {
  /** its place in the page, from 0 */
  index: number;
  id: string | null;
  /** the path of the first field that failed, e.g. "is_active" or "file_versions[0].id" */
  field: string;
  /** zod's words for it, never the value */
  problem: string;
}

const recordWithId = z.object({ id: procoreId });

/**
 * Reads a list record by record, so that one record Procore sends in a shape
 * the service cannot read does not stop the others: those come back in
 * `unreadable`, with their id when it can be read.
 */
export function readEach<T>(values: readonly unknown[], schema: z.ZodType<T>): { items: T[]; unreadable: UnreadableRecord[] } {
  const items: T[] = [];
  const unreadable: UnreadableRecord[] = [];
  values.forEach((value, index) => {
    const result = schema.safeParse(value);
    if (result.success) {
      items.push(result.data);
      return;
    }
    const [issue] = result.error.issues;
    const id = recordWithId.safeParse(value);
    unreadable.push({
      index,
      id: id.success ? id.data.id : null,
      field: issue ? formatPath(issue.path) : '(the record)',
      problem: issue?.message ?? 'unreadable',
    });
  });
  return { items, unreadable };
}

/** "[3].email_address: expected string, received number; ..." without the values themselves. */
export function describeIssues(error: z.ZodError, limit = 5): string {
  const shown = error.issues.slice(0, limit).map((issue) => `${formatPath(issue.path)}: ${issueText(issue)}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(the body)';
  return path
    .map(pathSegment)
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${part}`))
    .join('');
}
