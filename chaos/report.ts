// The chaos run's report: the invariants as a table (PASS/FAIL, what was
// checked, the violations, the first few in words), then the fault tally
// (disruptions made, errors the simulators injected by kind, the changes and
// forms driven) and where the time went.
import type { RouteCount } from '../src/simulators/common/faults.js';
import { seconds } from '../bench/stack.js';
import type { InvariantResult } from './invariants.js';
import type { DisruptionKind } from './schedule.js';
import type { SettleStep } from './settle.js';

/** What one simulator answered with a fault: 5xx, 429, connections dropped, requests stalled, out of all requests. */
export interface InjectedCounts {
  requests: number;
  serverErrors: number;
  rateLimited: number;
  dropped: number;
  stalled: number;
}

export function injectedCounts(routes: Record<string, RouteCount>): InjectedCounts {
  const counts: InjectedCounts = { requests: 0, serverErrors: 0, rateLimited: 0, dropped: 0, stalled: 0 };
  for (const c of Object.values(routes)) {
    counts.requests += c.total;
    counts.dropped += c.dropped;
    counts.stalled += c.stalled ?? 0;
    for (const [status, n] of Object.entries(c.by_status)) {
      if (Number(status) >= 500) counts.serverErrors += n;
      if (status === '429') counts.rateLimited += n;
    }
  }
  return counts;
}

/** One disruption as it was made: when (s into the window), how long the server was down, when the API was healthy again. */
export interface DisruptionDone {
  kind: DisruptionKind;
  atMs: number;
  downMs: number;
  /** from the restart's end to the API's health check answering ok (null: not within a minute) */
  healthyAfterMs: number | null;
}

export interface ChaosTally {
  disruptions: DisruptionDone[];
  injected: { procore: InjectedCounts; corfix: InjectedCounts };
  changes: Record<string, number>;
  forms: { completed: number; edits: number };
}

export interface ChaosTimings {
  totalMs: number;
  /** connect to the integration active (the initial sync under chaos) */
  initialSyncMs: number | null;
  windowMs: number;
  settle: SettleStep[];
}


export function invariantTable(results: InvariantResult[], shown = 5): string[] {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = [`${'invariant'.padEnd(width)}  result  checked  violations`, `${'-'.repeat(width)}  ------  -------  ----------`];
  for (const r of results) {
    lines.push(`${r.name.padEnd(width)}  ${r.violations.length === 0 ? 'PASS  ' : 'FAIL  '}  ${String(r.checked).padEnd(7)}  ${r.violations.length}`);
    for (const v of r.violations.slice(0, shown)) lines.push(`    - ${v}`);
    if (r.violations.length > shown) lines.push(`    ... and ${r.violations.length - shown} more`);
  }
  return lines;
}

export function tallyLines(tally: ChaosTally): string[] {
  const count = (kind: DisruptionKind) => tally.disruptions.filter((d) => d.kind === kind).length;
  const recoveries = tally.disruptions.filter((d) => d.kind !== 'kill_worker');
  const injected = (name: string, c: InjectedCounts) =>
    `  ${name}: ${c.requests} requests; ${c.serverErrors} answered 5xx, ${c.rateLimited} answered 429, ${c.dropped} connections dropped, ${c.stalled} stalled` +
    ` (${((100 * (c.serverErrors + c.rateLimited + c.dropped + c.stalled)) / Math.max(1, c.requests)).toFixed(1)}%)`;
  return [
    `fault tally:`,
    `  worker SIGKILLs: ${count('kill_worker')}; Temporal dev server restarts: ${count('restart_temporal')}; Postgres restarts: ${count('restart_postgres')}`,
    ...recoveries.map(
      (d) =>
        `    ${d.kind === 'restart_temporal' ? 'Temporal' : 'Postgres'} down ${seconds(d.downMs)} at ${seconds(d.atMs)}; the API healthy again ${
          d.healthyAfterMs === null ? 'not within a minute' : `${seconds(d.healthyAfterMs)} after it came back`
        }`,
    ),
    `  injected by the simulators (5xx, 429, dropped and stalled requests, counted until the faults were turned off):`,
    injected('Procore', tally.injected.procore),
    injected('Corfix', tally.injected.corfix),
    `  Procore changes: ${Object.entries(tally.changes)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `  forms: ${tally.forms.completed} completed, ${tally.forms.edits} edits`,
  ];
}

export function timingLines(t: ChaosTimings): string[] {
  return [
    `timings: whole run ${seconds(t.totalMs)}; initial sync under chaos ${t.initialSyncMs === null ? 'did not end' : seconds(t.initialSyncMs)}; window ${seconds(t.windowMs)}`,
    ...t.settle.map((step) => `  settle: ${step.what}: ${step.reached ? 'yes' : 'NOT REACHED'} at ${seconds(step.afterMs)}`),
  ];
}
