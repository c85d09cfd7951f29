// A Procore user's sign-in (OAuth 2.0 authorization code), used once at
// connect to prove who connects: the code is exchanged for that user's
// token, which asks Procore who the user is (/me) and which companies they
// belong to (/companies). The token is used for these two calls only and is
// never kept; neither it nor the code appears in an error or a log.
import { z } from 'zod';
import { withTrailingSlash } from './auth.js';
import { companySchema, meSchema, tokenSchema } from './schemas.js';
import { exchange, isNetworkFailure, isSuccess, type HttpAnswer } from './transport.js';

export interface UserSigninSettings {
  apiBaseUrl: string;
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** the redirect_uri of the authorize call (Procore wants it again, the same) */
  redirectUri: string;
  /** per HTTP request; default 15 s */
  timeoutMs?: number;
}

export interface SignedInUser {
  id: string;
  login: string | null;
  /** the companies the user belongs to */
  companyIds: string[];
}

/** Procore would not take the code: used, expired, or issued for another app or redirect_uri. */
export class SigninCodeRefusedError extends Error {
  constructor(readonly status: number) {
    super(`Procore refused the sign-in code (${status}): it was already used, has expired, or was issued for another app`);
    this.name = 'SigninCodeRefusedError';
  }
}

/** Procore did not answer usefully (no answer, 5xx, 429, an answer we cannot read, a refusal of the fresh token). */
export class SigninUnavailableError extends Error {
  constructor(operation: string, problem: string) {
    super(`Procore could not confirm the sign-in (${operation}: ${problem})`);
    this.name = 'SigninUnavailableError';
  }
}

const TOKEN_OPERATION = 'POST /oauth/token (authorization_code)';

export function authorizeUrl(settings: Pick<UserSigninSettings, 'authBaseUrl' | 'clientId' | 'redirectUri'>, state: string): string {
  const url = new URL('oauth/authorize', withTrailingSlash(settings.authBaseUrl));
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', settings.redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}

async function send(operation: string, request: Parameters<typeof exchange>[0]): Promise<HttpAnswer> {
  try {
    return await exchange(request);
  } catch (error) {
    if (isNetworkFailure(error)) throw new SigninUnavailableError(operation, `no answer: ${error.code ?? error.name}`);
    throw error;
  }
}

function read<T>(operation: string, answer: HttpAnswer, schema: z.ZodType<T>): T {
  if (!isSuccess(answer.status)) throw new SigninUnavailableError(operation, `status ${answer.status}`);
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new SigninUnavailableError(operation, 'the body is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(the body)'))].join(', ');
    throw new SigninUnavailableError(operation, `unexpected answer at ${fields}`);
  }
  return parsed.data;
}

/** Exchanges the code, then asks who the user is and which companies they are in. */
export async function identifySignedInUser(settings: UserSigninSettings, code: string, companyId: string): Promise<SignedInUser> {
  const timeoutMs = settings.timeoutMs ?? 15_000;
  const tokenAnswer = await send(TOKEN_OPERATION, {
    method: 'POST',
    url: new URL('oauth/token', withTrailingSlash(settings.authBaseUrl)),
    headers: { accept: 'application/json' },
    urlEncoded: {
      grant_type: 'authorization_code',
      code,
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uri: settings.redirectUri,
    },
    timeoutMs,
  });
  // invalid_grant (used, expired, foreign code) is a 400 or a 401.
  if (tokenAnswer.status === 400 || tokenAnswer.status === 401) throw new SigninCodeRefusedError(tokenAnswer.status);
  const token = read(TOKEN_OPERATION, tokenAnswer, tokenSchema).access_token;

  const api = withTrailingSlash(settings.apiBaseUrl);
  const headers = { accept: 'application/json', authorization: `Bearer ${token}`, 'procore-company-id': companyId };
  const me = read('GET /rest/v1.0/me', await send('GET /rest/v1.0/me', { method: 'GET', url: new URL('rest/v1.0/me', api), headers, timeoutMs }), meSchema);
  const companies = read(
    'GET /rest/v1.0/companies',
    await send('GET /rest/v1.0/companies', { method: 'GET', url: new URL('rest/v1.0/companies', api), headers, timeoutMs }),
    z.array(companySchema),
  );
  return { id: me.id, login: me.login, companyIds: companies.map((c) => c.id) };
}
