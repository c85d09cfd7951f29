// Reading Procore's lists a page at a time, for the initial sync and the
// continuous syncs alike: the page at a size Procore answers in time, every
// page of a Corfix list, and the records Procore sent that could not be read.
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/database.js';
import { findIntegration, rememberProcorePageSize, type Integration, type ProcoreList } from '../db/repositories/integrations.js';
import { recordOutcomes, recordUnreadableRecords } from '../db/repositories/sync-outcomes.js';
import { UnavailableError } from '../http/errors.js';
import type { Logger } from '../logger.js';
import { PAGE_SIZES } from '../procore/client.js';
import type { PageResult } from './initial-sync-types.js';
import { halvedPageSize, pageAtSize, PROCORE_DEFAULT_PER_PAGE, type Page } from '../procore/pagination.js';

/** A page to read: its number, and the size that number counts in (null: the list's largest). */
export interface PageRequest {
  page: number;
  perPage?: number | null;
}

export async function loadIntegration(db: Database, integrationId: string): Promise<Integration> {
  const integration = await findIntegration(db, integrationId);
  if (!integration) {
    throw ApplicationFailure.nonRetryable(`integration ${integrationId} no longer exists`, 'IntegrationGone');
  }
  return integration;
}

/** Where a retried page picks up: after the last entity the failed attempt finished. */
export function remainingAfter<T extends { id: string }>(items: T[], resumeAfterId: string | null | undefined): T[] {
  if (!resumeAfterId) return items;
  const at = items.findIndex((item) => item.id === resumeAfterId);
  // The page changed since (records moved): doing it all again is safe, every step is idempotent.
  return at === -1 ? items : items.slice(at + 1);
}

export function nextPageOf(page: Page<unknown>): number | null {
  return page.hasNext ? (page.nextPage ?? page.page + 1) : null;
}

/** How many pages the list has at this page's size, when Procore said how many records it holds (its Total header). */
export function totalPagesOf(page: Page<unknown>): number | null {
  return page.total === null ? null : Math.max(1, Math.ceil(page.total / page.perPage));
}

/** A walked page's result for its workflow: what follows it, the entities decided so far, and how many were made. */
export const pageResultOf = (page: Page<unknown>, entitiesDone: number, created: number): PageResult => ({
  nextPage: nextPageOf(page),
  perPage: page.perPage,
  totalPages: totalPagesOf(page),
  entitiesInPage: page.items.length,
  entitiesDone,
  created,
});

export const LARGEST_PAGE: Record<ProcoreList, number> = {
  projects: PAGE_SIZES.projects,
  active: PAGE_SIZES.activeUsers,
  inactive: PAGE_SIZES.inactiveUsers,
};


export function createProcorePageTools(deps: { db: Database; logger: Logger }) {
  const { db, logger } = deps;

  /**
   * The page of `input` at the size the integration can be answered in: the
   * size `input.page` counts in, or the smaller one remembered for the list.
   * A 408 on a page above Procore's default size halves the size (the page
   * number recomputed so that no record is skipped), remembers it for the
   * integration and asks again; at the default size a 408 is an ordinary
   * retryable failure.
   */
  async function fetchProcorePage<T>(
    integration: Pick<Integration, 'id' | 'procorePageSizes'>,
    list: ProcoreList,
    input: PageRequest,
    fetch: (page: number, perPage: number) => Promise<Page<T>>,
    // A preview remembers its page sizes on its own row.
    rememberPageSize: (list: ProcoreList, perPage: number) => Promise<void> = (l, size) => rememberProcorePageSize(db, integration.id, l, size),
  ): Promise<Page<T>> {
    const countedIn = input.perPage ?? LARGEST_PAGE[list];
    let perPage = Math.min(countedIn, integration.procorePageSizes[list] ?? LARGEST_PAGE[list]);
    let page = pageAtSize(input.page, countedIn, perPage);
    for (;;) {
      try {
        return await fetch(page, perPage);
      } catch (error) {
        if (!(error instanceof UnavailableError && error.status === 408) || perPage <= PROCORE_DEFAULT_PER_PAGE) throw error;
        const smaller = halvedPageSize(perPage);
        page = pageAtSize(page, perPage, smaller);
        perPage = smaller;
        await rememberPageSize(list, perPage);
        logger.warn({ integrationId: integration.id, list, perPage, page }, 'Procore timed out on a large page; asking smaller pages');
      }
    }
  }

  /** Every page of a Corfix list; each page answered is progress. */
  async function allOf<T>(pages: AsyncIterable<{ data: T[] }>, progressed: () => void): Promise<T[]> {
    const all: T[] = [];
    for await (const page of pages) {
      all.push(...page.data);
      progressed();
    }
    return all;
  }

  /**
   * Records Procore could send but the client could not read: with an id,
   * an `invalid_record` report row naming the field; without, a count (and a
   * log line: place, field and zod's words, never a value).
   */
  async function reportUnreadable(
    integrationId: string,
    entity: 'project' | 'user',
    list: 'projects' | 'active_users' | 'inactive_users',
    page: Page<unknown>,
  ): Promise<void> {
    const withId = page.unreadable.flatMap((r) => (r.id === null ? [] : [{ ...r, id: r.id }]));
    await recordOutcomes(
      db,
      integrationId,
      withId.map((r) => ({ entity, procoreId: r.id, outcome: 'skipped', reason: 'invalid_record', field: r.field, corfixId: null })),
    );
    const withoutId = page.unreadable.filter((r) => r.id === null);
    for (const r of withoutId) {
      logger.warn(
        { integrationId, list, page: page.page, position: r.index, field: r.field, problem: r.problem },
        'a Procore record without a readable id was left out of the sync',
      );
    }
    await recordUnreadableRecords(
      db,
      integrationId,
      withoutId.map((r) => ({ entity, list, page: page.page, position: r.index, field: r.field, problem: r.problem })),
    );
  }

  return { fetchProcorePage, allOf, reportUnreadable };
}
