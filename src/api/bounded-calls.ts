// Calls to another system made while a request waits, bounded in time.
// Postgres holds what was decided before any of them is made, and the
// workflows read it there at each run, so a call that fails or is late loses
// nothing: it is logged and the request answers anyway (saying whether
// Temporal was told).
import type { Client } from '@temporalio/client';

/** How long a webhook waits for Temporal: Procore wants an answer within seconds, and the inbox row waits for the next cycle anyway. */
export const WEBHOOK_TEMPORAL_MS = 500;
/** How long an operator's request waits for Temporal (a few calls, each normally a few milliseconds). */
export const CONTROL_TEMPORAL_MS = 3_000;

export interface WarnLog {
  warn(details: object, message: string): void;
}

export type Settled = { outcome: 'done' } | { outcome: 'late' } | { outcome: 'failed'; error: unknown };

/**
 * How `work` settled within `ms`. It is not stopped when late (the caller
 * decides what may go on); its failure is caught either way, so nothing is
 * left unhandled.
 */
export async function settleWithin(work: Promise<unknown>, ms: number): Promise<Settled> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Settled>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'late' }), ms);
  });
  const settled = work.then(
    (): Settled => ({ outcome: 'done' }),
    (error: unknown): Settled => ({ outcome: 'failed', error }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs Temporal `calls` within `ms`; true when they finished in time, else
 * logged at warn with `context` (ids only). The gRPC deadline ends the calls
 * themselves, so none is left waiting on a Temporal that does not answer; the
 * timer bounds the answer, since the client's own retries may outlast the deadline.
 */
export async function tellTemporal(
  temporal: Client,
  logger: WarnLog,
  what: { ms: number; context: Record<string, string>; message: string },
  calls: () => Promise<unknown>,
): Promise<boolean> {
  const settled = await settleWithin(temporal.withDeadline(Date.now() + what.ms, calls), what.ms);
  if (settled.outcome === 'done') return true;
  logger.warn(
    { ...what.context, ...(settled.outcome === 'late' ? { timeoutMs: what.ms } : { err: settled.error }) },
    `${what.message} (Temporal ${settled.outcome === 'late' ? 'did not answer in time' : 'refused or failed'})`,
  );
  return false;
}
