// The schemas of POST /webhooks/corfix: the contract's webhook body
// (contracts/corfix-api.yaml, Webhooks) and our answer. Not strict: Corfix
// may add fields. Its ids go into URLs and workflow ids, so they take the
// same conservative shape as account ids.
import { z } from 'zod';
import { CORFIX_ACCOUNT_ID, corfixAccountIdMessage, corfixId } from './integrations.js';

/** revisions are Postgres integers */
const MAX_REVISION = 2_147_483_647;

export const corfixWebhookBody = z.object({
  event_id: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(255, 'is too long')
    // Postgres text holds neither (a NUL fails the insert; lone surrogates all become U+FFFD, merging distinct ids).
    // The NUL as a pattern (the OpenAPI document carries it); the surrogates as a check, since engines that
    // work in UTF-8 (schemathesis' among them) cannot even write one in a pattern.
    .regex(/^[^\u0000]*$/, 'must not contain a NUL character')
    .refine((id) => !/\p{Cs}/u.test(id), 'must not contain a lone surrogate')
    .describe('shared by every delivery of one event: the inbox dedupes on it'),
  event_type: z.enum(['form.completed', 'form.updated'], { error: 'must be form.completed or form.updated' }),
  account_id: z.string({ error: 'must be a string' }).regex(CORFIX_ACCOUNT_ID, corfixAccountIdMessage),
  form_id: corfixId('a Corfix form id'),
  project_id: corfixId('a Corfix project id'),
  revision: z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_REVISION, `must be at most ${MAX_REVISION}`),
  occurred_at: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time' }),
});
export type CorfixWebhookDelivery = z.output<typeof corfixWebhookBody>;

export const corfixWebhookAnswer = z.union([
  z.object({
    received: z.literal(true),
    duplicate: z.boolean().describe('the event was delivered before'),
    queued: z
      .boolean()
      .describe('true: Temporal did not answer in time; the event waits in the inbox and the reconciler hands it over within RECONCILE_INTERVAL'),
  }),
  z.object({
    received: z.literal(true),
    ignored: z.literal('sync_forms_off').describe('Sync Forms to Procore is off for this integration: nothing is uploaded'),
  }),
]);
