// Procore's request budget per company, shared by every process
// (src/procore/shared-pacing.ts keeps the rules; this is their SQL). Each
// take and each release is one statement, atomic on the company's row: its
// row lock orders concurrent callers, and each one decides on the row as the
// one before it left it. Times come from the calling process's clock, the
// one that reads Procore's X-Rate-Limit-Reset.
import type { BudgetRelease, BudgetTake, BudgetTakeRequest, SharedRateBudgetStore } from '../../procore/shared-pacing.js';
import type { Database } from '../database.js';

/** A company whose row nobody touched for this long has nothing left to say: its window is long over. */
export const IDLE_BUDGET_MS = 24 * 60 * 60 * 1000;

/** Rows of idle companies cleared when a probe is granted (bounded, so that the grant stays quick). */
const IDLE_BUDGETS_CLEARED_AT_ONCE = 100;

// The row's window still counts (it resets after :overBefore, that is
// within the reset margin from now). NULL, and so false in a CASE, while
// the window is unknown.
const WINDOW_COUNTS = 'b.reset_at > :overBefore';

// A window that counts grants from its remaining budget; one that is over
// (or unknown) grants a single probe, unless another probe's lease is running,
// and starts a new epoch: permits of the old one, a dead process's
// included, no longer count as in flight.
const TAKE = `
WITH taken AS (
  INSERT INTO procore_rate_budgets AS b (company_id, epoch, in_flight, probe_until, updated_at)
  VALUES (:companyId, 1, 1, :probeUntil, :now)
  ON CONFLICT (company_id) DO UPDATE SET
    epoch = CASE WHEN ${WINDOW_COUNTS} THEN b.epoch ELSE b.epoch + 1 END,
    reset_at = CASE WHEN ${WINDOW_COUNTS} THEN b.reset_at END,
    request_limit = CASE WHEN ${WINDOW_COUNTS} THEN b.request_limit END,
    remaining = CASE WHEN ${WINDOW_COUNTS} THEN b.remaining - 1 END,
    in_flight = CASE WHEN ${WINDOW_COUNTS} THEN b.in_flight + 1 ELSE 1 END,
    probe_until = CASE WHEN ${WINDOW_COUNTS} THEN b.probe_until ELSE excluded.probe_until END,
    updated_at = excluded.updated_at
  WHERE CASE WHEN ${WINDOW_COUNTS} THEN b.remaining > :reserve
             ELSE b.probe_until IS NULL OR b.probe_until <= :now END
  RETURNING b.epoch, b.reset_at IS NULL AS probe
), cleared AS (
  DELETE FROM procore_rate_budgets WHERE company_id IN (
    SELECT company_id FROM procore_rate_budgets
     WHERE updated_at < :idleBefore AND company_id <> :companyId AND EXISTS (SELECT 1 FROM taken WHERE probe)
     LIMIT ${IDLE_BUDGETS_CLEARED_AT_ONCE}
     FOR UPDATE SKIP LOCKED)
)
SELECT 'granted' AS state, epoch, probe, NULL AS reset_at, NULL AS request_limit FROM taken
UNION ALL
-- Not granted: why, as the row stood in this statement's snapshot (taken
-- before it waited on the row's lock). What that row cannot explain, another
-- caller changed meanwhile: 'raced', ask again.
SELECT CASE WHEN ${WINDOW_COUNTS} AND b.remaining <= :reserve THEN 'spent'
            WHEN ${WINDOW_COUNTS} THEN 'raced'
            WHEN b.probe_until > :now THEN 'learning'
            ELSE 'raced' END,
       b.epoch, false, b.reset_at, b.request_limit
  FROM procore_rate_budgets b
 WHERE b.company_id = :companyId AND NOT EXISTS (SELECT 1 FROM taken)`;

// 1 when the permit belongs to the row's epoch (it is still counted in flight), else 0.
const PERMIT_COUNTED = '(CASE WHEN b.epoch = :epoch THEN 1 ELSE 0 END)';
// The server counted this request; the others still in flight it may not have counted yet.
const SEEN_REMAINING = `greatest(0, :observedRemaining - (b.in_flight - ${PERMIT_COUNTED}))`;
// A response teaches a window that is not over: a new one where none counts,
// else only a lower count (responses overtake one another).
const ADOPT_OBSERVED = `(CAST(:observedResetAt AS timestamptz) > CAST(:overBefore AS timestamptz)
  AND (b.reset_at IS NULL OR b.reset_at <= :overBefore OR ${SEEN_REMAINING} < b.remaining))`;

const RELEASE = `
UPDATE procore_rate_budgets AS b SET
  in_flight = b.in_flight - ${PERMIT_COUNTED},
  probe_until = CASE WHEN ${PERMIT_COUNTED} = 1 AND CAST(:probe AS boolean) THEN NULL ELSE b.probe_until END,
  reset_at = CASE WHEN ${ADOPT_OBSERVED} THEN CAST(:observedResetAt AS timestamptz) ELSE b.reset_at END,
  request_limit = CASE WHEN ${ADOPT_OBSERVED} THEN CAST(:observedLimit AS integer) ELSE b.request_limit END,
  remaining = CASE WHEN ${ADOPT_OBSERVED} THEN ${SEEN_REMAINING} ELSE b.remaining END,
  updated_at = :now
WHERE b.company_id = :companyId`;

interface TakeRow {
  state: 'granted' | 'spent' | 'learning' | 'raced';
  epoch: string;
  probe: boolean;
  reset_at: Date | null;
  request_limit: number | null;
}

/** Procore's headers can say anything; the columns hold 32-bit counts, and more than that is plenty. */
const asCount = (n: number) => Math.min(n, 2_147_483_647);

/** One turn on the company's budget: granted (from the window, or as its probe), or why not. */
export async function takeProcoreRateBudget(db: Database, request: BudgetTakeRequest): Promise<BudgetTake> {
  const { rows } = await db.raw<{ rows: TakeRow[] }>(TAKE, {
    companyId: request.companyId,
    now: new Date(request.nowMs),
    overBefore: new Date(request.nowMs - request.resetMarginMs),
    reserve: request.reserve,
    probeUntil: new Date(request.probeUntilMs),
    idleBefore: new Date(request.nowMs - IDLE_BUDGET_MS),
  });
  const [row] = rows;
  // No row: another caller's first take created it after this statement's snapshot.
  if (!row) return { kind: 'raced' };
  switch (row.state) {
    case 'granted':
      return { kind: 'granted', ticket: { epoch: String(row.epoch), probe: row.probe } };
    case 'spent':
      return { kind: 'spent', resetAtMs: (row.reset_at as Date).getTime(), limit: row.request_limit as number };
    case 'learning':
    case 'raced':
      return { kind: row.state };
  }
}

/** A permit's request is over: it leaves the in-flight count (of its epoch), and its response's headers are learned. */
export async function releaseProcoreRateBudget(db: Database, release: BudgetRelease): Promise<void> {
  const { observed } = release;
  await db.raw(RELEASE, {
    companyId: release.companyId,
    epoch: release.ticket.epoch,
    probe: release.ticket.probe,
    now: new Date(release.nowMs),
    overBefore: new Date(release.nowMs - release.resetMarginMs),
    observedResetAt: observed ? new Date(observed.resetAtMs) : null,
    observedLimit: observed ? asCount(observed.limit) : null,
    observedRemaining: observed ? asCount(observed.remaining) : null,
  });
}

/** The budget store of a process's database, for SharedRatePacer. */
export function procoreRateBudgetStore(db: Database): SharedRateBudgetStore {
  return {
    take: (request) => takeProcoreRateBudget(db, request),
    release: (release) => releaseProcoreRateBudget(db, release),
  };
}
