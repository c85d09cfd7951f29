// Corfix lists: 1-based `page`, and a body `{ data, page, per_page, total }`.
// A walk stops at the first empty page or once `page * per_page` covers
// `total`; the finders read every page, then keep the exact matches.
import { InvalidResponseError } from '../http/errors.js';
import type { CorfixPage } from './schemas.js';

/** The largest page Corfix serves. */
export const CORFIX_MAX_PER_PAGE = 500;

/** Whether the list says there is no page after this one. */
export function isLastPage(page: CorfixPage<unknown>): boolean {
  return page.data.length === 0 || page.page * page.per_page >= page.total;
}

/** Every page from `first` (default the first), until the list says there is no more. */
export async function* pages<T>(fetchPage: (page: number) => Promise<CorfixPage<T>>, first = 1): AsyncGenerator<CorfixPage<T>> {
  for (let page = first; ; page += 1) {
    const current = await fetchPage(page);
    yield current;
    if (isLastPage(current)) return;
  }
}

/** The items of every page, in order. */
export async function collect<T>(source: AsyncGenerator<CorfixPage<T>>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of source) all.push(...page.data);
  return all;
}

/** The one match, or null; more than one breaks a uniqueness the contract promises. */
export function onlyOne<T>(found: T[], operation: string, problem: string): T | null {
  if (found.length > 1) {
    throw new InvalidResponseError({ api: 'Corfix', operation, status: 200 }, `${found.length} ${problem}, which the contract rules out`);
  }
  return found[0] ?? null;
}
