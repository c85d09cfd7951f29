// The Corfix snapshot of an initial sync or of a preview (migrations 008,
// 013): one generation per sync, per entity a listing that goes on where it
// stopped, and keys read back a page's worth at a time. The keys come
// digested already (src/activities/corfix-snapshot.ts): nothing here knows an
// email. A matching key has one row per Corfix record holding it.
import type { Database } from '../database.js';

export type SnapshotEntity = 'project' | 'worker';

export interface SnapshotKey {
  key: string;
  /** the Corfix record holding the key ('' on rows kept before records were: an unknown record) */
  corfixId: string;
  corfixStatus: string | null;
  /**
   * the record belongs to an integration already (carries an external_ref,
   * or this sync made or adopted it): it is never adopted
   */
  taken: boolean;
}

export interface SnapshotScope {
  /** the integration whose initial sync took it, or the preview */
  ownerId: string;
  generation: number;
  entity: SnapshotEntity;
}

/** How far a snapshot's listing got. */
export interface SnapshotListing {
  pagesRead: number;
  complete: boolean;
}

const scopeRow = (scope: SnapshotScope) => ({
  owner_id: scope.ownerId,
  generation: scope.generation,
  entity: scope.entity,
});

/** A new generation for the owner (its first is 1), with an empty listing per entity. */
export async function openSnapshot(db: Database, ownerId: string): Promise<number> {
  return db.transaction(async (trx) => {
    // Two openings for one owner at once (a retried activity) take turns; each gets its own generation.
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`corfix-snapshot:${ownerId}`]);
    const row = await trx('corfix_snapshots').where({ owner_id: ownerId }).max<{ max: number | null }>('generation as max').first();
    const generation = (row?.max ?? 0) + 1;
    await trx('corfix_snapshots').insert(
      (['project', 'worker'] as const).map((entity) => scopeRow({ ownerId, generation, entity })),
    );
    return generation;
  });
}

/** The newest generation of the owner whose listings are complete, if any. */
export async function newestCompleteSnapshot(db: Database, ownerId: string): Promise<number | undefined> {
  const row = await db('corfix_snapshots')
    .where({ owner_id: ownerId })
    .groupBy('generation')
    .havingRaw('bool_and(complete_at IS NOT NULL)')
    .max<{ generation: number }>('generation as generation')
    .orderBy('generation', 'desc')
    .first();
  return row?.generation;
}

export async function snapshotListing(db: Database, scope: SnapshotScope): Promise<SnapshotListing> {
  const row = await db('corfix_snapshots').where(scopeRow(scope)).first('pages_read', 'complete_at');
  if (!row) throw new Error(`no Corfix snapshot ${scope.generation} of ${scope.entity}s of ${scope.ownerId}`);
  return { pagesRead: Number(row.pages_read), complete: row.complete_at !== null };
}

/** Keys a listing page held, and the page counted as read, in one transaction (a crash keeps both or neither). */
export async function keepSnapshotPage(db: Database, scope: SnapshotScope, page: number, keys: readonly SnapshotKey[], last: boolean): Promise<void> {
  await db.transaction(async (trx) => {
    await insertKeys(trx, scope, keys);
    await trx('corfix_snapshots')
      .where(scopeRow(scope))
      .update({ pages_read: page, ...(last ? { complete_at: trx.fn.now() } : {}) });
  });
}

/**
 * Adds what the sync just made. One statement for all of a record's keys:
 * either its external ref and its matching keys are in, or none of them, so a
 * page retried after a crash never finds the keys without the ref (which would
 * make the record's own email look taken by someone else).
 */
export async function addToSnapshot(db: Database, scope: SnapshotScope, keys: readonly SnapshotKey[]): Promise<void> {
  await insertKeys(db, scope, keys);
}

async function insertKeys(db: Database, scope: SnapshotScope, keys: readonly SnapshotKey[]): Promise<void> {
  if (keys.length === 0) return;
  await db('corfix_snapshot_keys')
    .insert(keys.map((k) => ({ ...scopeRow(scope), key: k.key, corfix_id: k.corfixId, corfix_status: k.corfixStatus, taken: k.taken })))
    .onConflict(['owner_id', 'generation', 'entity', 'key', 'corfix_id'])
    .ignore();
}

/** Records this sync adopted: every key they hold is taken, so no later record adopts them again. */
export async function takeSnapshotRecords(db: Database, scope: SnapshotScope, corfixIds: readonly string[]): Promise<void> {
  if (corfixIds.length === 0) return;
  await db('corfix_snapshot_keys')
    .where(scopeRow(scope))
    .whereIn('corfix_id', [...new Set(corfixIds)])
    .update({ taken: true });
}

/** Of `keys`, those the snapshot holds. */
export async function findSnapshotKeys(db: Database, scope: SnapshotScope, keys: readonly string[]): Promise<SnapshotKey[]> {
  if (keys.length === 0) return [];
  const rows = await db('corfix_snapshot_keys')
    .where(scopeRow(scope))
    .whereRaw('key = ANY(?::text[])', [keys as string[]])
    .select('key', 'corfix_id', 'corfix_status', 'taken');
  return rows.map((r) => ({ key: String(r.key), corfixId: String(r.corfix_id), corfixStatus: r.corfix_status ?? null, taken: Boolean(r.taken) }));
}

/** The sync (or the preview) is over: its snapshots go (they were only ever a cache of Corfix). */
export async function dropSnapshots(db: Database, ownerId: string): Promise<void> {
  await db('corfix_snapshots').where({ owner_id: ownerId }).delete();
}
