// The alerts' way out: one signed JSON notice per POST to ALERT_WEBHOOK_URL,
// signed as Corfix signs its webhooks to us (src/http/webhook-signature.ts):
//   Alert-Timestamp: unix seconds
//   Alert-Signature: v1=hex(HMAC-SHA256(ALERT_WEBHOOK_SECRET, timestamp + "." + raw body))
// The body carries ids, codes, the problem in words and links; no names,
// emails or tokens. `alert_id` is the same each time one notice is sent: a
// sender that died between its POST and recording it sends it again, and the
// receiver drops what it has seen.
import got, { RequestError } from 'got';
import { z } from 'zod';
import { ALERT_KINDS } from '../domain/alert-incidents.js';
import { webhookSignatureAt } from '../http/webhook-signature.js';

export const ALERT_TIMESTAMP_HEADER = 'alert-timestamp';
export const ALERT_SIGNATURE_HEADER = 'alert-signature';

/** How long one POST may take before the receiver counts as down (the notice waits for the next pass). */
export const ALERT_POST_TIMEOUT_MS = 5_000;

export const alertNoticeSchema = z
  .object({
    /** the notice's idempotency id: `{incident_id}:open` or `{incident_id}:recovered` */
    alert_id: z.string().regex(/^[0-9a-f-]{36}:(open|recovered)$/),
    /** the incident both notices belong to */
    incident_id: z.uuid(),
    kind: z.enum(ALERT_KINDS),
    state: z.enum(['open', 'recovered']),
    integration_id: z.uuid(),
    corfix_account_id: z.string().min(1),
    procore_company_id: z.string().regex(/^\d+$/),
    /** for form_upload_failed only */
    corfix_form_id: z.string().min(1).optional(),
    /** what happened (open) or how it ended (recovered), in words */
    message: z.string().min(1),
    /** since when the problem held */
    since: z.iso.datetime({ offset: true }),
    recovered_at: z.iso.datetime({ offset: true }).optional(),
    /** the integration's status page */
    status_url: z.url(),
    /** the integration's workflows in the Temporal Web UI (with TEMPORAL_WEB_UI_URL) */
    web_ui_url: z.url().optional(),
  })
  .strict()
  .refine((n) => (n.state === 'recovered') === (n.recovered_at !== undefined), {
    message: 'recovered_at is given with state recovered, and only then',
    path: ['recovered_at'],
  })
  .refine((n) => (n.kind === 'form_upload_failed') === (n.corfix_form_id !== undefined), {
    message: 'corfix_form_id is given for form_upload_failed, and only then',
    path: ['corfix_form_id'],
  });

export type AlertNotice = z.infer<typeof alertNoticeSchema>;

export interface AlertWebhook {
  /** ALERT_WEBHOOK_URL */
  url: string;
  /** ALERT_WEBHOOK_SECRET */
  secret: string;
}

/** Delivered (a 2xx), or why not in a few words: a status or an error code, never the URL or the secret. */
export type AlertDelivery = { delivered: true } | { delivered: false; failure: string };

/** Posts one notice (as its builder checked it against alertNoticeSchema), signed; never throws for the receiver's sake (a refusal or an outage is the answer). */
export async function postAlertNotice(webhook: AlertWebhook, notice: AlertNotice, now: Date = new Date()): Promise<AlertDelivery> {
  const raw = JSON.stringify(notice);
  const { timestamp, signature } = webhookSignatureAt(webhook.secret, raw, now);
  try {
    const response = await got.post(webhook.url, {
      body: raw,
      headers: { 'content-type': 'application/json', 'Alert-Timestamp': timestamp, 'Alert-Signature': signature },
      timeout: { request: ALERT_POST_TIMEOUT_MS },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
    });
    const status = response.statusCode;
    return status >= 200 && status < 300 ? { delivered: true } : { delivered: false, failure: `status ${status}` };
  } catch (error) {
    if (error instanceof RequestError) return { delivered: false, failure: `network error ${error.code || error.name}` };
    throw error;
  }
}
