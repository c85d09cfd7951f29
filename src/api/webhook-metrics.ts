// Counts each webhook delivery once, when it has been answered
// (corfix_procore_webhook_events_total): what the route decided, noted on the
// way (an answer, a refused signature), else what the answer's status says
// (a body the schema refused, a bearer token refused before the route).
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { UnsafeIntegerError } from './json-body.js';
import { serviceMetrics, type WebhookResult, type WebhookSource } from '../observability/metrics.js';

/** What a 2xx answer of a webhook route says about the event. */
export function resultOfAnswer(answer: { duplicate?: boolean; ignored?: string }): WebhookResult {
  if (answer.ignored !== undefined) return { result: 'ignored', reason: answer.ignored };
  return answer.duplicate ? { result: 'duplicate', reason: '' } : { result: 'received', reason: '' };
}

function resultOfError(error: FastifyError): WebhookResult {
  if (hasZodFastifySchemaValidationErrors(error) || error instanceof UnsafeIntegerError) return { result: 'rejected', reason: 'invalid_body' };
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError) return { result: 'rejected', reason: 'invalid_json' };
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return { result: 'rejected', reason: 'bad_request' };
  return { result: 'failed', reason: 'internal_error' };
}

function resultOfStatus(status: number): WebhookResult {
  if (status < 300) return { result: 'received', reason: '' };
  if (status === 401) return { result: 'rejected', reason: 'unauthorized' };
  if (status >= 500) return { result: 'failed', reason: `status_${status}` };
  return { result: 'rejected', reason: `status_${status}` };
}

/**
 * Counting for the webhook routes of the plugin `app` (call it in the plugin):
 * `note` records what the route decided for a request; every answered
 * request is counted once, after its answer.
 */
export function countWebhookDeliveries(app: FastifyInstance, source: WebhookSource): { note(request: FastifyRequest, result: WebhookResult): void } {
  const noted = new WeakMap<FastifyRequest, WebhookResult>();
  app.addHook('onError', async (request, _reply, error) => {
    if (!noted.has(request)) noted.set(request, resultOfError(error));
  });
  app.addHook('onResponse', async (request, reply) => {
    serviceMetrics.webhookAnswered(source, noted.get(request) ?? resultOfStatus(reply.statusCode));
  });
  return { note: (request, result) => void noted.set(request, result) };
}
