// The schemas of POST /webhooks/procore: Procore's v2 payload (docs/procore-api.md,
// Webhooks) and our answer. Not strict: Procore adds fields of its own.
// Ids are kept as strings, whether they came as JSON numbers or strings.
import { z } from 'zod';
import { procoreId } from './integrations.js';

/** Crockford base 32, 26 characters (time, then randomness). */
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

export const procoreWebhookBody = z.object({
  id: procoreId('the event id').optional(),
  // Upper-cased so that one event never counts as two in the inbox.
  ulid: z
    .string()
    .regex(ULID, 'must be a ULID (26 characters of Crockford base 32)')
    .transform((u) => u.toUpperCase())
    .describe('the event id that deliveries of one event share: the inbox dedupes on it'),
  timestamp: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date and time' }),
  user_id: procoreId('a Procore user id').nullable().optional(),
  company_id: procoreId('a Procore company id'),
  project_id: procoreId('a Procore project id').nullable().optional(),
  api_version: z.literal('v2', { error: 'must be v2 (the hook is registered with api_version v2)' }),
  event_type: z.enum(['create', 'update', 'delete'], { error: 'must be create, update or delete' }),
  resource_name: z.string().min(1, 'must not be empty').max(200, 'is too long'),
  resource_id: procoreId('a Procore record id'),
  metadata: z
    .object({
      source_application_id: z
        .union([z.string(), z.number()], { error: 'must be a string or a number' })
        .nullable()
        .optional()
        .describe('the Procore app whose API call caused the change'),
    })
    .optional(),
});
export type ProcoreWebhookEvent = z.output<typeof procoreWebhookBody>;

export const IGNORED_REASONS = ['no_integration', 'other_resource', 'own_change'] as const;

export const procoreWebhookAnswer = z.union([
  z.object({
    received: z.literal(true),
    duplicate: z.boolean().describe('the event was delivered before: nothing new was recorded'),
  }),
  z.object({
    received: z.literal(true),
    ignored: z
      .enum(IGNORED_REASONS)
      .describe('nothing recorded: the company has no live integration, the resource is not synced, or the change was our own'),
  }),
]);
