// The initial sync reads each Corfix record once: a snapshot of what the
// account holds is taken when the sync begins (every Corfix page, once) and
// kept in Postgres (src/db/repositories/corfix-snapshots.ts), and what the
// sync makes is added to it. A Procore page then reads only the keys of its
// own projects or users: the listing no longer grows with pages x records,
// and a worker that takes over a page after another died sees all that the
// dead one made.
// Matching keys are kept as SHA-256 digests (no email or name in the
// table); a page asks for the digests of its own keys and maps them back.
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
  type SnapshotEntity,
  type SnapshotKey,
  type SnapshotScope,
} from '../db/repositories/corfix-snapshots.js';
import type { Integration } from '../db/repositories/integrations.js';
import { procoreProjectExternalRef, procoreUserExternalRef } from '../domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey } from '../domain/matching-keys.js';
import { projectNumberOf } from '../domain/project-fields.js';
import { presentText } from '../domain/text.js';
import { workerEmail } from '../domain/worker-fields.js';
import type { ProcoreProject, ProcoreUser } from '../procore/schemas.js';
import type { CorfixProjectsKnown, CorfixWorkersKnown, MadeProject, MadeWorker } from './entity-rules.js';

type MatchingKind = 'number' | 'name' | 'email';

const digestKey = (kind: MatchingKind, key: string) => `${kind}:${createHash('sha256').update(key).digest('hex')}`;
const refKey = (ref: string) => `ref:${ref}`;

const matching = (kind: MatchingKind, key: string | null): SnapshotKey[] =>
  key === null ? [] : [{ key: digestKey(kind, key), corfixId: null, corfixStatus: null }];
const reference = (ref: string | null | undefined, record: { id: string; status: string }): SnapshotKey[] =>
  ref ? [{ key: refKey(ref), corfixId: record.id, corfixStatus: record.status }] : [];

/** A Corfix project's keys, as the rules compare them (src/domain/matching-keys.ts). */
function keysOfCorfixProject(project: CorfixProject): SnapshotKey[] {
  return [
    ...reference(project.external_ref, project),
    ...matching('number', project.project_number ? projectNumberKey(project.project_number) : null),
    ...matching('name', projectNameKey(project.name)),
  ];
}

function keysOfCorfixWorker(worker: CorfixWorker): SnapshotKey[] {
  return [...reference(worker.external_ref, worker), ...matching('email', worker.email ? emailKey(worker.email) : null)];
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
  integration: Integration,
  generation: number | null,
  progressed: (at: { generation: number; entity: SnapshotEntity; pagesRead: number }) => void,
): Promise<SnapshotTaken> {
  const taking = generation ?? (await openSnapshot(db, integration.id));
  const account = integration.corfixAccountId;
  const scope = (entity: SnapshotEntity): SnapshotScope => ({ integrationId: integration.id, generation: taking, entity });
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
 * The snapshot a page reads: the one its workflow took, or, for a sync that
 * began before snapshots existed (its workflow has none), the newest complete
 * one of the integration, taken now if there is none.
 */
export async function snapshotOfPage(
  db: Database,
  corfix: CorfixClient,
  integration: Integration,
  generation: number | null | undefined,
  progressed: () => void,
): Promise<number> {
  if (generation !== null && generation !== undefined) return generation;
  return (await newestCompleteSnapshot(db, integration.id)) ?? (await takeCorfixSnapshot(db, corfix, integration, null, progressed)).generation;
}

/** What the snapshot holds of a page of Procore projects' keys, and where the page keeps what it makes. */
export async function corfixProjectsOfPage(
  db: Database,
  integration: Integration,
  generation: number,
  projects: readonly ProcoreProject[],
): Promise<CorfixProjectsKnown> {
  const scope: SnapshotScope = { integrationId: integration.id, generation, entity: 'project' };
  const numbers = projects.flatMap((p) => {
    const number = projectNumberOf(p);
    return number === null ? [] : [projectNumberKey(number)];
  });
  const names = projects.flatMap((p) => {
    const name = presentText(p.name);
    return name === null ? [] : [projectNameKey(name)];
  });
  const refs = projects.map((p) => procoreProjectExternalRef(integration.procoreCompanyId, p.id));
  const held = await heldKeys(db, scope, { number: numbers, name: names }, refs);
  return {
    numbers: new Set(numbers.filter((k) => held.matching.has(digestKey('number', k)))),
    names: new Set(names.filter((k) => held.matching.has(digestKey('name', k)))),
    byRef: held.byRef as CorfixProjectsKnown['byRef'],
    keep: (made: MadeProject) =>
      addToSnapshot(db, scope, [...reference(made.ref, made), ...matching('number', made.numberKey), ...matching('name', made.nameKey)]),
  };
}

/** What the snapshot holds of a page of Procore users' keys, and where the page keeps what it makes. */
export async function corfixWorkersOfPage(
  db: Database,
  integration: Integration,
  generation: number,
  users: readonly ProcoreUser[],
): Promise<CorfixWorkersKnown> {
  const scope: SnapshotScope = { integrationId: integration.id, generation, entity: 'worker' };
  const emails = users.flatMap((u) => {
    const email = workerEmail(u);
    return email === null ? [] : [emailKey(email)];
  });
  const refs = users.map((u) => procoreUserExternalRef(integration.procoreCompanyId, u.id));
  const held = await heldKeys(db, scope, { email: emails }, refs);
  return {
    emails: new Set(emails.filter((k) => held.matching.has(digestKey('email', k)))),
    byRef: held.byRef as CorfixWorkersKnown['byRef'],
    keep: (made: MadeWorker) => addToSnapshot(db, scope, [...reference(made.ref, made), ...matching('email', made.emailKey)]),
  };
}

/** One query for the digests of `keys` and the records carrying `refs`. */
async function heldKeys(
  db: Database,
  scope: SnapshotScope,
  keys: Partial<Record<MatchingKind, readonly string[]>>,
  refs: readonly string[],
): Promise<{ matching: Set<string>; byRef: Map<string, { id: string; status: string }> }> {
  const digests = Object.entries(keys).flatMap(([kind, list]) => (list ?? []).map((k) => digestKey(kind as MatchingKind, k)));
  const found = await findSnapshotKeys(db, scope, [...new Set([...digests, ...refs.map(refKey)])]);
  const byRef = new Map<string, { id: string; status: string }>();
  const matchingFound = new Set<string>();
  for (const row of found) {
    if (row.key.startsWith('ref:') && row.corfixId !== null && row.corfixStatus !== null) {
      byRef.set(row.key.slice('ref:'.length), { id: row.corfixId, status: row.corfixStatus });
    } else {
      matchingFound.add(row.key);
    }
  }
  return { matching: matchingFound, byRef };
}
