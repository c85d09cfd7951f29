// Before an integration is saved: can the service use this Corfix account,
// and is the Corfix app installed in this Procore company? Answers are
// sentences for the person who pressed Connect.
import type { ExternalApiClients } from '../external-api-clients.js';
import {
  AccessDeniedError,
  ApiError,
  AppNotConnectedError,
  AwaitingAccessError,
  RateLimitedError,
  UnavailableError,
} from '../http/errors.js';

export type PreflightResult =
  | { ok: true }
  /** the request can never succeed as sent (422) */
  | { ok: false; status: 422; code: string; message: string }
  /** an API is down or limiting us: the same request may succeed later (503) */
  | { ok: false; status: 503; code: string; message: string; retryAfterSeconds?: number };

const unavailable = (error: ApiError): PreflightResult => ({
  ok: false,
  status: 503,
  code: 'upstream_unavailable',
  message: `${error.message}; nothing was saved, send the same request again later`,
  ...(error instanceof RateLimitedError ? { retryAfterSeconds: Math.ceil(error.retryAfterMs / 1000) } : {}),
});

/**
 * Every check before a connect (or a preview of one) in order, the first
 * refusal answered: the Corfix account, then the Procore company.
 */
export async function preflightConnect(clients: ExternalApiClients, request: { corfixAccountId: string; procoreCompanyId: string }): Promise<PreflightResult> {
  const account = await checkCorfixAccount(clients, request.corfixAccountId);
  return account.ok ? checkProcoreCompany(clients, request.procoreCompanyId) : account;
}

export async function checkCorfixAccount(clients: ExternalApiClients, accountId: string): Promise<PreflightResult> {
  try {
    await clients.corfix.getAccount(accountId);
    return { ok: true };
  } catch (error) {
    if (error instanceof RateLimitedError || error instanceof UnavailableError) return unavailable(error);
    if (error instanceof AwaitingAccessError) {
      return {
        ok: false,
        status: 503,
        code: 'corfix_credentials_refused',
        message: `Corfix refused this service's API token (${error.operation}); nothing was saved. An operator must check CORFIX_API_TOKEN`,
      };
    }
    if (error instanceof ApiError && !error.retryable) {
      return {
        ok: false,
        status: 422,
        code: 'corfix_account_unusable',
        message:
          error instanceof AccessDeniedError
            ? `Corfix account ${accountId} cannot be used by this service (Corfix refused access)`
            : `Corfix account ${accountId} cannot be found`,
      };
    }
    throw error;
  }
}

const PROCORE_TOKEN_OPERATION = 'POST /oauth/token';

export async function checkProcoreCompany(clients: ExternalApiClients, companyId: string): Promise<PreflightResult> {
  const notInstalled: PreflightResult = {
    ok: false,
    status: 422,
    code: 'procore_app_not_installed',
    message: `the Corfix app is not installed in Procore company ${companyId}`,
  };
  try {
    const companies = await clients.procore(companyId).listCompanies();
    return companies.some((c) => c.id === companyId) ? { ok: true } : notInstalled;
  } catch (error) {
    if (error instanceof AppNotConnectedError) {
      return { ok: false, status: 422, code: 'procore_app_not_connected', message: error.message };
    }
    if (error instanceof RateLimitedError || error instanceof UnavailableError) return unavailable(error);
    if (error instanceof AwaitingAccessError && error.operation !== PROCORE_TOKEN_OPERATION) {
      return {
        ok: false,
        status: 503,
        code: 'procore_permission_missing',
        message: `Procore refused ${error.operation} (${error.status ?? 'no status'}): ${error.missing}; nothing was saved, send the same request again once it is granted`,
      };
    }
    if (error instanceof AccessDeniedError || error instanceof AwaitingAccessError) {
      return {
        ok: false,
        status: 503,
        code: 'procore_credentials_refused',
        message: `Procore refused this service's credentials (${error.operation}); nothing was saved. An operator must check PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET`,
      };
    }
    if (error instanceof ApiError && !error.retryable) return notInstalled;
    throw error;
  }
}
