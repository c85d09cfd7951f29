// What a Procore project or user does with the Corfix records that already
// hold its matching key (the same project number, the same name without a
// number, the same email). The seed's rule skips it (number_exists,
// name_exists, email_exists). With adopt_existing on, exactly one record
// that belongs to no integration yet is adopted: linked instead of skipped.
// More than one is never guessed (ambiguous_match); one that is taken (it
// carries an external_ref, or this sync made or adopted it for another
// record) keeps the seed's skip.

/** A Corfix record holding a matching key. */
export interface CorfixMatch {
  /** '' for a record of unknown id (kept by a snapshot taken before ids were): it collides, and is never adopted */
  id: string;
  /** it belongs to an integration already: it is never adopted */
  taken: boolean;
}

export type ExistingMatch =
  | { kind: 'none' }
  | { kind: 'adopt'; corfixId: string }
  /** the seed's skip; the records it collides with */
  | { kind: 'exists'; corfixIds: string[] }
  | { kind: 'ambiguous'; corfixIds: string[] };

export function matchExisting(matches: readonly CorfixMatch[], adoptExisting: boolean): ExistingMatch {
  if (matches.length === 0) return { kind: 'none' };
  const records = new Set(matches.map((m) => m.id));
  const corfixIds = [...records].filter((id) => id !== '');
  if (!adoptExisting) return { kind: 'exists', corfixIds };
  if (records.size > 1) return { kind: 'ambiguous', corfixIds };
  const only = matches[0] as CorfixMatch;
  const free = only.id !== '' && matches.every((m) => !m.taken);
  return free ? { kind: 'adopt', corfixId: only.id } : { kind: 'exists', corfixIds };
}

/**
 * What the records holding a key decide for the record: nothing when there
 * are none (undefined); else adopt the one free record (with the key it
 * matched by, `keys`), or leave it alone, as ambiguous or for the seed's
 * reason (`exists`), naming the records it collides with.
 */
export function decisionOfMatch<E extends string, K extends object>(
  matches: readonly CorfixMatch[],
  adoptExisting: boolean,
  exists: E,
  keys: K,
): ({ outcome: 'adopted'; reason: 'adopted'; corfixId: string } & K) | { outcome: 'skipped'; reason: E | 'ambiguous_match'; corfixIds: string[] } | undefined {
  const match = matchExisting(matches, adoptExisting);
  if (match.kind === 'none') return undefined;
  if (match.kind === 'adopt') return { outcome: 'adopted', reason: 'adopted', corfixId: match.corfixId, ...keys };
  return { outcome: 'skipped', reason: match.kind === 'ambiguous' ? 'ambiguous_match' : exists, corfixIds: match.corfixIds };
}
