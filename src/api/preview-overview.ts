// How the previews of a connect stand, read from Postgres: one read model for
// the API (GET /v1/previews/{id}, .../outcomes,
// GET /v1/integrations/{account}/previews), the status page and the operator
// CLI, as integration-overview.ts is for integrations. Ids, states, counts
// and reason codes only.
import type { z } from 'zod';
import type { Database } from '../db/database.js';
import {
  countOutcomesOfPreviews,
  countPreviewOutcomes,
  findPreview,
  listPreviewOutcomes,
  listPreviewsOfAccount,
  listRecentPreviews,
  noPreviewCounts,
  type Preview,
  type PreviewCounts,
  type PreviewOutcome,
  type PreviewOutcomeFilter,
  type PreviewProgress,
} from '../db/repositories/previews.js';
import { previewWorkflowId } from '../temporal/workflow-ids.js';
import { settingsOf } from './integration-overview.js';
import { PREVIEWS_LISTED, type previewOutcomesPage, type previewStatus } from './schemas/previews.js';

export type PreviewView = z.input<typeof previewStatus>;
export type PreviewOutcomeView = z.input<typeof previewOutcomesPage>['data'][number];

/** GET it: the preview's state and counts. */
export const previewStatusPath = (previewId: string) => `/v1/previews/${encodeURIComponent(previewId)}`;
/** GET it: the preview's lines. */
const previewOutcomesPath = (previewId: string) => `${previewStatusPath(previewId)}/outcomes`;

/** How far the preview got, as the API names it: from its row alone. */
function progressViewOf(p: PreviewProgress): PreviewView['progress'] {
  const none = { pages_done: 0, entities_done: 0 };
  const progressOf = (e: { pagesDone: number; entitiesDone: number } | undefined) => (e ? { pages_done: e.pagesDone, entities_done: e.entitiesDone } : none);
  return {
    phase: p.phase ?? null,
    projects: progressOf(p.projects),
    users: progressOf(p.users),
    unreadable_records: p.unreadableWithoutId ?? 0,
    problem: p.problem ? { message: p.problem.message, next_try_at: p.problem.nextTryAt } : null,
  };
}

function previewViewOf(preview: Preview, counts: PreviewCounts): PreviewView {
  const settings = settingsOf(preview.settings);
  return {
    preview_id: preview.id,
    corfix_account_id: preview.corfixAccountId,
    procore_company_id: preview.procoreCompanyId,
    settings,
    state: preview.state,
    error: preview.error,
    progress: progressViewOf(preview.progress),
    counts: counts.reasons,
    with_adopt_existing_toggled: { adopt_existing: !settings.adopt_existing, counts: counts.otherReasons, changed: counts.changedByAdopt },
    created_at: preview.createdAt.toISOString(),
    completed_at: preview.completedAt?.toISOString() ?? null,
    workflow_id: previewWorkflowId(preview.id),
    outcomes_url: previewOutcomesPath(preview.id),
  };
}

/** A preview's state and how far it got, without its counts. */
export type PreviewProgressView = Pick<PreviewView, 'preview_id' | 'state' | 'progress'>;

/** One preview's state and progress, from its row alone (none of its lines is counted); undefined when unknown. */
export async function readPreviewProgress(db: Database, previewId: string): Promise<PreviewProgressView | undefined> {
  const preview = await findPreview(db, previewId);
  return preview && { preview_id: preview.id, state: preview.state, progress: progressViewOf(preview.progress) };
}

/** One preview with its counts; undefined when unknown (or gone after PREVIEW_KEPT_DAYS). */
export async function readPreview(db: Database, previewId: string): Promise<PreviewView | undefined> {
  const preview = await findPreview(db, previewId);
  if (!preview) return undefined;
  return previewViewOf(preview, await countPreviewOutcomes(db, preview.id));
}

async function withCounts(db: Database, previews: readonly Preview[]): Promise<PreviewView[]> {
  const counts = await countOutcomesOfPreviews(db, previews.map((p) => p.id));
  return previews.map((p) => previewViewOf(p, counts.get(p.id) ?? noPreviewCounts()));
}

/** The account's previews, newest first, with their counts (two queries); an account never connected has them too. */
export async function readPreviewsOfAccount(db: Database, accountId: string, limit = PREVIEWS_LISTED): Promise<PreviewView[]> {
  return withCounts(db, await listPreviewsOfAccount(db, accountId, limit));
}

/** Every account's newest previews, with their counts. */
export async function readRecentPreviews(db: Database, limit: number): Promise<PreviewView[]> {
  return withCounts(db, await listRecentPreviews(db, limit));
}

/** A line of a preview, as the API names its fields; `adoptExisting` is what the preview was asked with. */
const previewOutcomeOf = (o: PreviewOutcome, adoptExisting: boolean): PreviewOutcomeView => ({
  entity: o.entity,
  procore_id: o.procoreId,
  outcome: o.outcome,
  reason: o.reason,
  field: o.field,
  corfix_ids: o.corfixIds,
  other: o.other ? { adopt_existing: !adoptExisting, outcome: o.other.outcome, reason: o.other.reason } : null,
});

/** A page of a preview's lines, filtered. */
export async function readPreviewOutcomes(
  db: Database,
  preview: Preview,
  filter: PreviewOutcomeFilter,
  paging: { page: number; perPage: number },
): Promise<{ data: PreviewOutcomeView[]; total: number }> {
  const { outcomes, total } = await listPreviewOutcomes(db, preview.id, filter, paging);
  return { data: outcomes.map((o) => previewOutcomeOf(o, preview.settings.adoptExisting ?? false)), total };
}

/**
 * The lines a person looks at before connecting: the Procore records that
 * collide with what the Corfix account holds, or would be adopted, with the
 * Corfix records in question.
 */
const COLLISION_REASONS = ['number_exists', 'name_exists', 'email_exists', 'ambiguous_match', 'adopted'] as const;

/** The status page's view of one preview: the preview, and a page of its collisions and adoptions. */
export interface PreviewDetail {
  preview: PreviewView;
  collisions: { data: PreviewOutcomeView[]; page: number; per_page: number; total: number };
}

/** How many collisions and adoptions the status page shows at a time. */
export const COLLISIONS_PER_PAGE = 100;

/** One preview in detail; undefined when unknown. */
export async function readPreviewDetail(db: Database, previewId: string, page: number, perPage = COLLISIONS_PER_PAGE): Promise<PreviewDetail | undefined> {
  const preview = await findPreview(db, previewId);
  if (!preview) return undefined;
  const [counts, collisions] = await Promise.all([
    countPreviewOutcomes(db, preview.id),
    readPreviewOutcomes(db, preview, { reasons: COLLISION_REASONS }, { page, perPage }),
  ]);
  return { preview: previewViewOf(preview, counts), collisions: { ...collisions, page, per_page: perPage } };
}
