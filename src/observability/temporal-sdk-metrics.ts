// The Temporal SDK's own metrics (its requests to the server, pollers, task
// slots, workflow and activity task latencies, completions and failures), in
// Prometheus' text format for the process's /metrics, under the names
// Temporal documents (`temporal_` prefix, durations in seconds).
// The SDK's Runtime hands them over through its buffered exporter
// (`telemetryOptions.metrics.buffer`, installed in src/temporal/runtime-logger.ts)
// rather than serving them on a port of its own: the process keeps one
// /metrics, and no second port has to be found, bound and proxied. The buffer
// is drained every second (and at each scrape) into the totals kept here.
import { MetricsBuffer, type BufferedMetricUpdate } from '@temporalio/worker';

/** How often the SDK's buffer is drained; it holds 10,000 updates, far more than a second's worth. */
const DRAIN_INTERVAL_MS = 1_000;

/** Buckets of the histograms in seconds (task latencies: milliseconds to minutes). */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Buckets of any other histogram (counts). */
const COUNT_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 5_000];

interface Series {
  labels: string;
  value: number;
  /** histograms: observations at or below each bound (cumulative, as Prometheus shows them) */
  buckets?: number[];
  count?: number;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  bounds: readonly number[];
  series: Map<string, Series>;
}

const TYPE_OF_KIND = { counter: 'counter', 'up-down-counter': 'gauge', gauge: 'gauge', histogram: 'histogram' } as const;

const metricName = (name: string) => name.replace(/[^a-zA-Z0-9_:]/g, '_').replace(/^([0-9])/, '_$1');
const labelName = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/^([0-9])/, '_$1');
const labelValue = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const helpText = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `{a="1",b="x"}` in name order; '' without labels. */
function renderLabels(attributes: Record<string, string | number | boolean>): string {
  const pairs = Object.entries(attributes)
    .map(([name, value]) => [labelName(name), String(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return pairs.length === 0 ? '' : `{${pairs.map(([name, value]) => `${name}="${labelValue(value)}"`).join(',')}}`;
}

const withLabel = (labels: string, name: string, value: string) =>
  labels === '' ? `{${name}="${value}"}` : `${labels.slice(0, -1)},${name}="${value}"}`;

export class SdkMetrics {
  /** Given to the SDK's Runtime once per process (it is bound to the Runtime, and again if the Runtime is made anew). */
  readonly buffer = new MetricsBuffer({ useSecondsForDurations: true });
  private readonly families = new Map<string, Family>();
  private timer: NodeJS.Timeout | undefined;

  /** Drains the buffer every second for the life of the process (without keeping it alive). */
  startDraining(): void {
    this.timer ??= setInterval(() => this.drain(), DRAIN_INTERVAL_MS).unref();
  }

  drain(): void {
    for (const update of this.buffer.retrieveUpdates()) this.absorb(update);
  }

  /** One update: a counter's increment, a gauge's value, a histogram's observation. */
  absorb(update: BufferedMetricUpdate): void {
    const { metric } = update;
    const name = metricName(metric.name);
    let family = this.families.get(name);
    if (!family) {
      const type = TYPE_OF_KIND[metric.kind];
      family = {
        name,
        help: metric.description || metric.name,
        type,
        bounds: metric.unit === 's' ? SECONDS_BUCKETS : COUNT_BUCKETS,
        series: new Map(),
      };
      this.families.set(name, family);
    }
    const labels = renderLabels(update.attributes);
    let series = family.series.get(labels);
    if (!series) {
      series = { labels, value: 0, ...(family.type === 'histogram' ? { buckets: family.bounds.map(() => 0), count: 0 } : {}) };
      family.series.set(labels, series);
    }
    if (metric.kind === 'gauge') series.value = update.value;
    else series.value += update.value;
    const { buckets } = series;
    if (buckets) {
      series.count = (series.count ?? 0) + 1;
      family.bounds.forEach((bound, i) => {
        if (update.value <= bound) buckets[i] = (buckets[i] ?? 0) + 1;
      });
    }
  }

  /** Every metric seen so far, in Prometheus' text format (0.0.4); '' before the SDK reported any. */
  text(): string {
    this.drain();
    const blocks = [...this.families.values()].map((family) => {
      const lines = [`# HELP ${family.name} ${helpText(family.help)}`, `# TYPE ${family.name} ${family.type}`];
      for (const series of family.series.values()) {
        const { buckets } = series;
        if (!buckets) {
          lines.push(`${family.name}${series.labels} ${series.value}`);
          continue;
        }
        family.bounds.forEach((bound, i) => lines.push(`${family.name}_bucket${withLabel(series.labels, 'le', String(bound))} ${buckets[i] ?? 0}`));
        lines.push(`${family.name}_bucket${withLabel(series.labels, 'le', '+Inf')} ${series.count}`);
        lines.push(`${family.name}_sum${series.labels} ${series.value}`);
        lines.push(`${family.name}_count${series.labels} ${series.count}`);
      }
      return lines.join('\n');
    });
    return blocks.length === 0 ? '' : `${blocks.join('\n\n')}\n`;
  }
}

/** The process's: the SDK's Runtime is one per process. */
export const sdkMetrics = new SdkMetrics();
