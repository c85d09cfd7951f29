// The sync report: the latest decision per Procore entity. Ids and reason
// codes only; names and emails stay in Procore and Corfix. Each row written
// is counted once here (corfix_procore_entities_synced_total; forms' rows in
// ./form-links.ts).
import type { Outcome, SyncEntity } from '../../domain/sync-outcome.js';
import { serviceMetrics } from '../../observability/metrics.js';
import type { Database } from '../database.js';

export type OutcomeEntity = SyncEntity;
export type OutcomeKind = Outcome;

export interface SyncOutcome {
  entity: OutcomeEntity;
  procoreId: string;
  outcome: OutcomeKind;
  reason: string;
  /** the field Corfix could not take, for invalid_record */
  field: string | null;
  corfixId: string | null;
}

export interface RecordedOutcome extends Omit<SyncOutcome, 'procoreId'> {
  /** null for a form not filed in Procore */
  procoreId: string | null;
  decidedAt: string;
}

interface OutcomeRow {
  entity: OutcomeEntity;
  procore_id: string | null;
  outcome: OutcomeKind;
  reason: string;
  field: string | null;
  corfix_id: string | null;
  decided_at: Date;
}

/** Upserts one row per (integration, entity, Procore id): the latest decision wins. */
export async function recordOutcomes(db: Database, integrationId: string, outcomes: readonly SyncOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db('sync_outcomes')
    .insert(
      outcomes.map((o) => ({
        integration_id: integrationId,
        entity: o.entity,
        procore_id: o.procoreId,
        outcome: o.outcome,
        reason: o.reason,
        field: o.field,
        corfix_id: o.corfixId,
        decided_at: db.fn.now(),
      })),
    )
    .onConflict(['integration_id', 'entity', 'procore_id'])
    .merge(['outcome', 'reason', 'field', 'corfix_id', 'decided_at']);
  for (const o of outcomes) serviceMetrics.outcomesRecorded(o.entity, o.outcome, o.reason);
}

/**
 * Records "linked" for a Procore entity found already linked, unless its row
 * says "created": a retried page finds what it created moments ago through its
 * own link, and that entity stays reported as created.
 */
export async function recordLinkedOutcome(
  db: Database,
  integrationId: string,
  linked: { entity: OutcomeEntity; procoreId: string; corfixId: string },
): Promise<void> {
  const written = await db.raw<{ rowCount: number | null }>(
    `INSERT INTO sync_outcomes (integration_id, entity, procore_id, outcome, reason, field, corfix_id, decided_at)
     VALUES (?, ?, ?, 'linked', 'linked', NULL, ?, now())
     ON CONFLICT (integration_id, entity, procore_id) DO UPDATE
       SET outcome = 'linked', reason = 'linked', field = NULL, corfix_id = EXCLUDED.corfix_id, decided_at = now()
       WHERE sync_outcomes.outcome <> 'created'`,
    [integrationId, linked.entity, linked.procoreId, linked.corfixId],
  );
  // Not written when the row says "created": that entity stays counted as created.
  serviceMetrics.outcomesRecorded(linked.entity, 'linked', 'linked', written.rowCount ?? 0);
}

/** A Procore list record without even a readable id: where it was, what failed; never its values. */
export interface UnreadableListRecord {
  entity: OutcomeEntity;
  /** projects, active_users, inactive_users */
  list: string;
  page: number;
  position: number;
  field: string;
  problem: string;
}

/** Counts such records, once per place in a list (a retried page adds nothing). */
export async function recordUnreadableRecords(
  db: Database,
  integrationId: string,
  records: readonly UnreadableListRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await db('unreadable_procore_records')
    .insert(records.map((r) => ({ integration_id: integrationId, ...r })))
    .onConflict(['integration_id', 'list', 'page', 'position'])
    .merge(['entity', 'field', 'problem', 'seen_at']);
}

export async function countOutcomesOf(db: Database, integrationId: string, entity: OutcomeEntity): Promise<number> {
  const [row] = await db('sync_outcomes').where({ integration_id: integrationId, entity }).count<{ count: string }[]>('* as count');
  return Number(row?.count ?? 0);
}

export interface OutcomeCount {
  entity: OutcomeEntity;
  outcome: OutcomeKind;
  reason: string;
  count: number;
}

export async function countOutcomes(db: Database, integrationId: string): Promise<OutcomeCount[]> {
  return (await countOutcomesOfIntegrations(db, [integrationId])).get(integrationId) ?? [];
}

/** countOutcomes of several integrations in one query (the status page's list): each integration's counts, none for one without a row. */
export async function countOutcomesOfIntegrations(db: Database, integrationIds: readonly string[]): Promise<Map<string, OutcomeCount[]>> {
  const counts = new Map<string, OutcomeCount[]>();
  if (integrationIds.length === 0) return counts;
  const rows = await db('sync_outcomes')
    .whereIn('integration_id', integrationIds)
    .groupBy('integration_id', 'entity', 'outcome', 'reason')
    .select('integration_id', 'entity', 'outcome', 'reason')
    .count<{ integration_id: string; entity: OutcomeEntity; outcome: OutcomeKind; reason: string; count: string }[]>('* as count')
    .orderBy(['integration_id', 'entity', 'outcome', 'reason']);
  for (const r of rows) {
    const of = counts.get(r.integration_id) ?? [];
    of.push({ entity: r.entity, outcome: r.outcome, reason: r.reason, count: Number(r.count) });
    counts.set(r.integration_id, of);
  }
  return counts;
}

const OUTCOME_COLUMNS = ['entity', 'procore_id', 'outcome', 'reason', 'field', 'corfix_id', 'decided_at'] as const;

const toRecordedOutcome = (r: OutcomeRow): RecordedOutcome => ({
  entity: r.entity,
  procoreId: r.procore_id === null ? null : String(r.procore_id),
  outcome: r.outcome,
  reason: r.reason,
  field: r.field,
  corfixId: r.corfix_id,
  decidedAt: r.decided_at.toISOString(),
});

export interface OutcomeFilter {
  entity?: OutcomeEntity;
  outcome?: OutcomeKind;
  reason?: string;
}

export async function listOutcomes(
  db: Database,
  integrationId: string,
  filter: OutcomeFilter,
  page: { page: number; perPage: number },
): Promise<{ outcomes: RecordedOutcome[]; total: number }> {
  const where = (q: ReturnType<Database>) => {
    q.where({ integration_id: integrationId });
    if (filter.entity) q.andWhere({ entity: filter.entity });
    if (filter.outcome) q.andWhere({ outcome: filter.outcome });
    if (filter.reason) q.andWhere({ reason: filter.reason });
    return q;
  };
  const [{ count } = { count: '0' }] = await where(db('sync_outcomes')).count<{ count: string }[]>('* as count');
  const rows = (await where(db('sync_outcomes'))
    .select(...OUTCOME_COLUMNS)
    .orderBy([{ column: 'entity' }, { column: 'procore_id' }, { column: 'corfix_id' }])
    .limit(page.perPage)
    .offset((page.page - 1) * page.perPage)) as OutcomeRow[];
  return { total: Number(count), outcomes: rows.map(toRecordedOutcome) };
}

/**
 * The integration's latest decisions, newest first (`limit` of them); with
 * `failuresOnly`, only the records the sync could not take: a failed outcome
 * (a form given up on) or a Procore record Corfix refused (invalid_record).
 */
export async function listRecentOutcomes(
  db: Database,
  integrationId: string,
  options: { limit: number; failuresOnly?: boolean },
): Promise<RecordedOutcome[]> {
  const query = db('sync_outcomes').where({ integration_id: integrationId });
  if (options.failuresOnly) query.andWhere((q) => q.where({ outcome: 'failed' }).orWhere({ reason: 'invalid_record' }));
  const rows = (await query
    .select(...OUTCOME_COLUMNS)
    .orderBy([{ column: 'decided_at', order: 'desc' }, { column: 'entity' }, { column: 'procore_id' }, { column: 'corfix_id' }])
    .limit(options.limit)) as OutcomeRow[];
  return rows.map(toRecordedOutcome);
}

export interface SeenUnreadableRecord extends UnreadableListRecord {
  seenAt: string;
}

/** The Procore list records without a readable id the integration met, the last seen first (`limit` of them). */
export async function listUnreadableRecords(db: Database, integrationId: string, limit: number): Promise<SeenUnreadableRecord[]> {
  const rows = await db('unreadable_procore_records')
    .where({ integration_id: integrationId })
    .select('entity', 'list', 'page', 'position', 'field', 'problem', 'seen_at')
    .orderBy([{ column: 'seen_at', order: 'desc' }, { column: 'list' }, { column: 'page' }, { column: 'position' }])
    .limit(limit);
  return rows.map((r: UnreadableListRecord & { seen_at: Date }) => ({
    entity: r.entity,
    list: r.list,
    page: r.page,
    position: r.position,
    field: r.field,
    problem: r.problem,
    seenAt: r.seen_at.toISOString(),
  }));
}
