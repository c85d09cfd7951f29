// The chaos run's disruptions, as a pure function of the seed: when the
// worker is SIGKILLed and when the Temporal dev server and Postgres are
// restarted (and for how long they stay down). The same seed gives the same
// schedule, so a run that found something can be run again as it was.
import { SeededRandom } from '../src/simulators/common/random.js';

export type DisruptionKind = 'kill_worker' | 'restart_temporal' | 'restart_postgres';

export interface Disruption {
  /** ms after the chaos window opens (the connect) */
  atMs: number;
  kind: DisruptionKind;
  /** how long a restarted server stays down (0 for a kill: the worker is started again at once) */
  downMs: number;
}

export interface ScheduleOptions {
  windowMs: number;
  kills: number;
  temporalRestarts: number;
  postgresRestarts: number;
  /** the longest a restarted server stays down; each draws between a quarter of it and all of it */
  maxDownMs: number;
}

/**
 * The window is cut into one slot per disruption; each falls at a seeded
 * moment in the middle 70% of its slot (so two are at least 30% of a slot
 * apart, and the service has time to get going between them), and which
 * slot gets which kind is a seeded shuffle. Sorted by time.
 */
export function faultSchedule(seed: number, options: ScheduleOptions): Disruption[] {
  const { windowMs, kills, temporalRestarts, postgresRestarts, maxDownMs } = options;
  for (const [name, value] of Object.entries({ kills, temporalRestarts, postgresRestarts })) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number from 0, not ${value}`);
  }
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be above 0, not ${windowMs}`);
  const random = new SeededRandom(seed);
  const kinds: DisruptionKind[] = [
    ...Array<DisruptionKind>(kills).fill('kill_worker'),
    ...Array<DisruptionKind>(temporalRestarts).fill('restart_temporal'),
    ...Array<DisruptionKind>(postgresRestarts).fill('restart_postgres'),
  ];
  // Fisher-Yates with the seeded generator.
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random.next() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j] as DisruptionKind, kinds[i] as DisruptionKind];
  }
  const slotMs = windowMs / Math.max(1, kinds.length);
  return kinds.map((kind, slot) => ({
    atMs: Math.round(slot * slotMs + slotMs * (0.15 + 0.7 * random.next())),
    kind,
    downMs: kind === 'kill_worker' ? 0 : Math.round(maxDownMs * (0.25 + 0.75 * random.next())),
  }));
}

/** How many of each kind a schedule holds. */
export function countByKind(schedule: readonly Disruption[]): Record<DisruptionKind, number> {
  const counts: Record<DisruptionKind, number> = { kill_worker: 0, restart_temporal: 0, restart_postgres: 0 };
  for (const d of schedule) counts[d.kind] += 1;
  return counts;
}
