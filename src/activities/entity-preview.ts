// A preview's page: every entity decided by the same rules as the initial
// sync's (entity-rules.ts, in the order of entity-page.ts: re-found first,
// then the domain rules), and nothing written to Corfix. What the connect
// would make or adopt is remembered as the real sync remembers it, so a later
// entity with the same number, name or email is decided as it would be then.
// Each entity is decided twice, with adopt_existing on and off: the records
// holding a key are the same either way (a record is made only when none
// does), and only an adoption takes a record, which the decision with
// adopt_existing off never looks at; so one walk keeps both exact.
import type { Outcome } from '../domain/sync-outcome.js';
import type { PreviewOutcome } from '../db/repositories/previews.js';
import type { EntityDecision, EntityRules } from './entity-page.js';

/** A record the connect would create, named by the external_ref it would carry (no Corfix id exists). */
export const wouldCreateId = (ref: string) => `new:${ref}`;

/** The Procore entity's line: outcome, reason, field, and the Corfix records it meets. */
type Line = Omit<PreviewOutcome, 'entity' | 'procoreId' | 'other'>;

function lineOf<D extends { outcome: 'created' }, A extends { outcome: 'adopted'; corfixId: string }>(
  decision: EntityDecision<D, A>,
  linkedTo: string | undefined,
  ref: string,
): Line {
  switch (decision.outcome) {
    case 'linked':
      return { outcome: 'linked', reason: 'linked', field: null, corfixIds: linkedTo ? [linkedTo] : [] };
    case 'adopted':
      return { outcome: 'adopted', reason: 'adopted', field: null, corfixIds: [(decision as A).corfixId] };
    case 'created':
      return { outcome: 'created', reason: 'created', field: null, corfixIds: [wouldCreateId(ref)] };
    default: {
      const skip = decision as { outcome: 'skipped'; reason: string; field?: string; corfixIds?: string[] };
      return { outcome: 'skipped' as Outcome, reason: skip.reason, field: skip.field ?? null, corfixIds: skip.corfixIds ?? [] };
    }
  }
}

export interface PreviewedPage {
  lines: PreviewOutcome[];
  /** how many the connect would create */
  created: number;
}

/**
 * Decides `items` in order, as the initial sync would with the subject's
 * settings, and with adopt_existing the other way. `rules.remember` keeps
 * what would be made or adopted (the caller's `known.keep` holds it until the
 * page's lines are saved with it).
 */
export async function previewEntityPage<
  P extends { id: string },
  C extends { id: string; status: string },
  D extends { outcome: 'created' },
  A extends { outcome: 'adopted'; corfixId: string },
>(items: readonly P[], rules: EntityRules<P, C, D, A>, adoptExisting: boolean): Promise<PreviewedPage> {
  const lines: PreviewOutcome[] = [];
  let created = 0;
  for (const item of items) {
    const linkedTo = rules.linkedCorfixId(item) ?? rules.madeEarlier(item)?.id;
    const linked = linkedTo !== undefined;
    const ref = rules.externalRef(item);
    const withAdopt = rules.decide(item, linked, true);
    const withoutAdopt = rules.decide(item, linked, false);
    const [decision, other] = adoptExisting ? [withAdopt, withoutAdopt] : [withoutAdopt, withAdopt];
    const line = lineOf(decision, linkedTo, ref);
    const otherLine = lineOf(other, linkedTo, ref);
    lines.push({
      entity: rules.entity === 'project' ? 'project' : 'user',
      procoreId: item.id,
      ...line,
      other: otherLine.reason === line.reason ? null : { outcome: otherLine.outcome, reason: otherLine.reason },
    });
    if (decision.outcome === 'created') {
      created += 1;
      await rules.remember(item, decision as D, { id: wouldCreateId(ref), status: 'new' } as Pick<C, 'id' | 'status'>);
    }
    // The record is taken in the world where it is adopted, whichever the subject asked for.
    if (withAdopt.outcome === 'adopted') {
      const adopted = withAdopt as A;
      await rules.keepClaimed(item, rules.heldRecord(adopted.corfixId));
    }
  }
  return { lines, created };
}
