// Corfix signs each webhook delivery with
//   Corfix-Timestamp: unix seconds
//   Corfix-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + raw_body))
// the scheme of src/http/webhook-signature.ts (the service signs its alerts
// the same way); this file gives it Corfix's header names.
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signWebhookBody,
  verifyWebhookSignature,
  webhookSignatureAt,
  type VerifyWebhookInput,
} from '../http/webhook-signature.js';

export type { WebhookVerification } from '../http/webhook-signature.js';

export const CORFIX_TIMESTAMP_HEADER = 'corfix-timestamp';
export const CORFIX_SIGNATURE_HEADER = 'corfix-signature';
/** How far a delivery's timestamp may be from now, either way. */
export const CORFIX_SIGNATURE_TOLERANCE_SECONDS = SIGNATURE_TOLERANCE_SECONDS;

/** The `Corfix-Signature` value for a body sent at `timestamp` (unix seconds). */
export const signCorfixWebhook = signWebhookBody;

/** Both headers of a delivery, signed at `now`. */
export function corfixWebhookHeaders(
  secret: string,
  rawBody: string | Uint8Array,
  now: Date = new Date(),
): { 'Corfix-Timestamp': string; 'Corfix-Signature': string } {
  const { timestamp, signature } = webhookSignatureAt(secret, rawBody, now);
  return { 'Corfix-Timestamp': timestamp, 'Corfix-Signature': signature };
}

/** The Corfix-Timestamp and Corfix-Signature headers of a delivery, checked. */
export type VerifyCorfixWebhookInput = VerifyWebhookInput;

/** Checks a Corfix delivery (the reason on failure is safe to log). */
export const verifyCorfixWebhook = verifyWebhookSignature;
