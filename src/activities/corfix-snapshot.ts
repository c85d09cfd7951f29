// The initial sync (and a preview) reads each Corfix record once: a snapshot of what the
// account holds is taken when the sync begins (every Corfix page, once) and
// kept in Postgres (src/db/repositories/corfix-snapshots.ts), and what the
// sync makes is added to it. A Procore page then reads only the keys of its
// own projects or users: the listing no longer grows with pages x records,
// and a worker that takes over a page after another died sees all that the
// dead one made.
// Matching keys are kept as SHA-256 digests (no email or name in the
// table); a page asks for the digests of its own keys and maps them back,
// with every Corfix record holding each key (to adopt one, or name them).
import { createHash } from 'node:crypto';
import type { CorfixClient } from '../corfix/client.js';
import { isLastPage } from '../corfix/pagination.js';
import type { CorfixPage, CorfixProject, CorfixWorker } from '../corfix/schemas.js';
import type { Database } from '../db/database.js';
import {
  addToSnapshot,
  findSnapshotKeys,
  keepSnapshotPage,
  newestCompleteSnapshot,
  openSnapshot,
  snapshotListing,
  takeSnapshotRecords,
  type SnapshotEntity,
  type SnapshotKey,
  type SnapshotScope,
} from '../db/repositories/corfix-snapshots.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey } from '../domain/matching-keys.js';
import { projectNumberOf } from '../domain/project-fields.js';
import { presentText } from '../domain/text.js';
import { workerEmail } from '../domain/worker-fields.js';
import type { ProcoreProject, ProcoreUser } from '../procore/schemas.js';
import { withHeartbeats } from './activity-support.js';
import type { SnapshotResume } from './initial-sync-types.js';
import type { CorfixCandidate, CorfixProjectsKnown, CorfixWorkersKnown, MadeProject, MadeWorker } from './entity-rules.js';

/**
 * Whose snapshot it is: an initial sync's (its integration) or a preview's.
 * An Integration is one.
 */
export interface SnapshotOwner {
  id: string;
  corfixAccountId: string;
  procoreCompanyId: string;
}

type MatchingKind = 'number' | 'name' | 'email';

const digestKey = (kind: MatchingKind, key: string) => `${kind}:${createHash('sha256').update(key).digest('hex')}`;
const refKey = (ref: string) => `ref:${ref}`;

/** A matching key held by `record`; taken when it belongs to an integration already. */
const matching = (kind: MatchingKind, key: string | null, record: { id: string; status: string }, taken: boolean): SnapshotKey[] =>
  key === null ? [] : [{ key: digestKey(kind, key), corfixId: record.id, corfixStatus: record.status, taken }];
const reference = (ref: string | null | undefined, record: { id: string; status: string }): SnapshotKey[] =>
  ref ? [{ key: refKey(ref), corfixId: record.id, corfixStatus: record.status, taken: true }] : [];

/** A Corfix project's keys, as the rules compare them (src/domain/matching-keys.ts). */
function keysOfCorfixProject(project: CorfixProject): SnapshotKey[] {
  const taken = Boolean(project.external_ref);
  return [
    ...reference(project.external_ref, project),
    ...matching('number', project.project_number ? projectNumberKey(project.project_number) : null, project, taken),
    ...matching('name', projectNameKey(project.name), project, taken),
  ];
}

function keysOfCorfixWorker(worker: CorfixWorker): SnapshotKey[] {
  const taken = Boolean(worker.external_ref);
  return [...reference(worker.external_ref, worker), ...matching('email', worker.email ? emailKey(worker.email) : null, worker, taken)];
}

export interface SnapshotTaken {
  generation: number;
}

/**
 * Lists the account's projects, then its workers, every page once, into a
 * new generation (or into `generation`, going on after the pages it kept
 * already). `progressed` is called on each page kept.
 */
export async function takeCorfixSnapshot(
  db: Database,
  corfix: CorfixClient,
  owner: SnapshotOwner,
  generation: number | null,
  progressed: (at: { generation: number; entity: SnapshotEntity; pagesRead: number }) => void,
): Promise<SnapshotTaken> {
  const taking = generation ?? (await openSnapshot(db, owner.id));
  const account = owner.corfixAccountId;
  const scope = (entity: SnapshotEntity): SnapshotScope => ({ ownerId: owner.id, generation: taking, entity });
  const keep = async <T>(entity: SnapshotEntity, pagesFrom: (first: number) => AsyncGenerator<CorfixPage<T>>, keysOf: (record: T) => SnapshotKey[]) => {
    const { pagesRead, complete } = await snapshotListing(db, scope(entity));
    if (complete) return;
    progressed({ generation: taking, entity, pagesRead });
    for await (const page of pagesFrom(pagesRead + 1)) {
      await keepSnapshotPage(db, scope(entity), page.page, page.data.flatMap(keysOf), isLastPage(page));
      progressed({ generation: taking, entity, pagesRead: page.page });
    }
  };
  await keep('project', (first) => corfix.projectPages(account, {}, first), keysOfCorfixProject);
  await keep('worker', (first) => corfix.workerPages(account, {}, first), keysOfCorfixWorker);
  return { generation: taking };
}

/**
 * takeCorfixSnapshot as an activity's whole work (an initial sync's or a
 * preview's): a heartbeat on each page kept, and a failed attempt reports
 * where it got, so that the retry goes on with the same generation.
 */
export function takeSnapshotWithHeartbeats(
  db: Database,
  corfix: CorfixClient,
  owner: SnapshotOwner,
  resume: SnapshotResume | null | undefined,
  workerStopping: () => boolean,
): Promise<SnapshotResume> {
  let at: SnapshotResume | null = null;
  return withHeartbeats(
    () => at ?? resume ?? null,
    async (activity) =>
      takeCorfixSnapshot(db, corfix, owner, resume?.generation ?? null, (progress) => {
        at = progress;
        activity.heartbeat();
      }),
    workerStopping,
  );
}

/**
 * The snapshot a page reads: the one its workflow took, or, for a sync that
 * began before snapshots existed (its workflow has none), the newest complete
 * one of the integration, taken now if there is none.
 */
export async function snapshotOfPage(
  db: Database,
  corfix: CorfixClient,
  owner: SnapshotOwner,
  generation: number | null | undefined,
  progressed: () => void,
): Promise<number> {
  if (generation !== null && generation !== undefined) return generation;
  return (await newestCompleteSnapshot(db, owner.id)) ?? (await takeCorfixSnapshot(db, corfix, owner, null, progressed)).generation;
}

/** What the snapshot holds of a page of Procore projects' keys, and where the page keeps what it makes. */
export async function corfixProjectsOfPage(
  db: Database,
  owner: SnapshotOwner,
  generation: number,
  projects: readonly ProcoreProject[],
): Promise<CorfixProjectsKnown> {
  const scope: SnapshotScope = { ownerId: owner.id, generation, entity: 'project' };
  const numbers = projects.flatMap((p) => {
    const number = projectNumberOf(p);
    return number === null ? [] : [projectNumberKey(number)];
  });
  const names = projects.flatMap((p) => {
    const name = presentText(p.name);
    return name === null ? [] : [projectNameKey(name)];
  });
  const refs = projects.map((p) => procoreProjectExternalRef(owner.procoreCompanyId, p.id));
  const held = await heldKeys(db, scope, { number: numbers, name: names }, refs);
  return {
    numbers: held.holders('number', numbers),
    names: held.holders('name', names),
    byRef: held.byRef as CorfixProjectsKnown['byRef'],
    keep: (made: MadeProject) => keepMade(db, scope, keysOfMadeProject(made), made.claimed ? [made.id] : []),
  };
}

/** What the snapshot holds of a page of Procore users' keys, and where the page keeps what it makes. */
export async function corfixWorkersOfPage(
  db: Database,
  owner: SnapshotOwner,
  generation: number,
  users: readonly ProcoreUser[],
): Promise<CorfixWorkersKnown> {
  const scope: SnapshotScope = { ownerId: owner.id, generation, entity: 'worker' };
  const emails = users.flatMap((u) => {
    const email = workerEmail(u);
    return email === null ? [] : [emailKey(email)];
  });
  const refs = users.map((u) => procoreUserExternalRef(owner.procoreCompanyId, u.id));
  const held = await heldKeys(db, scope, { email: emails }, refs);
  return {
    emails: held.holders('email', emails),
    byRef: held.byRef as CorfixWorkersKnown['byRef'],
    keep: (made: MadeWorker) => keepMade(db, scope, keysOfMadeWorker(made), made.claimed ? [made.id] : []),
  };
}

/** The keys a project this sync made or adopted holds from now on: its ref, and the key it was decided by, taken. */
export function keysOfMadeProject(made: MadeProject): SnapshotKey[] {
  return [...reference(made.ref, made), ...matching('number', made.numberKey, made, true), ...matching('name', made.nameKey, made, true)];
}

export function keysOfMadeWorker(made: MadeWorker): SnapshotKey[] {
  return [...reference(made.ref, made), ...matching('email', made.emailKey, made, true)];
}

/**
 * Keeps what a sync made or adopted: their keys, and the records taken under
 * every key they hold (so that no later record adopts one). `db` may be a
 * transaction (a preview keeps a page's records with its report lines).
 */
export async function keepMade(db: Database, scope: SnapshotScope, keys: readonly SnapshotKey[], corfixIds: readonly string[]): Promise<void> {
  // One row per key and record: a statement may not insert the same row twice.
  const unique = new Map(keys.map((k) => [`${k.key}\u0000${k.corfixId}`, k]));
  await addToSnapshot(db, scope, [...unique.values()]);
  await takeSnapshotRecords(db, scope, corfixIds);
}

/** What one query found: the records holding each matching key, and the records carrying the refs. */
interface HeldKeys {
  /** the keys of `kind` among `keys` that some record holds, each with its records */
  holders<K extends string>(kind: MatchingKind, keys: readonly K[]): Map<K, CorfixCandidate[]>;
  byRef: Map<string, { id: string; status: string }>;
}

/** One query for the digests of `keys` and the records carrying `refs`. */
async function heldKeys(
  db: Database,
  scope: SnapshotScope,
  keys: Partial<Record<MatchingKind, readonly string[]>>,
  refs: readonly string[],
): Promise<HeldKeys> {
  const digests = Object.entries(keys).flatMap(([kind, list]) => (list ?? []).map((k) => digestKey(kind as MatchingKind, k)));
  const found = await findSnapshotKeys(db, scope, [...new Set([...digests, ...refs.map(refKey)])]);
  const byRef = new Map<string, { id: string; status: string }>();
  const byDigest = new Map<string, CorfixCandidate[]>();
  for (const row of found) {
    if (row.key.startsWith('ref:')) {
      if (row.corfixStatus !== null) byRef.set(row.key.slice('ref:'.length), { id: row.corfixId, status: row.corfixStatus });
      continue;
    }
    const held = byDigest.get(row.key) ?? [];
    held.push({ id: row.corfixId, status: row.corfixStatus ?? '', taken: row.taken });
    byDigest.set(row.key, held);
  }
  return {
    holders: (kind, list) =>
      new Map(
        list.flatMap((k) => {
          const held = byDigest.get(digestKey(kind, k));
          return held ? [[k, held] as const] : [];
        }),
      ),
    byRef,
  };
}
