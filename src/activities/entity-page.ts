// One Procore page, entity by entity, in the order of decisions of
// docs/design.md (Activities): first re-find what this integration already
// made (link row, else Corfix external_ref) and link it; only then apply the
// rules of docs/rules.md to the rest.
// Corfix creates run a few at a time; entities that could collide (same
// project number or name, same email) are decided one after the other, so
// "existing" always includes what this sync just created.
import type { Database } from '../db/database.js';
import { attemptedToCreate, recordCreateAttempt } from '../db/repositories/create-attempts.js';
import { recordLinkedOutcome, recordOutcomes, type OutcomeEntity } from '../db/repositories/sync-outcomes.js';
import { CorfixNotFoundError, CorfixRequestRejectedError } from '../corfix/errors.js';
import { DEFAULT_CORFIX_CREATE_CONCURRENCY } from '../config.js';
import { RateLimitedError } from '../http/errors.js';
import { StopRequested } from './activity-support.js';
import type { CorfixRecordFound } from './entity-rules.js';

/**
 * Entities in flight per create slot: an entity's Postgres writes (its
 * attempt before the create, its snapshot keys, link and report row after)
 * run while other entities' creates hold the slots, so the creates, the
 * latency-bound part, never wait on the database.
 */
export const ENTITIES_PER_CREATE_SLOT = 2;

export interface EntityPageOptions {
  /** called with the last id before which everything is finished (the point a retry resumes after) */
  onDone(lastFinishedId: string): void;
  /** true: no further entity starts; those in flight finish, then StopRequested is thrown */
  stopRequested?: () => boolean;
  /** Corfix creates in flight at once (default DEFAULT_CORFIX_CREATE_CONCURRENCY) */
  createsInFlight?: number;
  /**
   * Waits (keeping the activity alive) while Corfix asks a create to come back
   * shortly; without it a 429 ends the page at once, as any other failure
   */
  waitForRateLimit?: (delayMs: number) => Promise<void>;
}

/**
 * A create Corfix answers 429 for a moment is asked again within the page,
 * after what Corfix asks, if that is at most this long, and at most this many
 * times in all: a limit met now and then (one create in forty) then costs a
 * second of that create, not the page (which the workflow would read again
 * from Procore after its own wait). A longer or lasting limit still ends the
 * page, and the workflow waits, visibly, as long as Corfix asks.
 */
export const IN_PAGE_RATE_LIMIT = { maxWaitMs: 5_000, tries: 3 } as const;

/**
 * A rule's decision (src/domain), as the rules give it: created carries what
 * to create, adopted the Corfix record to link to; a skip for a collision
 * names the records it collides with.
 */
export type EntityDecision<D extends { outcome: 'created' }, A extends { outcome: 'adopted'; corfixId: string }> =
  | D
  | A
  | { outcome: 'linked' }
  | { outcome: 'skipped'; reason: string; field?: string; corfixIds?: string[] };

/** What the engine needs to know about one kind of entity (project or user). */
export interface EntityRules<
  P extends { id: string },
  C extends { id: string; status: string },
  D extends { outcome: 'created' },
  A extends { outcome: 'adopted'; corfixId: string },
> {
  entity: OutcomeEntity;
  externalRef(item: P): string;
  /** keys two entities may collide on (e.g. "email:ann@x"); colliding entities are decided in order */
  collisionKeys(item: P): string[];
  /** the Corfix id this integration linked it to already */
  linkedCorfixId(item: P): string | undefined;
  /** that link was made by adopting a record Corfix held before */
  linkAdopted(item: P): boolean;
  /** a Corfix record carrying this entity's external_ref (made earlier, link lost) */
  madeEarlier(item: P): CorfixRecordFound<C> | undefined;
  /**
   * the domain rule; `linked` says this integration made it already (its
   * first rule); adoptExisting: the setting (default: the integration's own)
   */
  decide(item: P, linked: boolean, adoptExisting?: boolean): EntityDecision<D, A>;
  create(item: P, decision: D): Promise<C>;
  /** claims the record Corfix held (puts this integration's external_ref on it; safe to repeat) */
  adopt(item: P, corfixId: string): Promise<C>;
  /**
   * at once, before anything is awaited: the record is taken for the rest of
   * the page (another entity may match it through another key, and run at once)
   */
  reserve(corfixId: string): void;
  /** the record as the page knows it (its id and status), to link it before it is claimed */
  heldRecord(corfixId: string): CorfixRecordFound<C>;
  findByExternalRef(ref: string): Promise<C | null>;
  saveLink(item: P, corfix: CorfixRecordFound<C>, adopted: boolean): Promise<void>;
  /** the claim was refused: the adopted link saved before it goes */
  dropLink(item: P): Promise<void>;
  /** asks Corfix for the account: throws (CorfixNotFoundError) when the account itself is gone */
  checkAccount(): Promise<void>;
  /**
   * after a create (or a re-found create), before its link: later decisions
   * see it as existing, and a retry finds it by its external ref
   */
  remember(item: P, decision: D, made: CorfixRecordFound<C>): Promise<void>;
  /** after a claim: the record carries this entity's ref, and is taken under every key it holds */
  keepClaimed(item: P, claimed: CorfixRecordFound<C>): Promise<void>;
  /** a refusal that decides the entity by a rule after all (e.g. email_taken -> email_exists); any other is invalid_record */
  refusalReason(error: CorfixRequestRejectedError): { reason: string; field: string | null } | undefined;
}

export interface EntityPageResult {
  created: number;
}

/** A create Corfix refused because it exists already (a lost answer, a retry): find it by external_ref. */
function meansAlreadyCreated(error: CorfixRequestRejectedError): boolean {
  return error.code === 'external_ref_taken' || error.code === 'idempotency_key_reused';
}

/**
 * Corfix refused this one record's create: a 4xx on it (not 401/403/429,
 * which are other errors, and not 404, which says the account itself is
 * gone). A 5xx or a network failure is not a refusal: the page is retried.
 */
function refusalOfRecord(error: unknown): CorfixRequestRejectedError | undefined {
  return error instanceof CorfixRequestRejectedError && !(error instanceof CorfixNotFoundError) ? error : undefined;
}

/** The report row's field for a refusal no rule decides: `corfix:` and the refusal's code (docs/rules.md). */
function refusalField(error: CorfixRequestRejectedError): string {
  return `corfix:${error.code}`;
}

/**
 * Processes `items` in order, up to `createsInFlight` Corfix creates at once;
 * entities sharing a collision key are decided one after the other.
 */
export async function syncEntityPage<
  P extends { id: string },
  C extends { id: string; status: string },
  D extends { outcome: 'created' },
  A extends { outcome: 'adopted'; corfixId: string },
>(
  db: Database,
  integrationId: string,
  items: readonly P[],
  rules: EntityRules<P, C, D, A>,
  options: EntityPageOptions,
): Promise<EntityPageResult> {
  const { onDone, stopRequested = () => false } = options;
  const createsInFlight = options.createsInFlight ?? DEFAULT_CORFIX_CREATE_CONCURRENCY;
  const entitiesInFlight = createsInFlight * ENTITIES_PER_CREATE_SLOT;
  let creating = 0;
  const waitingToCreate: Array<() => void> = [];
  const inCreateSlot = async <T>(create: () => Promise<T>): Promise<T> => {
    while (creating >= createsInFlight) await new Promise<void>((resolve) => waitingToCreate.push(resolve));
    creating += 1;
    try {
      return await create();
    } finally {
      creating -= 1;
      waitingToCreate.shift()?.();
    }
  };
  let created = 0;
  const finished = new Set<number>();
  let lowWater = 0;
  const inFlightByKey = new Map<string, Promise<unknown>>();
  const running = new Set<Promise<unknown>>();
  let failure: { error: unknown } | undefined;

  const skip = (item: P, reason: string, field: string | null) =>
    recordOutcomes(db, integrationId, [{ entity: rules.entity, procoreId: item.id, outcome: 'skipped', reason, field, corfixId: null }]);
  /** The report row of a record this page made or adopted (its reason is its outcome). */
  const madeRow = (item: P, outcome: 'created' | 'adopted', corfixId: string) =>
    recordOutcomes(db, integrationId, [{ entity: rules.entity, procoreId: item.id, outcome, reason: outcome, field: null, corfixId }]);
  /**
   * A record this integration made already (link row, or re-found by its
   * external_ref): `created` when this integration attempted its create (its
   * answer or its link was lost), `adopted` when its link says it adopted it
   * (its claim is made again: it may not have been), `linked` when it was
   * there before.
   */
  const refound = async (item: P, corfixId: string): Promise<void> => {
    if (rules.linkAdopted(item)) return claim(item, corfixId);
    if (await attemptedToCreate(db, integrationId, { entity: rules.entity, procoreId: item.id })) {
      await madeRow(item, 'created', corfixId);
      created += 1;
      return;
    }
    await recordLinkedOutcome(db, integrationId, { entity: rules.entity, procoreId: item.id, corfixId });
  };

  async function process(item: P): Promise<void> {
    const linkedId = rules.linkedCorfixId(item);
    const earlier = linkedId === undefined ? rules.madeEarlier(item) : undefined;
    const decision = rules.decide(item, linkedId !== undefined || earlier !== undefined);
    if (decision.outcome === 'linked') {
      if (linkedId !== undefined) return refound(item, linkedId);
      const found = earlier as CorfixRecordFound<C>;
      await rules.saveLink(item, found, false);
      return refound(item, found.id);
    }
    if (decision.outcome === 'skipped') return skip(item, decision.reason, decision.field ?? null);
    if (decision.outcome === 'adopted') return adopt(item, decision as A);
    await recordCreateAttempt(db, integrationId, { entity: rules.entity, procoreId: item.id });
    let made: C;
    try {
      made = await createPatiently(() => inCreateSlot(() => rules.create(item, decision)));
    } catch (error) {
      const refusal = refusalOfRecord(error);
      if (!refusal) throw error;
      if (meansAlreadyCreated(refusal)) {
        const found = await rules.findByExternalRef(rules.externalRef(item));
        if (found) {
          await rules.remember(item, decision, found);
          await rules.saveLink(item, found, false);
          return refound(item, found.id);
        }
        // "exists already", yet nothing carries its external_ref: a refusal like any other
      }
      const refused = rules.refusalReason(refusal) ?? { reason: 'invalid_record', field: refusalField(refusal) };
      return skip(item, refused.reason, refused.field);
    }
    await rules.remember(item, decision, made);
    await rules.saveLink(item, made, false);
    await madeRow(item, 'created', made.id);
    created += 1;
  }

  /**
   * Links the one record Corfix held (adopt_existing). Taken for the rest of
   * the page at once; then linked, the link saying it was adopted, before
   * anything is written to Corfix: whatever fails after, the page's next run
   * finds the link and claims again (refound).
   */
  async function adopt(item: P, decision: A): Promise<void> {
    rules.reserve(decision.corfixId);
    await rules.saveLink(item, rules.heldRecord(decision.corfixId), true);
    return claim(item, decision.corfixId);
  }

  /**
   * Claims an adopted record with this integration's external_ref (a PATCH,
   * safe to repeat) and keeps it as taken. A refusal of the record (it is
   * gone, or the ref is another's) undoes the link and reports it like a
   * refused create.
   */
  async function claim(item: P, corfixId: string): Promise<void> {
    let claimed: C;
    try {
      claimed = await createPatiently(() => inCreateSlot(() => rules.adopt(item, corfixId)));
    } catch (error) {
      let refusal = refusalOfRecord(error);
      // A 404 for the record itself (deleted since it was listed) is a refusal of it; one for the account stops the page.
      if (!refusal && error instanceof CorfixNotFoundError) {
        await rules.checkAccount();
        refusal = error;
      }
      if (!refusal) throw error;
      await rules.dropLink(item);
      return skip(item, 'invalid_record', refusalField(refusal));
    }
    await rules.keepClaimed(item, claimed);
    await madeRow(item, 'adopted', claimed.id);
  }

  /** The create, asked again (outside its create slot) while Corfix asks to come back shortly. */
  async function createPatiently(create: () => Promise<C>): Promise<C> {
    // (an adoption's claim too: it is a write like a create)
    for (let tries = 1; ; tries += 1) {
      try {
        return await create();
      } catch (error) {
        const wait = options.waitForRateLimit;
        if (!(error instanceof RateLimitedError) || !wait || tries >= IN_PAGE_RATE_LIMIT.tries || error.retryAfterMs > IN_PAGE_RATE_LIMIT.maxWaitMs) throw error;
        await wait(error.retryAfterMs);
      }
    }
  }

  let stopped = false;
  const mustStop = () => {
    stopped ||= stopRequested();
    return failure !== undefined || stopped;
  };
  for (const [index, item] of items.entries()) {
    if (mustStop()) break;
    const keys = rules.collisionKeys(item);
    await Promise.allSettled(keys.flatMap((k) => inFlightByKey.get(k) ?? []));
    while (running.size >= entitiesInFlight) await Promise.race(running);
    if (mustStop()) break;
    const work: Promise<void> = process(item).then(
      () => {
        finished.add(index);
        while (finished.has(lowWater)) {
          onDone((items[lowWater] as P).id);
          lowWater += 1;
        }
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    const tracked = work.finally(() => {
      running.delete(tracked);
      for (const k of keys) if (inFlightByKey.get(k) === tracked) inFlightByKey.delete(k);
    });
    running.add(tracked);
    for (const k of keys) inFlightByKey.set(k, tracked);
  }
  await Promise.allSettled([...running]);
  if (failure) throw failure.error;
  if (stopped) throw new StopRequested();
  return { created };
}
