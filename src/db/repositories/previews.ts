// The previews of a connect (migration 013): what was asked, how far the
// PreviewIntegration workflow got, and the report the connect would make.
// Ids and reason codes only, like the sync report; a preview's rows are its
// own and touch no integration's.
import { randomUUID } from 'node:crypto';
import type { Outcome } from '../../domain/sync-outcome.js';
import type { Database } from '../database.js';
import { dropSnapshots } from './corfix-snapshots.js';
import { rememberSmallerPageSize, type NewIntegration, type ProcoreList } from './integrations.js';

export type PreviewState = 'running' | 'completed' | 'failed';
export type PreviewEntity = 'project' | 'user';

/** How far a preview got (the workflow writes it after each page): ids and counts. */
export interface PreviewProgress {
  phase?: 'projects' | 'users' | 'done';
  projects?: { pagesDone: number; entitiesDone: number };
  users?: { pagesDone: number; entitiesDone: number };
  /** Procore records without a readable id (left out of a connect too) */
  unreadableWithoutId?: number;
  /** while the workflow waits to retry: the problem in words, and the next try; null once well again */
  problem?: { message: string; nextTryAt: string | null } | null;
}

export interface Preview {
  id: string;
  corfixAccountId: string;
  procoreCompanyId: string;
  /** the connect body's settings, as a connect would save them */
  settings: NewIntegration;
  state: PreviewState;
  progress: PreviewProgress;
  procorePageSizes: Partial<Record<ProcoreList, number>>;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

/** One Procore record's line in a preview: what the connect would do, and with adopt_existing the other way. */
export interface PreviewOutcome {
  entity: PreviewEntity;
  procoreId: string;
  outcome: Outcome;
  reason: string;
  field: string | null;
  /** the Corfix records it would be linked to or adopt, or collides with */
  corfixIds: string[];
  /** the decision with adopt_existing the other way; null when it is the same */
  other: { outcome: Outcome; reason: string } | null;
}

interface PreviewRow {
  id: string;
  corfix_account_id: string;
  procore_company_id: string;
  settings: NewIntegration;
  state: PreviewState;
  progress: PreviewProgress;
  procore_page_sizes: Partial<Record<ProcoreList, number>>;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}

interface PreviewOutcomeRow {
  entity: PreviewEntity;
  procore_id: string;
  outcome: Outcome;
  reason: string;
  field: string | null;
  corfix_ids: string[];
  other_outcome: Outcome | null;
  other_reason: string | null;
}

const toPreview = (r: PreviewRow): Preview => ({
  id: r.id,
  corfixAccountId: r.corfix_account_id,
  procoreCompanyId: String(r.procore_company_id),
  settings: r.settings,
  state: r.state,
  progress: r.progress,
  procorePageSizes: r.procore_page_sizes,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  completedAt: r.completed_at,
});

const toPreviewOutcome = (r: PreviewOutcomeRow): PreviewOutcome => ({
  entity: r.entity,
  procoreId: String(r.procore_id),
  outcome: r.outcome,
  reason: r.reason,
  field: r.field,
  corfixIds: r.corfix_ids,
  other: r.other_outcome !== null && r.other_reason !== null ? { outcome: r.other_outcome, reason: r.other_reason } : null,
});

/** What a preview keeps of the connect body: the ids and the settings. */
function previewSettingsOf(request: NewIntegration): NewIntegration {
  return {
    corfixAccountId: request.corfixAccountId,
    procoreCompanyId: request.procoreCompanyId,
    syncEmployeesOnly: request.syncEmployeesOnly,
    autoActivateWorkers: request.autoActivateWorkers,
    syncForms: request.syncForms,
    adoptExisting: request.adoptExisting ?? false,
    ...(request.projectSelection ? { projectSelection: request.projectSelection } : {}),
  };
}

/** A preview is kept this long, then goes when the account asks for another. */
export const PREVIEW_KEPT_DAYS = 7;

/** Saves a new preview (running) of what connecting `request` would do; the account's previews older than a week go. */
export async function createPreview(db: Database, request: NewIntegration): Promise<Preview> {
  return db.transaction(async (trx) => {
    await trx('integration_previews')
      .where({ corfix_account_id: request.corfixAccountId })
      .andWhere('created_at', '<', trx.raw(`now() - make_interval(days => ?)`, [PREVIEW_KEPT_DAYS]))
      .delete();
    const [row] = await trx('integration_previews')
      .insert({
        id: randomUUID(),
        corfix_account_id: request.corfixAccountId,
        procore_company_id: request.procoreCompanyId,
        // The settings only: who connects (a Procore login) is no part of a preview.
        settings: JSON.stringify(previewSettingsOf(request)),
      })
      .returning('*');
    return toPreview(row as PreviewRow);
  });
}

/** Takes a preview back (its workflow could not be started). */
export async function deletePreview(db: Database, previewId: string): Promise<void> {
  await db('integration_previews').where({ id: previewId }).delete();
}

export async function findPreview(db: Database, previewId: string): Promise<Preview | undefined> {
  const row = await db<PreviewRow>('integration_previews').where({ id: previewId }).first();
  return row ? toPreview(row) : undefined;
}

/** The account's previews, newest first. */
export async function listPreviewsOfAccount(db: Database, corfixAccountId: string, limit: number): Promise<Preview[]> {
  const rows = await db<PreviewRow>('integration_previews').where({ corfix_account_id: corfixAccountId }).orderBy('created_at', 'desc').limit(limit);
  return rows.map(toPreview);
}

/** Every account's latest previews, newest first (the status page's list). */
export async function listRecentPreviews(db: Database, limit: number): Promise<Preview[]> {
  const rows = await db<PreviewRow>('integration_previews').orderBy('created_at', 'desc').limit(limit);
  return rows.map(toPreview);
}

/** The previews still running that were saved before `savedBefore` (the reconciler's). */
export async function listRunningPreviews(db: Database, savedBefore: Date): Promise<Preview[]> {
  const rows = await db<PreviewRow>('integration_previews').where({ state: 'running' }).andWhere('created_at', '<=', savedBefore).orderBy('created_at');
  return rows.map(toPreview);
}

/** A Procore list answered in time only at this smaller page size (as an integration remembers it). */
export async function rememberPreviewPageSize(db: Database, previewId: string, list: ProcoreList, perPage: number): Promise<void> {
  await rememberSmallerPageSize(db, 'integration_previews', previewId, list, perPage);
}

export async function recordPreviewProgress(db: Database, previewId: string, progress: PreviewProgress): Promise<void> {
  await db('integration_previews')
    .where({ id: previewId })
    .update({ progress: db.raw('progress || ?::jsonb', [JSON.stringify(progress)]), updated_at: db.fn.now() });
}

/** The preview is done: its walk says so, and its Corfix snapshot (only ever a cache) goes. */
export async function completePreview(db: Database, previewId: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('integration_previews')
      .where({ id: previewId, state: 'running' })
      .update({ state: 'completed', progress: trx.raw(`progress || '{"phase":"done"}'::jsonb`), completed_at: trx.fn.now(), updated_at: trx.fn.now() });
    await dropSnapshots(trx, previewId);
  });
}

/** The preview stopped for good, saying why; its Corfix snapshot goes. */
export async function failPreview(db: Database, previewId: string, message: string): Promise<void> {
  await db.transaction(async (trx) => {
    await trx('integration_previews')
      .where({ id: previewId, state: 'running' })
      .update({ state: 'failed', error: message, completed_at: trx.fn.now(), updated_at: trx.fn.now() });
    await dropSnapshots(trx, previewId);
  });
}

/** Upserts a page's lines: a page decided again (a retry) writes the same lines. */
export async function recordPreviewOutcomes(db: Database, previewId: string, outcomes: readonly PreviewOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db('preview_outcomes')
    .insert(
      outcomes.map((o) => ({
        preview_id: previewId,
        entity: o.entity,
        procore_id: o.procoreId,
        outcome: o.outcome,
        reason: o.reason,
        field: o.field,
        corfix_ids: o.corfixIds,
        other_outcome: o.other?.outcome ?? null,
        other_reason: o.other?.reason ?? null,
      })),
    )
    .onConflict(['preview_id', 'entity', 'procore_id'])
    .merge(['outcome', 'reason', 'field', 'corfix_ids', 'other_outcome', 'other_reason', 'decided_at']);
}

export async function countPreviewOutcomesOf(db: Database, previewId: string, entity: PreviewEntity): Promise<number> {
  const [row] = await db('preview_outcomes').where({ preview_id: previewId, entity }).count<{ count: string }[]>('* as count');
  return Number(row?.count ?? 0);
}

/** Of these Procore records, how many the preview has lines for with this outcome. */
export async function countPreviewOutcomesOfIds(
  db: Database,
  previewId: string,
  entity: PreviewEntity,
  procoreIds: readonly string[],
  outcome: Outcome,
): Promise<number> {
  if (procoreIds.length === 0) return 0;
  const [row] = await db('preview_outcomes')
    .where({ preview_id: previewId, entity, outcome })
    .whereIn('procore_id', procoreIds)
    .count<{ count: string }[]>('* as count');
  return Number(row?.count ?? 0);
}

/** The preview's counts: per entity and reason, as the connect would decide and with adopt_existing the other way. */
export interface PreviewCounts {
  reasons: Record<PreviewEntity, Record<string, number>>;
  otherReasons: Record<PreviewEntity, Record<string, number>>;
  /** how many lines adopt_existing the other way would decide otherwise */
  changedByAdopt: Record<PreviewEntity, number>;
}

type CountRow = { preview_id: string; entity: PreviewEntity; reason: string; other_reason: string | null; count: string };

export const noPreviewCounts = (): PreviewCounts => ({
  reasons: { project: {}, user: {} },
  otherReasons: { project: {}, user: {} },
  changedByAdopt: { project: 0, user: 0 },
});

function addCount(counts: PreviewCounts, r: CountRow): void {
  const n = Number(r.count);
  const reasons = counts.reasons[r.entity];
  reasons[r.reason] = (reasons[r.reason] ?? 0) + n;
  const other = counts.otherReasons[r.entity];
  const otherReason = r.other_reason ?? r.reason;
  other[otherReason] = (other[otherReason] ?? 0) + n;
  if (r.other_reason !== null) counts.changedByAdopt[r.entity] += n;
}

/** The counts of each of `previewIds` (those without lines get none): one query whatever their number. */
export async function countOutcomesOfPreviews(db: Database, previewIds: readonly string[]): Promise<Map<string, PreviewCounts>> {
  const counts = new Map<string, PreviewCounts>(previewIds.map((id) => [id, noPreviewCounts()]));
  if (previewIds.length === 0) return counts;
  const rows = await db('preview_outcomes')
    .whereIn('preview_id', previewIds)
    .groupBy('preview_id', 'entity', 'reason', 'other_reason')
    .select('preview_id', 'entity', 'reason', 'other_reason')
    .count<CountRow[]>('* as count');
  for (const r of rows) addCount(counts.get(r.preview_id) as PreviewCounts, r);
  return counts;
}

export async function countPreviewOutcomes(db: Database, previewId: string): Promise<PreviewCounts> {
  return (await countOutcomesOfPreviews(db, [previewId])).get(previewId) as PreviewCounts;
}

export interface PreviewOutcomeFilter {
  entity?: PreviewEntity;
  outcome?: Outcome;
  reason?: string;
  /** any of these reasons (the status page's collisions and adoptions) */
  reasons?: readonly string[];
  /** true: only the lines adopt_existing the other way would change; false: only those it would not */
  changedByAdopt?: boolean;
}

/** A page of the preview's lines, in Procore id order. */
export async function listPreviewOutcomes(
  db: Database,
  previewId: string,
  filter: PreviewOutcomeFilter,
  paging: { page: number; perPage: number },
): Promise<{ outcomes: PreviewOutcome[]; total: number }> {
  const where = db('preview_outcomes')
    .where({ preview_id: previewId })
    .modify((q) => {
      if (filter.entity) q.andWhere({ entity: filter.entity });
      if (filter.outcome) q.andWhere({ outcome: filter.outcome });
      if (filter.reason) q.andWhere({ reason: filter.reason });
      if (filter.reasons) q.whereIn('reason', filter.reasons);
      if (filter.changedByAdopt === true) q.whereNotNull('other_reason');
      if (filter.changedByAdopt === false) q.whereNull('other_reason');
    });
  const [count] = await where.clone().count<{ count: string }[]>('* as count');
  const rows = await where
    .clone()
    .orderBy([{ column: 'entity' }, { column: 'procore_id' }])
    .limit(paging.perPage)
    .offset((paging.page - 1) * paging.perPage)
    .select<PreviewOutcomeRow[]>('entity', 'procore_id', 'outcome', 'reason', 'field', 'corfix_ids', 'other_outcome', 'other_reason');
  return { outcomes: rows.map(toPreviewOutcome), total: Number(count?.count ?? 0) };
}
