// How one call to Procore goes: the service account's token, the
// Procore-Company-Id header, a turn on the company's request budget, a short
// retry for calls that are safe to repeat, and one classified error for
// anything else. The endpoints in client.ts only say what to call.
import { z } from 'zod';
import { type ApiErrorDetails, AwaitingAccessError, RateLimitedError, RequestRejectedError, UnavailableError } from '../http/errors.js';
import { ClientCredentialsTokenSource, withTrailingSlash } from './auth.js';
import type { ProcoreLogger } from './logger.js';
import { currentPacingPatience, PacingWaitTooLong, type RatePacer, type RatePermit } from './pacing.js';
import { type Page, PROCORE_DEFAULT_PER_PAGE, pageFromHeaders } from './pagination.js';
import { type ProcoreUpload, readEach } from './schemas.js';
import {
  backoffDelayMs,
  classifyFailure,
  exchange,
  type HttpAnswer,
  type HttpMethod,
  isNetworkFailure,
  isRateLimited,
  isSuccess,
  isTransient,
  networkFailureText,
  observedLimits,
  parseBody,
  permissionNeededFor,
  type RetrySettings,
  sleep,
} from './transport.js';

export interface FileContent {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export interface ApiCall {
  method: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  form?: () => FormData;
  /** false for calls that create something: never repeated after a lost answer */
  idempotent: boolean;
  /** a 408 is not repeated here: the caller asks a smaller page instead */
  shrinksOnTimeout?: boolean;
}

export interface ProcoreSessionOptions {
  apiBaseUrl: string;
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  companyId: string;
  pacer: RatePacer;
  logger: ProcoreLogger;
  retry: RetrySettings;
  timeoutMs: number;
  now: () => number;
  /** how often a refusal someone can fix (a permission, the credentials) is tried again */
  accessRetryMs: number;
}

/**
 * The company's request budget is spent for longer than the caller waits
 * (an activity: see withPacingPatience): a rate limit given by the server in
 * advance, to try again after the reset.
 */
export class ProcoreBudgetSpentError extends RateLimitedError {
  constructor(details: ApiErrorDetails, companyId: string, untilMs: number, now: number) {
    super(details, Math.max(1000, untilMs - now));
    this.message = `Procore's request budget for company ${companyId} is spent until ${new Date(untilMs).toISOString()}; ${details.operation} waits for the reset (${Math.ceil(this.retryAfterMs / 1000)} s)`;
  }
}

export class ProcoreSession {
  readonly companyId: string;
  readonly logger: ProcoreLogger;
  private readonly apiBase: string;
  private readonly tokens: ClientCredentialsTokenSource;
  private readonly pacer: RatePacer;
  private readonly retry: RetrySettings;
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly accessRetryMs: number;

  constructor(options: ProcoreSessionOptions) {
    this.companyId = options.companyId;
    this.apiBase = withTrailingSlash(options.apiBaseUrl);
    this.logger = options.logger;
    this.pacer = options.pacer;
    this.retry = options.retry;
    this.timeoutMs = options.timeoutMs;
    this.now = options.now;
    this.accessRetryMs = options.accessRetryMs;
    this.tokens = new ClientCredentialsTokenSource({
      authBaseUrl: options.authBaseUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      companyId: options.companyId,
      retry: options.retry,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
      now: options.now,
      accessRetryMs: options.accessRetryMs,
    });
  }

  async read<T>(call: ApiCall, schema: z.ZodType<T>): Promise<T> {
    const answer = await this.call(call);
    return parseBody(answer, schema, this.details(call));
  }

  async listPage<T>(call: ApiCall, page: number, perPage: number, itemSchema: z.ZodType<T>): Promise<Page<T>> {
    if (!Number.isSafeInteger(page) || page < 1) throw new RangeError(`page must be a whole number from 1 (got ${page})`);
    const paged: ApiCall = {
      ...call,
      query: { ...call.query, page, per_page: perPage },
      shrinksOnTimeout: perPage > PROCORE_DEFAULT_PER_PAGE,
    };
    const details = this.details(call);
    let answer: HttpAnswer;
    try {
      answer = await this.call(paged);
    } catch (error) {
      // Procore answers 404, not 403, for what the caller may not see: a list
      // the app is meant to read is hidden until its permission is granted.
      if (!(error instanceof RequestRejectedError && error.status === 404)) throw error;
      throw new AwaitingAccessError(
        { ...details, status: 404 },
        `the list is hidden from the app's service account, which needs ${permissionNeededFor(details.operation)}`,
        this.accessRetryMs,
      );
    }
    // Record by record: one record that cannot be read does not fail the page.
    const { items, unreadable } = readEach(parseBody(answer, z.array(z.unknown()), details), itemSchema);
    return pageFromHeaders(items, page, perPage, answer.headers, details, unreadable);
  }

  private details(call: ApiCall): ApiErrorDetails {
    return { api: 'Procore', operation: `${call.method} /${call.path}` };
  }

  /** Sends a call with token, company header and pacing; answers only 2xx, else throws a classified error. */
  async call(call: ApiCall): Promise<HttpAnswer> {
    const details = this.details(call);
    const url = new URL(call.path, this.apiBase);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    let refreshedToken = false;
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.tokens.token();
      const permit = await this.turn(details);
      let answer: HttpAnswer;
      try {
        answer = await exchange({
          method: call.method,
          url,
          headers: {
            authorization: `Bearer ${token}`,
            'procore-company-id': this.companyId,
            accept: 'application/json',
          },
          json: call.json,
          ...(call.form ? { form: call.form } : {}),
          timeoutMs: this.timeoutMs,
        });
      } catch (error) {
        permit.release();
        if (!isNetworkFailure(error)) throw error;
        if (call.idempotent && attempt < this.retry.attempts) {
          await this.pauseBeforeRetry(details, attempt, error.code);
          continue;
        }
        throw new UnavailableError(details, networkFailureText(error));
      }
      permit.release(observedLimits(answer, this.now()));
      if (isSuccess(answer.status)) return answer;
      if (answer.status === 401 && !refreshedToken) {
        // Expired or revoked early: one new token, one more try. A 401 means
        // nothing was done, so this holds for creating calls too.
        refreshedToken = true;
        this.tokens.invalidate(token);
        attempt -= 1;
        this.logger.info({ operation: details.operation }, 'Procore refused the access token; getting a new one');
        continue;
      }
      const shrinks = answer.status === 408 && call.shrinksOnTimeout === true;
      if (call.idempotent && isTransient(answer) && !shrinks && attempt < this.retry.attempts) {
        await this.pauseBeforeRetry(details, attempt, String(answer.status));
        continue;
      }
      throw classifyFailure(answer, details, this.companyId, this.now(), this.classifying());
    }
  }

  /** A turn on the company's budget, within the caller's patience when it has one. */
  private async turn(details: ApiErrorDetails): Promise<RatePermit> {
    try {
      return await this.pacer.acquire(this.companyId, currentPacingPatience());
    } catch (error) {
      if (error instanceof PacingWaitTooLong) throw new ProcoreBudgetSpentError(details, this.companyId, error.untilMs, this.now());
      throw error;
    }
  }

  private classifying() {
    return { accessRetryMs: this.accessRetryMs, logger: this.logger };
  }

  private async pauseBeforeRetry(details: ApiErrorDetails, attempt: number, failure: string | undefined): Promise<void> {
    const delayMs = backoffDelayMs(attempt, this.retry);
    this.logger.warn(
      { operation: details.operation, attempt, failure, delayMs },
      'Procore call failed; retrying shortly',
    );
    await sleep(delayMs);
  }

  /** The bytes of an upload to its storage url: no Procore token or header, no pacing; retried, since it overwrites one object. */
  async sendToStorage(upload: ProcoreUpload, content: FileContent): Promise<void> {
    const details: ApiErrorDetails = { api: 'Procore', operation: 'POST upload storage' };
    const url = new URL(upload.url);
    const form = (): FormData => {
      const body = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) body.append(name, value);
      body.append('file', new Blob([content.data], { type: content.contentType }), content.filename);
      return body;
    };
    for (let attempt = 1; ; attempt += 1) {
      let answer: HttpAnswer;
      try {
        answer = await exchange({ method: 'POST', url, headers: {}, form, timeoutMs: this.timeoutMs });
      } catch (error) {
        if (!isNetworkFailure(error)) throw error;
        if (attempt < this.retry.attempts) {
          await this.pauseBeforeRetry(details, attempt, error.code);
          continue;
        }
        throw new UnavailableError(details, networkFailureText(error));
      }
      if (isSuccess(answer.status)) return;
      if (isTransient(answer) && attempt < this.retry.attempts) {
        await this.pauseBeforeRetry(details, attempt, String(answer.status));
        continue;
      }
      if (answer.status >= 400 && answer.status < 500 && !isRateLimited(answer)) {
        // Storage's 4xx (policy expired, field changed) calls for a new upload, not new credentials.
        const code = /<Code>([^<]{1,64})<\/Code>/.exec(answer.body)?.[1];
        throw new RequestRejectedError(
          { ...details, status: answer.status, ...(code ? { code } : {}) },
          'storage refused the upload; create a new upload and send the file again',
        );
      }
      throw classifyFailure(answer, details, this.companyId, this.now(), this.classifying());
    }
  }
}
