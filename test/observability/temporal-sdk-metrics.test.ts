// The Temporal SDK's buffered metric updates, shown in Prometheus' text format.
import type { BufferedMetricUpdate } from '@temporalio/worker';
import { SdkMetrics } from '../../src/observability/temporal-sdk-metrics.js';

const update = (
  metric: Partial<BufferedMetricUpdate['metric']> & Pick<BufferedMetricUpdate['metric'], 'name' | 'kind'>,
  value: number,
  attributes: Record<string, string | number | boolean>,
): BufferedMetricUpdate => ({ metric: { valueType: 'int', description: `${metric.name} help`, ...metric }, value, attributes });

test('counters add up, gauges keep the last value, histograms count into cumulative buckets, per label set', () => {
  const metrics = new SdkMetrics();
  const completed = { name: 'temporal_workflow_completed', kind: 'counter' } as const;
  metrics.absorb(update(completed, 1, { workflow_type: 'InitialSync', task_queue: 'q' }));
  metrics.absorb(update(completed, 2, { task_queue: 'q', workflow_type: 'InitialSync' }));
  metrics.absorb(update(completed, 1, { task_queue: 'q', workflow_type: 'ConnectIntegration' }));
  const slots = { name: 'temporal_worker_task_slots_available', kind: 'gauge' } as const;
  metrics.absorb(update(slots, 5, { worker_type: 'ActivityWorker' }));
  metrics.absorb(update(slots, 3, { worker_type: 'ActivityWorker' }));
  const latency = { name: 'temporal_activity_execution_latency', kind: 'histogram', unit: 's' } as const;
  metrics.absorb(update(latency, 0.02, { activity_type: 'syncPage' }));
  metrics.absorb(update(latency, 3, { activity_type: 'syncPage' }));

  const text = metrics.text();
  expect(text).toContain('# TYPE temporal_workflow_completed counter');
  expect(text).toContain('temporal_workflow_completed{task_queue="q",workflow_type="InitialSync"} 3');
  expect(text).toContain('temporal_workflow_completed{task_queue="q",workflow_type="ConnectIntegration"} 1');
  expect(text).toContain('# TYPE temporal_worker_task_slots_available gauge');
  expect(text).toContain('temporal_worker_task_slots_available{worker_type="ActivityWorker"} 3');
  expect(text).toContain('# TYPE temporal_activity_execution_latency histogram');
  expect(text).toContain('temporal_activity_execution_latency_bucket{activity_type="syncPage",le="0.01"} 0');
  expect(text).toContain('temporal_activity_execution_latency_bucket{activity_type="syncPage",le="0.025"} 1');
  expect(text).toContain('temporal_activity_execution_latency_bucket{activity_type="syncPage",le="5"} 2');
  expect(text).toContain('temporal_activity_execution_latency_bucket{activity_type="syncPage",le="+Inf"} 2');
  expect(text).toContain('temporal_activity_execution_latency_sum{activity_type="syncPage"} 3.02');
  expect(text).toContain('temporal_activity_execution_latency_count{activity_type="syncPage"} 2');
});

test('label values are escaped and names made valid; nothing is shown before the SDK reports', () => {
  const metrics = new SdkMetrics();
  expect(metrics.text()).toBe('');
  metrics.absorb(update({ name: 'temporal_request.failure', kind: 'up-down-counter' }, 2, { 'rpc-name': 'a"b\\c\nd' }));
  metrics.absorb(update({ name: 'temporal_request.failure', kind: 'up-down-counter' }, -1, { 'rpc-name': 'a"b\\c\nd' }));
  const text = metrics.text();
  expect(text).toContain('# TYPE temporal_request_failure gauge');
  expect(text).toContain('temporal_request_failure{rpc_name="a\\"b\\\\c\\nd"} 1');
});
