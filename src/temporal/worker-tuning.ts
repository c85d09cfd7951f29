// How many activities one worker runs at once, derived from its Postgres pool
// (DATABASE_POOL_MAX) so that the pages in flight cannot starve the pool.
//
// A page activity (src/activities/entity-page.ts) runs up to
// CORFIX_CREATE_CONCURRENCY (8) Corfix creates at once; each create writes its
// link and then its report row, one query after the other, and nothing holds a
// connection across an API call (no transaction spans one). So one page wants
// at most 8 connections at any instant, and N pages at most 8 x N.
//
// Temporal's default (100 activities) would let 800 queries queue for a pool
// of 10. Instead N = floor(pool x POOL_OVERSUBSCRIPTION / 8), so
//   pages in flight x creates per page = N x 8 <= pool x 4:
// at worst 4 queries want each connection, i.e. a query waits behind at most
// 3 others per connection (a few milliseconds: a create's writes take
// milliseconds, its Corfix request far longer, so a create holds a connection
// for well under a quarter of its time). Default pool 10 -> 5 pages at once;
// raise DATABASE_POOL_MAX to run more. The floor of 1 needs pool >= 2 to keep
// the bound (1 x 8 <= 2 x 4), which src/config.ts enforces.
//
// One exception holds a connection across API calls: a form upload holds its
// project's lock (a transaction, src/db/repositories/procore-folders.ts) while
// it creates a Procore folder or file, and writes its intent and record over a
// second connection meanwhile; the others of the project wait, holding one
// connection each. N <= pool / 2, so at worst N - 1 waiting plus 2 for the
// holder = N + 1 <= pool connections: the holder is never starved.
//
// Every Procore call also takes a connection for a moment to take its turn
// on the company's budget and another to hand it back
// (src/db/repositories/procore-rate-budgets.ts), one statement each, never
// across the call: they queue with the other short queries and hold nothing.
import { CORFIX_CREATE_CONCURRENCY } from '../activities/entity-page.js';

/** Queries (from page activities) that may want one pooled connection at once, at worst. */
export const POOL_OVERSUBSCRIPTION = 4;

/** The worker's maxConcurrentActivityTaskExecutions for a pool of `poolMax` connections. */
export function activityConcurrencyFor(poolMax: number): number {
  return Math.max(1, Math.floor((poolMax * POOL_OVERSUBSCRIPTION) / CORFIX_CREATE_CONCURRENCY));
}
