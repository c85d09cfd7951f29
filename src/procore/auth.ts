// The service account's access token (client credentials: Procore gives no
// refresh token, so a new one is simply asked for). Cached until shortly
// before the lifetime Procore announces; concurrent callers share one
// request for a new token.
import type { ApiErrorDetails } from '../http/errors.js';
import { AccessDeniedError, AwaitingAccessError, UnavailableError } from '../http/errors.js';
import type { ProcoreLogger } from './logger.js';
import { tokenSchema } from './schemas.js';
import {
  backoffDelayMs,
  classifyFailure,
  exchange,
  isNetworkFailure,
  isSuccess,
  isTransient,
  networkFailureText,
  parseBody,
  type RetrySettings,
  sleep,
} from './transport.js';

export interface TokenSourceOptions {
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** used only to word an error; the token is not company-specific */
  companyId: string;
  retry: RetrySettings;
  timeoutMs: number;
  logger: ProcoreLogger;
  now: () => number;
  /** how often refused credentials are tried again (they may be in the middle of a rotation) */
  accessRetryMs: number;
}

interface CachedToken {
  value: string;
  /** asked for again from here on, a little before Procore's expiry */
  renewAtMs: number;
}

const details: ApiErrorDetails = { api: 'Procore', operation: 'POST /oauth/token' };

export class ClientCredentialsTokenSource {
  // Truly private (#): a client printed whole (util.inspect, a failed test's
  // diff) shows neither the client secret nor the token.
  #cached: CachedToken | undefined;
  private inFlight: Promise<string> | undefined;
  readonly #options: TokenSourceOptions;

  constructor(options: TokenSourceOptions) {
    this.#options = options;
  }

  /** A token believed valid: the cached one, or a new one shared by every concurrent caller. */
  async token(): Promise<string> {
    if (this.#cached && this.#options.now() < this.#cached.renewAtMs) return this.#cached.value;
    if (!this.inFlight) {
      this.inFlight = this.requestToken().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  /**
   * Forgets `refused` after Procore answered 401 to it. A caller holding an
   * older token than the cached one does not throw away a newer, good token.
   */
  invalidate(refused: string): void {
    if (this.#cached?.value === refused) this.#cached = undefined;
  }

  private async requestToken(): Promise<string> {
    const { retry, logger, now } = this.#options;
    const url = new URL('oauth/token', withTrailingSlash(this.#options.authBaseUrl));
    for (let attempt = 1; ; attempt += 1) {
      let answer;
      try {
        answer = await exchange({
          method: 'POST',
          url,
          headers: { accept: 'application/json' },
          urlEncoded: {
            grant_type: 'client_credentials',
            client_id: this.#options.clientId,
            client_secret: this.#options.clientSecret,
          },
          timeoutMs: this.#options.timeoutMs,
        });
      } catch (error) {
        if (!isNetworkFailure(error)) throw error;
        if (attempt < retry.attempts) {
          logger.warn({ operation: details.operation, attempt, failure: error.code }, 'Procore token request failed; retrying');
          await sleep(backoffDelayMs(attempt, retry));
          continue;
        }
        throw new UnavailableError(details, networkFailureText(error));
      }
      if (isSuccess(answer.status)) {
        const token = parseBody(answer, tokenSchema, details);
        const lifetimeMs = token.expires_in * 1000;
        // A tenth of the lifetime, at most a minute: long enough to cover a
        // slow call, short enough that a brief lifetime still gets used.
        const earlyMs = Math.min(60_000, lifetimeMs / 10);
        this.#cached = { value: token.access_token, renewAtMs: now() + lifetimeMs - earlyMs };
        logger.debug({ expiresInSeconds: token.expires_in }, 'obtained a Procore access token');
        return token.access_token;
      }
      if (isTransient(answer) && attempt < retry.attempts) {
        logger.warn({ operation: details.operation, attempt, status: answer.status }, 'Procore token request failed; retrying');
        await sleep(backoffDelayMs(attempt, retry));
        continue;
      }
      if (answer.status === 401 || (answer.status === 400 && /"invalid_client"/.test(answer.body))) {
        throw new AwaitingAccessError(
          { ...details, status: answer.status },
          'the client id and secret were refused (PROCORE_CLIENT_ID / PROCORE_CLIENT_SECRET are wrong, were rotated, or belong to another Procore environment)',
          this.#options.accessRetryMs,
        );
      }
      if (answer.status === 400) {
        throw new AccessDeniedError(
          { ...details, status: answer.status },
          'Procore refused the token request as sent (check PROCORE_AUTH_BASE_URL and the environment the credentials belong to)',
        );
      }
      throw classifyFailure(answer, details, this.#options.companyId, now(), {
        accessRetryMs: this.#options.accessRetryMs,
        logger,
      });
    }
  }
}

export function withTrailingSlash(base: string): string {
  return base.endsWith('/') ? base : `${base}/`;
}
