// The one place that talks HTTP to Corfix. Every answer is classified here,
// once: callers see a parsed record or one of the typed errors, and only decide
// "retry later (and when)" or "stop and say why".
//
// Retries here are short and bounded, and only for a call the endpoint marks
// `repeatable` (client.ts says which calls those are, and why): a network
// error or a 5xx is sent again; a 429, or a 503 with Retry-After, is never
// repeated here but becomes RateLimitedError carrying the server's delay.
import got, { RequestError, type Got, type Response } from 'got';
import type { z } from 'zod';
import {
  ACCESS_RETRY_MS,
  AwaitingAccessError,
  InvalidResponseError,
  RateLimitedError,
  UnavailableError,
  type ApiErrorDetails,
} from '../http/errors.js';
import {
  CorfixAccessDeniedError,
  CorfixNotFoundError,
  CorfixRequestRejectedError,
  type CorfixRejectionDetails,
} from './errors.js';
import { describeIssues, errorBodySchema } from './schemas.js';

/** Structurally a subset of pino's Logger. */
export interface CorfixClientLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CorfixRetrySettings {
  /** attempts in all, the first included (default 3) */
  attempts?: number;
  /** delay before the first repeat; doubles each time (default 250 ms) */
  baseDelayMs?: number;
  /** cap of one delay (default 2000 ms) */
  maxDelayMs?: number;
}

export interface CorfixClientOptions {
  /** e.g. http://127.0.0.1:4020; paths of the contract hang off it */
  baseUrl: string;
  token: string;
  logger?: CorfixClientLogger;
  retry?: CorfixRetrySettings;
  /** per attempt (default 30 s) */
  timeoutMs?: number;
  /** the got instance to build on (custom agents, proxies, observing responses) */
  got?: Got;
  /** how often a refused API token (in the middle of a rotation) is tried again; default 5 min */
  accessRetryMs?: number;
}

/** Used for a 429 that came without Retry-After, which the contract does not foresee. */
const DEFAULT_RATE_LIMIT_DELAY_MS = 5_000;

export interface CallSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  searchParams?: Record<string, string | number>;
  json?: unknown;
  idempotencyKey?: string;
  /** may the client repeat this call on a network error or 5xx */
  repeatable: boolean;
  schema: S;
}

export type SendSpec = Omit<CallSpec<z.ZodType>, 'schema'>;

export class CorfixTransport {
  readonly #http: Got;
  readonly #logger: CorfixClientLogger | undefined;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #accessRetryMs: number;

  constructor(options: CorfixClientOptions) {
    const baseUrl = new URL(options.baseUrl);
    if (!options.token) throw new Error('CorfixClient needs an API token');
    this.#logger = options.logger;
    this.#attempts = Math.max(1, Math.floor(options.retry?.attempts ?? 3));
    this.#baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 250);
    this.#maxDelayMs = Math.max(this.#baseDelayMs, options.retry?.maxDelayMs ?? 2_000);
    this.#accessRetryMs = options.accessRetryMs ?? ACCESS_RETRY_MS;
    // The token lives only inside the got instance's headers, which no error
    // message or log line built here ever prints.
    this.#http = (options.got ?? got).extend({
      prefixUrl: baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      responseType: 'buffer',
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: options.timeoutMs ?? 30_000 },
    });
  }

  /** Sends the call and parses its 2xx JSON body through `spec.schema`. */
  async call<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.output<S>> {
    const response = await this.send(spec);
    const operation = `${spec.method} ${spec.path}`;
    const details: ApiErrorDetails = { api: 'Corfix', operation, status: response.statusCode };
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new InvalidResponseError(details, 'the body is not JSON');
    }
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) throw new InvalidResponseError(details, describeIssues(parsed.error));
    return parsed.data;
  }

  /**
   * Sends the call, repeating it on a network error or a 5xx (without
   * Retry-After) when `repeatable`, and returns a 2xx response; anything
   * else becomes the typed error.
   */
  async send(spec: SendSpec, extraHeaders: Record<string, string> = {}): Promise<Response<Buffer>> {
    const operation = `${spec.method} ${spec.path}`;
    const attempts = spec.repeatable ? this.#attempts : 1;
    const headers: Record<string, string> = { ...extraHeaders };
    if (spec.idempotencyKey !== undefined) headers['idempotency-key'] = spec.idempotencyKey;

    for (let attempt = 1; ; attempt += 1) {
      const last = attempt >= attempts;
      let response: Response<Buffer>;
      try {
        response = await this.#http(spec.path.replace(/^\//, ''), {
          method: spec.method,
          headers,
          searchParams: spec.searchParams,
          json: spec.json,
          responseType: 'buffer',
        });
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        const cause = `network error ${err.code || err.name}`;
        if (last) throw new UnavailableError({ api: 'Corfix', operation }, cause);
        await this.#pause(attempt, operation, cause);
        continue;
      }

      const status = response.statusCode;
      this.#logger?.debug({ api: 'Corfix', operation, status, attempt }, `Corfix ${operation} answered ${status}`);
      if (status >= 200 && status < 300) return response;

      const { serverCode } = readErrorBody(response.body);
      const details: ApiErrorDetails = { api: 'Corfix', operation, status, code: serverCode };
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      if (status === 429) {
        throw new RateLimitedError(details, retryAfterMs ?? DEFAULT_RATE_LIMIT_DELAY_MS);
      }
      if (status === 503 && retryAfterMs !== undefined) {
        throw new RateLimitedError(details, retryAfterMs);
      }
      if (status >= 500) {
        const cause = `answered ${status}`;
        if (last) throw new UnavailableError(details, cause);
        await this.#pause(attempt, operation, cause);
        continue;
      }
      // Corfix's own words can echo what was sent (an email, a name): neither
      // the error (it reaches workflow history and Postgres) nor the log carries
      // them; the code and the status say what went wrong.
      this.#logger?.warn({ api: 'Corfix', operation, status, code: serverCode }, `Corfix ${operation} refused the call`);
      const reason = `the request as sent cannot succeed (Corfix's code: ${serverCode ?? 'none'})`;
      const rejectionDetails: CorfixRejectionDetails = { operation, status, serverCode };
      if (status === 401) {
        throw new AwaitingAccessError(
          { ...details, code: 'unauthorized' },
          "the service's API token was refused (CORFIX_API_TOKEN is wrong or was rotated)",
          this.#accessRetryMs,
        );
      }
      if (status === 403) throw new CorfixAccessDeniedError(rejectionDetails, 'this service may not use that account');
      if (status === 404) throw new CorfixNotFoundError(rejectionDetails, reason);
      throw new CorfixRequestRejectedError(rejectionDetails, reason);
    }
  }

  async #pause(attempt: number, operation: string, cause: string): Promise<void> {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    // Half fixed, half random: spreads out clients that failed together.
    const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.#logger?.warn({ api: 'Corfix', operation, attempt, delayMs }, `Corfix ${operation} ${cause}; trying again`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** The contract's `{ error: { code, message } }`, when the body is that. */
function readErrorBody(rawBody: Buffer): { serverCode?: string } {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(rawBody.toString('utf8')));
    if (parsed.success) return { serverCode: parsed.data.error.code };
  } catch {
    // An error answer without the contract's body is still classified by its
    // status alone.
  }
  return {};
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}
