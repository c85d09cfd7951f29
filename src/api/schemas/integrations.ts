// The schemas of /v1/integrations: request bodies, params and queries are
// strict; ids travel as strings. The OpenAPI document is generated from these.
import { z } from 'zod';
import type { NewIntegration, SettingsChange } from '../../db/repositories/integrations.js';
import { ALL_PROJECTS, MAX_SELECTED_PROJECT_IDS, type ProjectSelection } from '../../domain/project-selection.js';
import { OUTCOMES, REASONS, SYNC_ENTITIES } from '../../domain/sync-outcome.js';

export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

/** Procore ids are Postgres bigint columns: 2^63 - 1 is the largest that fits. */
const BIGINT_MAX = '9223372036854775807';
/** Compared as digit strings (no leading zeros, so a shorter one is smaller), never as a JS number. */
const fitsBigint = (digits: string) =>
  digits.length < BIGINT_MAX.length || (digits.length === BIGINT_MAX.length && digits <= BIGINT_MAX);

/**
 * A Procore id (`what` names it, e.g. "a Procore company id"): a string of
 * digits, or a JSON integer while it is exact; either way kept as a string.
 */
export const procoreId = (what: string) =>
  z.union(
    [
      z
        .string()
        .regex(/^[1-9]\d{0,18}$/, `must be a string of digits (${what})`)
        .refine(fitsBigint, `must be at most ${BIGINT_MAX}`)
        .describe(`${what}: digits, at most ${BIGINT_MAX}`),
      // JSON numbers only while exact; larger ones are refused before parsing (json-body.ts).
      z.number().int('must be a whole number').positive('must be positive').transform(String),
    ],
    { error: `must be a string of digits (${what})` },
  );

const procoreCompanyId = procoreId('a Procore company id');

/**
 * The Corfix contract types account ids as plain strings (no pattern), and
 * the Corfix client puts them in its paths: `.`, `..`, `/`, `?`, `%` or a
 * control character would make another URL. So the API takes a conservative
 * id: 1 to 255 letters, digits, `.`, `_` or `-`, starting with a letter or
 * digit (which leaves out `.` and `..`).
 */
export const CORFIX_ACCOUNT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
export const corfixAccountIdMessage = "must be 1 to 255 letters, digits, '.', '_' or '-', starting with a letter or digit (a Corfix account id)";

/** Another Corfix id (a form, a project), `what` naming it: the same conservative shape as an account id. */
export const corfixId = (what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .regex(CORFIX_ACCOUNT_ID, `must be 1 to 255 letters, digits, '.', '_' or '-', starting with a letter or digit (${what})`);

const procoreProjectIds = z
  .array(procoreId('a Procore project id'), {
    error: (issue) => (issue.input === undefined ? 'is required with mode include or exclude' : 'must be a list of Procore project ids'),
  })
  .min(1, 'must list at least one Procore project id')
  .max(MAX_SELECTED_PROJECT_IDS, `must list at most ${MAX_SELECTED_PROJECT_IDS} Procore project ids`)
  // An id listed twice (12 and "12" are one id) is the same choice: kept once. Refusing it would
  // refuse bodies the document allows (JSON Schema's uniqueItems tells 12 from "12"; npm run fuzz:api).
  .transform((ids) => [...new Set(ids)]);

/**
 * Which Procore projects sync (beyond the seed, which syncs them all): all,
 * only those listed (a new Procore project is left out unless listed), or all
 * but those listed (a new one is synced unless listed).
 */
const projectSelectionBody = z
  .discriminatedUnion(
    'mode',
    [
      z.object({ mode: z.literal('all') }).strict(),
      z.object({ mode: z.literal('include'), project_ids: procoreProjectIds }).strict(),
      z.object({ mode: z.literal('exclude'), project_ids: procoreProjectIds }).strict(),
    ],
    { error: (issue) => (issue.code === 'invalid_union' ? "must be 'all', 'include' or 'exclude'" : undefined) },
  )
  .describe('which Procore projects sync: all (the default), only those listed (include), or all but those listed (exclude)');

/** The selection as the API takes it, as the rules take it. */
export const projectSelectionOf = (body: z.output<typeof projectSelectionBody> | undefined): ProjectSelection =>
  body === undefined || body.mode === 'all' ? ALL_PROJECTS : { mode: body.mode, projectIds: body.project_ids };

/** The selection as the status answers it. */
const projectSelectionView = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('all') }),
    z.object({ mode: z.literal('include'), project_ids: z.array(z.string()).describe('the only Procore projects synced') }),
    z.object({ mode: z.literal('exclude'), project_ids: z.array(z.string()).describe('the Procore projects left out') }),
  ])
  .describe('which Procore projects sync; a project left out is not created, its changes not written, its forms not filed');

/** The selection as the API, the status and the audit log name it. */
export const namedProjectSelection = (selection: ProjectSelection): z.output<typeof projectSelectionView> =>
  selection.mode === 'all' ? { mode: 'all' } : { mode: selection.mode, project_ids: [...selection.projectIds] };

export const connectBody = z
  .object({
    corfix_account_id: z.string().trim().regex(CORFIX_ACCOUNT_ID, corfixAccountIdMessage),
    procore_company_id: procoreCompanyId,
    sync_employees_only: z.boolean().default(false),
    auto_activate_workers: z.boolean().default(false),
    sync_forms: z.boolean().default(false),
    adopt_existing: z
      .boolean()
      .default(false)
      .describe(
        'link a Procore project whose number (or, without one, name) matches exactly one Corfix project, and a user ' +
          'whose email matches exactly one Corfix worker, to that record instead of skipping it (outcome adopted); ' +
          'several matches are never guessed (ambiguous_match)',
      ),
    project_selection: projectSelectionBody.optional(),
  })
  .strict();

/** The connect body as the use case takes it. */
export const newIntegrationOf = (body: z.output<typeof connectBody>): NewIntegration => ({
  corfixAccountId: body.corfix_account_id,
  procoreCompanyId: body.procore_company_id,
  syncEmployeesOnly: body.sync_employees_only,
  autoActivateWorkers: body.auto_activate_workers,
  syncForms: body.sync_forms,
  adoptExisting: body.adopt_existing,
  projectSelection: projectSelectionOf(body.project_selection),
});

/** PATCH: the toggles (and the project selection) to change; those left out stay as they are. */
export const settingsBody = z
  .object({
    sync_employees_only: z.boolean().optional(),
    auto_activate_workers: z.boolean().optional(),
    sync_forms: z.boolean().optional(),
    adopt_existing: z.boolean().optional().describe('applies to the Procore records the continuous syncs meet from now on'),
    project_selection: projectSelectionBody.optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), {
    message: 'send at least one of sync_employees_only, auto_activate_workers, sync_forms, adopt_existing, project_selection',
  })
  // The refine above, as the OpenAPI document can say it.
  .meta({ minProperties: 1 });

/** The PATCH body as the use case takes it: only the settings sent. */
export const settingsChangeOf = (body: z.output<typeof settingsBody>): SettingsChange => ({
  ...(body.sync_employees_only !== undefined ? { syncEmployeesOnly: body.sync_employees_only } : {}),
  ...(body.auto_activate_workers !== undefined ? { autoActivateWorkers: body.auto_activate_workers } : {}),
  ...(body.sync_forms !== undefined ? { syncForms: body.sync_forms } : {}),
  ...(body.adopt_existing !== undefined ? { adoptExisting: body.adopt_existing } : {}),
  ...(body.project_selection !== undefined ? { projectSelection: projectSelectionOf(body.project_selection) } : {}),
});

export const accountParams = z.object({
  corfix_account_id: z.string().regex(CORFIX_ACCOUNT_ID, corfixAccountIdMessage),
});

export const connectAccepted = z.object({
  integration_id: z.uuid(),
  workflow_id: z.string(),
  status: z.literal('connecting'),
  status_url: z.string(),
});

export const reasonCounts = z.record(z.string(), z.number().int());
export const entityProgress = z.object({ pages_done: z.number().int(), entities_done: z.number().int() });

const continuousProgress = z.object({
  synced_until: z.string().nullable().describe('Procore changes up to this moment have reached Corfix; null before the first cycle'),
  reconciled_at: z.string().nullable().describe('the last full reconciliation (every record read); null before the first'),
});

/** The toggles as the connect body names them: an integration's, or what a preview was asked with. */
export const settings = z.object({
  sync_employees_only: z.boolean(),
  auto_activate_workers: z.boolean(),
  sync_forms: z.boolean(),
  adopt_existing: z.boolean(),
  project_selection: projectSelectionView,
});

export const integrationStatus = z.object({
  integration_id: z.uuid(),
  corfix_account_id: z.string(),
  procore_company_id: z.string(),
  generation: z.number().int(),
  status: z.enum(['connecting', 'initial_sync', 'active', 'paused', 'error', 'disconnected']),
  settings,
  initial_sync: z.object({
    state: z.enum(['running', 'completed', 'failed']).nullable(),
    phase: z.enum(['projects', 'users', 'done']).nullable(),
    projects: entityProgress,
    users: entityProgress,
    outcomes: z.object({ project: reasonCounts, user: reasonCounts }),
  }),
  /** ok, waiting to retry (since when, next try), or stopped for good (since when) */
  sync_state: z.object({
    state: z.enum(['ok', 'retrying', 'failed']),
    since: z.string().nullable(),
    next_try_at: z.string().nullable(),
  }),
  /** the problem while retrying, or why it stopped; null once it recovered */
  last_error: z.object({ message: z.string(), at: z.string() }).nullable(),
  /** who connected it, proven by their Procore sign-in; null for a connect without one */
  connected_by: z
    .object({ procore_user_id: z.string(), procore_login: z.string().nullable() })
    .nullable()
    .describe('the Procore user whose sign-in proved they belong to the company; null when connected without a sign-in'),
  workflow_id: z.string(),
  /** the long-lived loops that keep Corfix in step after the initial sync */
  continuous: z.object({
    users: continuousProgress,
    projects: continuousProgress,
  }),
  webhooks: z.object({
    registered: z.boolean().describe('a Procore hook is registered for this integration (else polling alone keeps it in step)'),
  }),
  forms: z
    .object({
      states: z
        .object({ pending: z.number().int(), retrying: z.number().int(), uploaded: z.number().int(), failed: z.number().int(), skipped: z.number().int() })
        .describe('Corfix forms announced by webhooks, by where their upload stands'),
      outcomes: reasonCounts.describe('the forms in the sync report, by reason (uploaded, new_version, project_not_linked, upload_failed, ...)'),
    })
    .describe('completed Corfix forms filed in Procore (with Sync Forms to Procore on)'),
  created_at: z.string(),
  updated_at: z.string(),
});

/** What an operator's control answers: the status after it, and whether Temporal was told. */
export const controlAnswer = integrationStatus.extend({
  signalled: z
    .boolean()
    .describe(
      'Temporal was told. false: it did not answer in time; the change is saved and the continuous syncs follow it ' +
        'at their next run (send the same request again to repeat the message)',
    ),
});

export const authorizationCreated = z.object({
  authorize_url: z.string().describe("Procore's sign-in page: send the browser of a user of the Procore company there"),
  expires_at: z.string().describe('the sign-in must come back before this time (10 minutes)'),
});

/**
 * What Procore sends the browser back with. Not strict: Procore may add
 * parameters of its own. Checked by the route itself, so that even a bad
 * callback ends on CONNECT_RETURN_URL with the reason.
 */
export const callbackQuery = z.object({
  state: z.string().min(1, 'is required').max(4096, 'is too long').describe('the state issued by POST /v1/integrations/authorizations'),
  code: z.string().min(1, 'must not be empty').max(2048, 'is too long').optional().describe("Procore's single-use sign-in code"),
  error: z.string().max(200, 'is too long').optional().describe('set instead of code when the user declined (access_denied)'),
  error_description: z.string().max(2000, 'is too long').optional(),
});

/** Which page of a paged list a query asks for, and how many lines a page. */
export const pagingQuery = {
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(500).default(100),
};

/** Where a page of a paged list stands, beside its data. */
export const pageOfTotal = {
  page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int(),
};

export const outcomesQuery = z
  .object({
    entity: z.enum(SYNC_ENTITIES).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    reason: z.enum(REASONS).optional(),
    ...pagingQuery,
  })
  .strict();

export const outcomesPage = z.object({
  data: z.array(
    z.object({
      entity: z.enum(SYNC_ENTITIES),
      procore_id: z.string().nullable().describe('the Procore project, user or file; null for a form not filed in Procore'),
      outcome: z.enum(OUTCOMES),
      reason: z.string(),
      field: z.string().nullable(),
      corfix_id: z.string().nullable(),
      decided_at: z.string(),
    }),
  ),
  ...pageOfTotal,
});
