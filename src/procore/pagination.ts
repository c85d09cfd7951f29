// Procore lists: 1-based `page`, bare JSON arrays, and the headers `Total`,
// `Per-Page` and `Link` (first/prev/next/last; no next on the last page).
// A sync runs one activity per page and resumes at a page number, so a page
// can be fetched alone as well as walked through.
import type { IncomingHttpHeaders } from 'node:http';
import { InvalidResponseError, type ApiErrorDetails } from '../http/errors.js';
import type { UnreadableRecord } from './schemas.js';
import { header } from './transport.js';

/** Procore's page size when none is asked; the smallest a sync asks for. */
export const PROCORE_DEFAULT_PER_PAGE = 100;

/**
 * The page that holds the same first record at another page size: page p
 * at size s starts at record (p-1)*s. Rounds down, so when sizes do not
 * divide, a few records are read twice (each step is idempotent) and none
 * is skipped.
 */
export function pageAtSize(page: number, perPage: number, newPerPage: number): number {
  return Math.floor(((page - 1) * perPage) / newPerPage) + 1;
}

/** Half the page size, not below Procore's default: what to ask after a 408. */
export function halvedPageSize(perPage: number): number {
  return Math.max(PROCORE_DEFAULT_PER_PAGE, Math.floor(perPage / 2));
}

export interface Page<T> {
  /** the records that could be read */
  items: T[];
  /** the records that could not (each with its id when readable): the caller reports or counts them */
  unreadable: UnreadableRecord[];
  /** the page number asked for */
  page: number;
  /** the page size the server used (it clamps what is asked) */
  perPage: number;
  /** items in the whole list, when the server said */
  total: number | null;
  hasNext: boolean;
  /** the page the `next` link points to, when there is one */
  nextPage: number | null;
}

/** `<https://...?page=2>; rel="next", <...>; rel="last"` -> { next: URL, last: URL } */
export function parseLinkHeader(value: string | undefined): Map<string, URL> {
  const links = new Map<string, URL>();
  if (!value) return links;
  for (const match of value.matchAll(/<([^>]*)>\s*((?:;\s*[^;,]+)*)/g)) {
    const target = match[1];
    const params = match[2] ?? '';
    const rel = /rel\s*=\s*"?([^";,]+)"?/i.exec(params)?.[1];
    if (!target || !rel) continue;
    try {
      for (const name of rel.trim().split(/\s+/)) links.set(name.toLowerCase(), new URL(target));
    } catch {
      // An unreadable link is as good as none; Total/Per-Page still tell whether more follows.
    }
  }
  return links;
}

/** Reads the paging headers of one answer into a Page (its records already read, `unreadable` those that could not be). */
export function pageFromHeaders<T>(
  items: T[],
  page: number,
  requestedPerPage: number,
  headers: IncomingHttpHeaders,
  details: ApiErrorDetails,
  unreadable: UnreadableRecord[] = [],
): Page<T> {
  const received = items.length + unreadable.length;
  const total = wholeNumber(header(headers, 'total'));
  const perPage = wholeNumber(header(headers, 'per-page')) ?? requestedPerPage;
  const linkHeader = header(headers, 'link');
  let hasNext: boolean;
  let nextPage: number | null = null;
  if (linkHeader !== undefined) {
    const next = parseLinkHeader(linkHeader).get('next');
    hasNext = next !== undefined;
    if (next) {
      const linked = wholeNumber(next.searchParams.get('page') ?? undefined);
      nextPage = linked ?? page + 1;
    }
  } else if (total !== null) {
    hasNext = page * perPage < total;
  } else {
    hasNext = received >= perPage && received > 0;
  }
  if (hasNext && nextPage === null) nextPage = page + 1;
  if (nextPage !== null && nextPage <= page) {
    throw new InvalidResponseError(details, `the next link points back to page ${nextPage} from page ${page}`);
  }
  return { items, unreadable, page, perPage, total, hasNext, nextPage };
}

/** Walks pages from `startPage` until the server says there is no next one. */
export async function* walkPages<T>(fetchPage: (page: number) => Promise<Page<T>>, startPage = 1): AsyncGenerator<Page<T>> {
  let pageNumber: number | null = startPage;
  while (pageNumber !== null) {
    const page: Page<T> = await fetchPage(pageNumber);
    yield page;
    pageNumber = page.hasNext ? page.nextPage : null;
  }
}

function wholeNumber(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : null;
}
