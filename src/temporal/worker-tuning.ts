// How many activities one worker runs at once, derived from its Postgres pool
// (DATABASE_POOL_MAX) so that the pages in flight cannot starve the pool.
//
// A page activity (src/activities/entity-page.ts) runs up to C Corfix creates
// at once (CORFIX_CREATE_CONCURRENCY, default 16), with up to 2 x C entities in
// flight: while C of them wait on Corfix, the others write their attempt,
// snapshot keys, link and report row, one query after the other. Nothing
// holds a connection across an API call (no transaction spans one).
//
// Temporal's default (100 activities) would let hundreds of queries queue for
// a pool of 20. Instead N = floor(pool x POOL_OVERSUBSCRIPTION / C), so
//   pages in flight x creates per page = N x C <= pool x 4:
// while the creates are in flight, at most 4 queries want each connection;
// at worst (every entity of every page writing at the same instant) 8, i.e.
// a query waits behind at most 7 others, a few milliseconds (a create's
// writes take milliseconds, its Corfix request far longer). Default pool 20
// and C = 16 -> 5 pages at once; raise DATABASE_POOL_MAX to run more. The
// floor of 1 needs C <= pool x 4, which src/config.ts enforces.
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
import { DEFAULT_CORFIX_CREATE_CONCURRENCY, POOL_OVERSUBSCRIPTION } from '../config.js';


/** The worker's maxConcurrentActivityTaskExecutions for a pool of `poolMax` connections and `createsInFlight` per page. */
export function activityConcurrencyFor(poolMax: number, createsInFlight = DEFAULT_CORFIX_CREATE_CONCURRENCY): number {
  return Math.max(1, Math.floor((poolMax * POOL_OVERSUBSCRIPTION) / createsInFlight));
}
