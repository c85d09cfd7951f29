// The schemas of the previews of a connect (/v1/integrations/preview,
// /v1/previews/{preview_id}, /v1/integrations/{account}/previews):
// the request is the connect body itself (connectBody); params and queries
// are strict, ids travel as strings. The OpenAPI document is generated from
// these.
import { z } from 'zod';
import { PREVIEW_KEPT_DAYS } from '../../db/repositories/previews.js';
import { OUTCOMES, PROJECT_REASONS, USER_REASONS } from '../../domain/sync-outcome.js';
import { entityProgress, pageOfTotal, pagingQuery, reasonCounts, settings } from './integrations.js';

/** The entities a preview decides: a connect's initial sync reads Procore projects and users (forms come later). */
const PREVIEW_ENTITIES = ['project', 'user'] as const;
/** Every reason a preview's line can carry: the initial sync's, projects' and users' together. */
const PREVIEW_REASONS = [...new Set([...PROJECT_REASONS, ...USER_REASONS])] as [string, ...string[]];

export const previewParams = z
  .object({
    preview_id: z.uuid({ error: 'must be a preview id (a uuid)' }),
  })
  .strict();

export const previewAccepted = z.object({
  preview_id: z.uuid(),
  workflow_id: z.string(),
  state: z.literal('running'),
  status_url: z.string().describe('GET it for the state and the counts; the lines are at its outcomes_url'),
});

const outcomeCounts = z.object({ project: reasonCounts, user: reasonCounts });

export const previewStatus = z.object({
  preview_id: z.uuid(),
  corfix_account_id: z.string(),
  procore_company_id: z.string(),
  settings: settings.describe('what the preview was asked with: the connect body, as a connect would save it'),
  state: z.enum(['running', 'completed', 'failed']),
  error: z.string().nullable().describe('why the preview failed, in words; null unless failed'),
  progress: z.object({
    phase: z.enum(['projects', 'users', 'done']).nullable(),
    projects: entityProgress,
    users: entityProgress,
    unreadable_records: z.number().int().describe('Procore records without a readable id (a connect leaves them out too)'),
    problem: z
      .object({ message: z.string(), next_try_at: z.string().nullable() })
      .nullable()
      .describe('while the preview waits to try again (Procore or Corfix down, a rate limit): the problem in words and the next try; null otherwise'),
  }),
  counts: outcomeCounts.describe('the lines so far, by entity and reason, as the connect would decide them'),
  with_adopt_existing_toggled: z
    .object({
      adopt_existing: z.boolean().describe('the other value than settings.adopt_existing'),
      counts: outcomeCounts,
      changed: z.object({ project: z.number().int(), user: z.number().int() }).describe('how many lines it decides otherwise'),
    })
    .describe('what adopt_existing the other way would change: the same lines counted as they would then be decided'),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  workflow_id: z.string(),
  outcomes_url: z.string().describe("the preview's lines, filterable and paged"),
});

/** How many previews of an account the API lists (the newest). */
export const PREVIEWS_LISTED = 20;

export const previewList = z.object({
  corfix_account_id: z.string(),
  data: z.array(previewStatus).describe(`newest first, at most ${PREVIEWS_LISTED}; previews are kept ${PREVIEW_KEPT_DAYS} days`),
});

export const previewOutcomesQuery = z
  .object({
    entity: z.enum(PREVIEW_ENTITIES).optional(),
    outcome: z.enum(OUTCOMES).optional(),
    reason: z.enum(PREVIEW_REASONS).optional(),
    changed_by_adopt: z
      .enum(['true', 'false'], { error: "must be 'true' or 'false'" })
      .optional()
      .describe('true: only the lines adopt_existing the other way would decide otherwise; false: only the others'),
    ...pagingQuery,
  })
  .strict();

export const previewOutcomesPage = z.object({
  data: z.array(
    z.object({
      entity: z.enum(PREVIEW_ENTITIES),
      procore_id: z.string(),
      outcome: z.enum(OUTCOMES),
      reason: z.string(),
      field: z.string().nullable().describe('for invalid_record: the field that failed'),
      corfix_ids: z
        .array(z.string())
        .describe(
          'the Corfix records it would be linked to or adopt, or collides with (number_exists, name_exists, email_exists, ' +
            'ambiguous_match); a record the connect would create (no Corfix id yet) is "new:" and the external_ref it would carry',
        ),
      other: z
        .object({ adopt_existing: z.boolean(), outcome: z.enum(OUTCOMES), reason: z.string() })
        .nullable()
        .describe('the decision with adopt_existing the other way; null when it is the same'),
    }),
  ),
  ...pageOfTotal,
});

/** The status page of one preview: its collisions and adoptions, a page at a time. */
export const previewPageQuery = z
  .object({
    page: pagingQuery.page,
  })
  .strict();
