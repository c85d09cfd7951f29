// One way of signing a webhook body, used both ways: Corfix signs its
// deliveries to us with it (src/corfix/webhook-signature.ts names its
// headers), and the service signs its alerts to ALERT_WEBHOOK_URL with it
// (src/alerts/alert-webhook.ts):
//   <Prefix>-Timestamp: unix seconds
//   <Prefix>-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + raw_body))
// The receiver must check the signature over the raw bytes it received (not a
// re-serialisation) and refuse timestamps far from now, so that a captured
// delivery cannot be replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a delivery's timestamp may be from now, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_SCHEME = 'v1=';
const HMAC_HEX_LENGTH = 64;

function hmacHex(secret: string, timestamp: string, rawBody: string | Uint8Array): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return mac.digest('hex');
}

/** The signature header's value for a body sent at `timestamp` (unix seconds). */
export function signWebhookBody(secret: string, timestamp: number, rawBody: string | Uint8Array): string {
  return SIGNATURE_SCHEME + hmacHex(secret, String(timestamp), rawBody);
}

/** The timestamp (unix seconds) and signature of a body sent at `now`. */
export function webhookSignatureAt(secret: string, rawBody: string | Uint8Array, now: Date = new Date()): { timestamp: string; signature: string } {
  const timestamp = Math.floor(now.getTime() / 1000);
  return { timestamp: String(timestamp), signature: signWebhookBody(secret, timestamp, rawBody) };
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | {
      ok: false;
      reason: 'missing_timestamp' | 'malformed_timestamp' | 'stale_timestamp' | 'missing_signature' | 'bad_signature';
    };

export interface VerifyWebhookInput {
  secret: string;
  /** the raw request body, exactly as received */
  rawBody: string | Uint8Array;
  /** the timestamp header */
  timestamp: string | string[] | undefined;
  /** the signature header */
  signature: string | string[] | undefined;
  now?: Date;
  toleranceSeconds?: number;
}

/**
 * Checks a delivery. The reason on failure is safe to log: it never contains
 * the secret or the expected signature.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): WebhookVerification {
  const timestampHeader = single(input.timestamp);
  if (timestampHeader === undefined || timestampHeader === '') return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: 'malformed_timestamp' };
  const timestamp = Number(timestampHeader);
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - timestamp) > tolerance) return { ok: false, reason: 'stale_timestamp' };

  const signatureHeader = single(input.signature);
  if (signatureHeader === undefined || signatureHeader === '') return { ok: false, reason: 'missing_signature' };

  const expected = Buffer.from(hmacHex(input.secret, timestampHeader, input.rawBody), 'hex');
  // Several comma-separated values are accepted so that a sender may send the
  // signatures of an old and a new secret while one is being rotated.
  const candidates = signatureHeader.split(',').map((s) => s.trim());
  let matched = false;
  for (const candidate of candidates) {
    if (!candidate.startsWith(SIGNATURE_SCHEME)) continue;
    const hex = candidate.slice(SIGNATURE_SCHEME.length);
    if (hex.length !== HMAC_HEX_LENGTH || !/^[0-9a-fA-F]+$/.test(hex)) continue;
    // No early exit: every candidate costs the same whatever matched.
    if (timingSafeEqual(Buffer.from(hex, 'hex'), expected)) matched = true;
  }
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'bad_signature' };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
