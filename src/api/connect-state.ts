// The `state` of the Procore sign-in at connect: the connect's fields, an
// expiry and a nonce, signed with HMAC-SHA256 (CONNECT_STATE_SECRET) so that
// what comes back on the callback is exactly what this service issued.
// Format: base64url(JSON payload) "." base64url(signature of that text).
// Single use is not decided here: the nonce is used up in Postgres
// (db/repositories/connect-state-nonces.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { NewIntegration } from '../db/repositories/integrations.js';
import { connectBody, namedProjectSelection, projectSelectionOf } from './schemas/integrations.js';

/** How long a sign-in may take, from the authorize URL to the callback. */
export const STATE_LIFETIME_MS = 10 * 60_000;

/**
 * A state longer than this is refused before anything is computed on it;
 * none longer is issued (it travels in Procore's authorize URL and back).
 */
export const MAX_STATE_LENGTH = 2048;
const STATE_FORMAT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

const payloadSchema = z
  .object({
    ...connectBody.shape,
    procore_company_id: z.string().regex(/^[1-9]\d{0,18}$/, 'must be a string of digits'),
    exp: z.number().int().positive(),
    nonce: z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'must be a nonce'),
  })
  .strict();

export interface IssuedState {
  state: string;
  nonce: string;
  expiresAt: Date;
}

export type StateCheck =
  | { ok: true; request: NewIntegration; nonce: string; expiresAt: Date }
  | { ok: false; reason: 'state_invalid' | 'state_expired'; message: string; corfixAccountId?: string };

const signature = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
const digest = (value: string) => createHash('sha256').update(value).digest();

export function issueConnectState(secret: string, request: NewIntegration, nowMs: number): IssuedState {
  const nonce = randomBytes(24).toString('base64url');
  const expiresAt = new Date(nowMs + STATE_LIFETIME_MS);
  return { state: signConnectState(secret, request, { nonce, expiresAt }), nonce, expiresAt };
}

/** Signs a state with the given nonce and expiry (issueConnectState picks them). */
export function signConnectState(secret: string, request: NewIntegration, claims: { nonce: string; expiresAt: Date }): string {
  const payload: z.input<typeof payloadSchema> = {
    corfix_account_id: request.corfixAccountId,
    procore_company_id: request.procoreCompanyId,
    sync_employees_only: request.syncEmployeesOnly,
    auto_activate_workers: request.autoActivateWorkers,
    sync_forms: request.syncForms,
    adopt_existing: request.adoptExisting ?? false,
    // Left out when all: the default, and the shortest state.
    ...(request.projectSelection && request.projectSelection.mode !== 'all'
      ? { project_selection: namedProjectSelection(request.projectSelection) }
      : {}),
    exp: Math.floor(claims.expiresAt.getTime() / 1000),
    nonce: claims.nonce,
  };
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${signature(secret, encoded)}`;
}

const invalid: StateCheck = {
  ok: false,
  reason: 'state_invalid',
  message: 'the sign-in link was not issued by this service, or was changed on the way; start the connect again',
};

/** The state's fields when its signature is this service's and it has not expired. */
export function verifyConnectState(secret: string, state: string, nowMs: number): StateCheck {
  if (state.length > MAX_STATE_LENGTH || !STATE_FORMAT.test(state)) return invalid;
  const [encoded, presented] = state.split('.') as [string, string];
  // Compared as text (so that every character counts) through a hash of
  // each, so that the comparison's time says nothing about the signature.
  if (!timingSafeEqual(digest(presented), digest(signature(secret, encoded)))) return invalid;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return invalid;
  }
  const parsed = payloadSchema.safeParse(json);
  if (!parsed.success) return invalid;
  const p = parsed.data;
  const expiresAt = new Date(p.exp * 1000);
  if (nowMs >= expiresAt.getTime()) {
    return {
      ok: false,
      reason: 'state_expired',
      message: 'the sign-in took longer than 10 minutes and has expired; start the connect again',
      corfixAccountId: p.corfix_account_id,
    };
  }
  return {
    ok: true,
    nonce: p.nonce,
    expiresAt,
    request: {
      corfixAccountId: p.corfix_account_id,
      procoreCompanyId: p.procore_company_id,
      syncEmployeesOnly: p.sync_employees_only,
      autoActivateWorkers: p.auto_activate_workers,
      syncForms: p.sync_forms,
      adoptExisting: p.adopt_existing,
      ...(p.project_selection !== undefined ? { projectSelection: projectSelectionOf(p.project_selection) } : {}),
    },
  };
}
