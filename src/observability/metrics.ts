// The service's Prometheus metrics, one registry per process, served on
// /metrics (src/api/routes/metrics.ts): our counters, prom-client's process
// metrics, and the Temporal SDK's own (./temporal-sdk-metrics.ts).
// Each fact is counted where it happens, once:
//   entities synced     where an outcome row is written (the sync report's repositories)
//   Procore rate limits where an answer is classified (src/procore/transport.ts)
//   upload failures     where a form's upload attempt fails (src/activities/form-upload.ts)
//   webhook events      when a delivery is answered (src/api/webhook-metrics.ts)
// The registry is the module's, not handed down through the dependency
// objects: those facts are seen in repositories, the Procore transport (four
// levels below the service) and route plugins, and threading one object to
// all of them would change most constructors and every test that builds
// them, for what is one per process anyway (like the SDK's Runtime).
// Labels carry ids and codes only: never a name, an email or a message.
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { sdkMetrics } from './temporal-sdk-metrics.js';

const registry = new Registry();

const entitiesSynced = new Counter({
  name: 'corfix_procore_entities_synced_total',
  help: 'Sync decisions recorded in the sync report, by entity (project, user, form), outcome and reason code',
  labelNames: ['entity', 'outcome', 'reason'] as const,
  registers: [registry],
});

const procoreRateLimited = new Counter({
  name: 'corfix_procore_procore_rate_limited_total',
  help: "Procore answers asking the service to slow down (429, or 503 with Retry-After), by Procore company id and status",
  labelNames: ['company_id', 'status'] as const,
  registers: [registry],
});

const formUploadFailures = new Counter({
  name: 'corfix_procore_form_upload_failures_total',
  help: "Failed attempts to file a form in Procore, by reason (the failure's kind); a form given up on is also reported as entities_synced{entity=\"form\",outcome=\"failed\"}",
  labelNames: ['reason'] as const,
  registers: [registry],
});

const webhookEvents = new Counter({
  name: 'corfix_procore_webhook_events_total',
  help: 'Webhook deliveries answered, by source (procore, corfix), result (received, duplicate, ignored, rejected, failed) and reason',
  labelNames: ['source', 'result', 'reason'] as const,
  registers: [registry],
});

export type WebhookSource = 'procore' | 'corfix';

export interface WebhookResult {
  result: 'received' | 'duplicate' | 'ignored' | 'rejected' | 'failed';
  /** why it was ignored, rejected or failed; '' when received */
  reason: string;
}

/** The counting side: one call where each fact happens. */
export const serviceMetrics = {
  /** `count` outcome rows written with this entity, outcome and reason */
  outcomesRecorded(entity: string, outcome: string, reason: string, count = 1): void {
    if (count > 0) entitiesSynced.inc({ entity, outcome, reason }, count);
  },
  procoreRateLimited(companyId: string, status: number): void {
    procoreRateLimited.inc({ company_id: companyId, status: String(status) });
  },
  formUploadFailed(reason: string): void {
    formUploadFailures.inc({ reason });
  },
  webhookAnswered(source: WebhookSource, answered: WebhookResult): void {
    webhookEvents.inc({ source, result: answered.result, reason: answered.reason });
  },
};

let processMetrics = false;

/** prom-client's process metrics (CPU, memory, event loop lag, handles), from the first /metrics served on. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}

/** The Prometheus text exposition format's content type. */
export const METRICS_CONTENT_TYPE = registry.contentType;

/** Everything /metrics shows: the registry's metrics, then the Temporal SDK's (none in a process without a worker). */
export async function metricsText(): Promise<string> {
  return `${await registry.metrics()}${sdkMetrics.text()}`;
}
