// Connect through a Procore sign-in (OAuth 2.0 authorization code): the
// decisions behind POST /v1/integrations/authorizations and the callback.
// The first signs the connect's fields into a single-use `state` and answers
// Procore's authorize URL. The callback checks that state (signature, expiry,
// nonce not used yet), has Procore say who signed in and which companies they
// belong to, and connects exactly as POST /v1/integrations does only when the
// company is one of them, recording who connected. Whatever is refused ends
// with a reason in words and an audit row; nothing else is written or started.
import { appendAudit } from '../db/repositories/audit-log.js';
import { recordIssuedNonce, useNonce } from '../db/repositories/connect-state-nonces.js';
import type { Integration, NewIntegration } from '../db/repositories/integrations.js';
import {
  authorizeUrl,
  identifySignedInUser,
  SigninCodeRefusedError,
  SigninUnavailableError,
  type SignedInUser,
  type UserSigninSettings,
} from '../procore/user-signin.js';
import { connectIntegration, refuseIfConnected, type ConnectDependencies } from './connect-integration.js';
import { issueConnectState, MAX_STATE_LENGTH, verifyConnectState } from './connect-state.js';

export interface SigninSettings {
  /** CONNECT_STATE_SECRET */
  stateSecret: string;
  /** CONNECT_RETURN_URL */
  returnUrl: string;
  /** Procore's hosts, the app's credentials and PROCORE_REDIRECT_URI */
  procore: UserSigninSettings;
  now?: () => number;
}

export type AuthorizationResult =
  | { ok: true; authorizeUrl: string; expiresAt: Date }
  | { ok: false; status: 409; code: 'already_connected'; message: string }
  /** the fields do not fit in a sign-in state (a long project selection) */
  | { ok: false; status: 400; code: 'invalid_request'; message: string; fields: Array<{ field: string; message: string }> };

/**
 * The state carries the connect's fields through Procore's sign-in and back,
 * so it is short (MAX_STATE_LENGTH): a project list too long for it is
 * refused. Connect with a shorter list, then PATCH the whole one (the next
 * project cycle reads every project again).
 */
function tooLongForSignin(request: NewIntegration): Extract<AuthorizationResult, { status: 400 }> {
  const ids = request.projectSelection?.mode === 'all' ? 0 : (request.projectSelection?.projectIds.length ?? 0);
  const message =
    `must be shorter to go through the Procore sign-in (${ids} ids do not fit in its ${MAX_STATE_LENGTH}-character state); ` +
    'connect with fewer, then send the whole list with PATCH /v1/integrations/{corfix_account_id}';
  const field = 'project_selection.project_ids';
  return { ok: false, status: 400, code: 'invalid_request', message: `invalid request: ${field}: ${message}`, fields: [{ field, message }] };
}

export async function startSignin(deps: ConnectDependencies, settings: SigninSettings, request: NewIntegration): Promise<AuthorizationResult> {
  const connected = await refuseIfConnected(deps.db, request);
  if (connected) return connected;
  const issued = issueConnectState(settings.stateSecret, request, (settings.now ?? Date.now)());
  if (issued.state.length > MAX_STATE_LENGTH) return tooLongForSignin(request);
  await recordIssuedNonce(deps.db, { nonce: issued.nonce, corfixAccountId: request.corfixAccountId, expiresAt: issued.expiresAt });
  return { ok: true, authorizeUrl: authorizeUrl(settings.procore, issued.state), expiresAt: issued.expiresAt };
}

/** What Procore sent the browser back with, as validated by the route. */
export interface CallbackInput {
  state: string;
  code?: string;
  /** set when the user declined (`access_denied`) or Procore could not sign them in */
  error?: string;
}

export type SigninOutcome =
  | { ok: true; integration: Integration; user: SignedInUser }
  | { ok: false; reason: string; message: string; corfixAccountId?: string };

export async function finishSignin(deps: ConnectDependencies, settings: SigninSettings, input: CallbackInput): Promise<SigninOutcome> {
  const refused = async (
    reason: string,
    message: string,
    seen: { request?: NewIntegration; user?: SignedInUser; corfixAccountId?: string } = {},
  ): Promise<SigninOutcome> => {
    const account = seen.request?.corfixAccountId ?? seen.corfixAccountId;
    await appendAudit(deps.db, {
      integrationId: null,
      actor: 'procore_signin',
      action: 'connect_refused',
      details: {
        reason,
        ...(account !== undefined ? { corfix_account_id: account } : {}),
        ...(seen.request ? { procore_company_id: seen.request.procoreCompanyId } : {}),
        ...(seen.user ? { procore_user_id: seen.user.id, procore_login: seen.user.login } : {}),
      },
    });
    return { ok: false, reason, message, ...(account !== undefined ? { corfixAccountId: account } : {}) };
  };

  const check = verifyConnectState(settings.stateSecret, input.state, (settings.now ?? Date.now)());
  if (!check.ok) return refused(check.reason, check.message, check.corfixAccountId !== undefined ? { corfixAccountId: check.corfixAccountId } : {});
  const request = check.request;
  // Used up here, whatever follows: a state is good for one callback only.
  if (!(await useNonce(deps.db, check.nonce))) {
    return refused('state_used', 'this sign-in link was already used; start the connect again', { request });
  }
  if (input.error !== undefined) {
    return refused(
      'signin_declined',
      input.error === 'access_denied'
        ? 'the Procore sign-in was declined; nothing was connected'
        : 'Procore did not complete the sign-in; nothing was connected, start the connect again',
      { request },
    );
  }
  if (input.code === undefined) {
    return refused('invalid_callback', 'code: is required (Procore sent no sign-in code); start the connect again', { request });
  }

  let user: SignedInUser;
  try {
    user = await identifySignedInUser(settings.procore, input.code, request.procoreCompanyId);
  } catch (error) {
    if (error instanceof SigninCodeRefusedError) return refused('code_refused', `${error.message}; start the connect again`, { request });
    if (error instanceof SigninUnavailableError) {
      return refused('procore_unavailable', `${error.message}; nothing was connected, start the connect again later`, { request });
    }
    throw error;
  }
  if (!user.companyIds.includes(request.procoreCompanyId)) {
    return refused(
      'not_in_company',
      `the Procore user who signed in does not belong to Procore company ${request.procoreCompanyId}; sign in as a user of that company`,
      { request, user },
    );
  }

  const result = await connectIntegration(deps, { ...request, connectedBy: { procoreUserId: user.id, procoreLogin: user.login } });
  if (!result.ok) return refused(result.code, result.message, { request, user });
  return { ok: true, integration: result.integration, user };
}
