// Signing and verifying Corfix webhook deliveries, at the edges the API
// server relies on: the exact bytes, the 300 s window, malformed headers.
import { createHmac } from 'node:crypto';
import {
  corfixWebhookHeaders,
  signCorfixWebhook,
  verifyCorfixWebhook,
  CORFIX_SIGNATURE_TOLERANCE_SECONDS,
} from '../../src/corfix/webhook-signature.js';

const secret = 'whsec-unit';
const body = '{"event_id":"evt_1","event_type":"form.completed","revision":3}';
const now = new Date('2026-11-27T18:00:00Z');
const ts = Math.floor(now.getTime() / 1000);

describe('Corfix webhook signatures', () => {
  test('the signature is v1=hex(HMAC-SHA256(secret, timestamp + "." + body))', () => {
    const expected = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
    expect(signCorfixWebhook(secret, ts, body)).toBe(`v1=${expected}`);
    expect(corfixWebhookHeaders(secret, body, now)).toEqual({ 'Corfix-Timestamp': String(ts), 'Corfix-Signature': `v1=${expected}` });
    expect(signCorfixWebhook(secret, ts, Buffer.from(body))).toBe(`v1=${expected}`);
  });

  test('a signed body verifies; anything changed does not', () => {
    const signature = signCorfixWebhook(secret, ts, body);
    const ok = { secret, rawBody: body, timestamp: String(ts), signature, now };
    expect(verifyCorfixWebhook(ok)).toEqual({ ok: true, timestamp: ts });
    expect(verifyCorfixWebhook({ ...ok, rawBody: `${body} ` })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCorfixWebhook({ ...ok, secret: 'whsec-other' })).toEqual({ ok: false, reason: 'bad_signature' });
    // The timestamp is part of what is signed: moving it breaks the signature.
    expect(verifyCorfixWebhook({ ...ok, timestamp: String(ts + 1) })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCorfixWebhook({ ...ok, signature: signature.replace('v1=', 'v0=') })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCorfixWebhook({ ...ok, signature: 'v1=abc' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyCorfixWebhook({ ...ok, signature: `v1=${'z'.repeat(64)}` })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  test('the 300 s window, both ways', () => {
    expect(CORFIX_SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    const at = (offset: number) => {
      const t = ts + offset;
      return verifyCorfixWebhook({ secret, rawBody: body, timestamp: String(t), signature: signCorfixWebhook(secret, t, body), now });
    };
    expect(at(-300).ok).toBe(true);
    expect(at(300).ok).toBe(true);
    expect(at(-301)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(at(301)).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  test('missing or malformed headers', () => {
    const signature = signCorfixWebhook(secret, ts, body);
    const base = { secret, rawBody: body, now };
    expect(verifyCorfixWebhook({ ...base, timestamp: undefined, signature })).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyCorfixWebhook({ ...base, timestamp: '17e8', signature })).toEqual({ ok: false, reason: 'malformed_timestamp' });
    expect(verifyCorfixWebhook({ ...base, timestamp: String(ts), signature: undefined })).toEqual({
      ok: false,
      reason: 'missing_signature',
    });
    expect(verifyCorfixWebhook({ ...base, timestamp: [String(ts)], signature: [signature] })).toEqual({ ok: true, timestamp: ts });
  });

  test('during a secret rotation either of two signatures is accepted', () => {
    const both = `${signCorfixWebhook('whsec-old', ts, body)}, ${signCorfixWebhook(secret, ts, body)}`;
    expect(verifyCorfixWebhook({ secret, rawBody: body, timestamp: String(ts), signature: both, now }).ok).toBe(true);
    expect(verifyCorfixWebhook({ secret: 'whsec-third', rawBody: body, timestamp: String(ts), signature: both, now }).ok).toBe(false);
  });
});
