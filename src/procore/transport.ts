// One HTTP exchange and the rules that turn its outcome into our error
// classes. Classification happens here, once: activities only see "retry
// later (after this long)" or "stop and say why".
import type { IncomingHttpHeaders } from 'node:http';
import got, { RequestError } from 'got';
import type { z } from 'zod';
import {
  ACCESS_RETRY_MS,
  AccessDeniedError,
  type ApiError,
  type ApiErrorDetails,
  AppNotConnectedError,
  AwaitingAccessError,
  InvalidResponseError,
  RateLimitedError,
  RequestRejectedError,
  UnavailableError,
} from '../http/errors.js';
import { serviceMetrics } from '../observability/metrics.js';
import type { ProcoreLogger } from './logger.js';
import { readRateLimitHeaders, type RateLimitSnapshot } from './pacing.js';
import { describeIssues } from './schemas.js';

export interface RetrySettings {
  /** tries in all, the first one included, for calls that are safe to repeat */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetrySettings: RetrySettings = { attempts: 4, baseDelayMs: 250, maxDelayMs: 2000 };

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpExchange {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  json?: unknown;
  /** a factory: a retried request needs a body it has not consumed */
  form?: () => FormData;
  urlEncoded?: Record<string, string>;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Sends one request. Resolves with any HTTP answer, whatever its status;
 * rejects only when no answer came (network failure, timeout).
 */
export async function exchange(request: HttpExchange): Promise<HttpAnswer> {
  const response = await got(request.url, {
    method: request.method,
    headers: request.headers,
    ...(request.json !== undefined ? { json: request.json } : {}),
    ...(request.form ? { body: request.form() } : {}),
    ...(request.urlEncoded ? { form: request.urlEncoded } : {}),
    throwHttpErrors: false,
    followRedirect: false,
    retry: { limit: 0 },
    timeout: { request: request.timeoutMs },
    responseType: 'text',
  });
  return { status: response.statusCode, headers: response.headers, body: response.body };
}

/** A failure that happened before any HTTP answer arrived. */
export function isNetworkFailure(error: unknown): error is RequestError {
  return error instanceof RequestError && error.response === undefined;
}

export function networkFailureText(error: RequestError): string {
  return `no answer: ${error.code ?? error.name}`;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Worth repeating as is, when the call is safe to repeat. */
export function isTransient(answer: HttpAnswer): boolean {
  if (isRateLimited(answer)) return false;
  return answer.status === 408 || answer.status >= 500;
}

/** 429, or 503 that says when to come back: both become RateLimitedError. */
export function isRateLimited(answer: HttpAnswer): boolean {
  return answer.status === 429 || (answer.status === 503 && header(answer.headers, 'retry-after') !== undefined);
}

export function backoffDelayMs(attempt: number, settings: RetrySettings): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (attempt - 1));
  // Jitter keeps parallel activities from retrying in lockstep.
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How long the server asked us to wait: Retry-After, else until X-Rate-Limit-Reset; at least 1 s. */
export function serverDelayMs(headers: IncomingHttpHeaders, now: number): number {
  const retryAfter = header(headers, 'retry-after');
  if (retryAfter !== undefined) {
    const trimmed = retryAfter.trim();
    if (/^\d+$/.test(trimmed)) return Math.max(1000, Number(trimmed) * 1000);
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return Math.max(1000, at - now);
  }
  const limits = readRateLimitHeaders(headers);
  if (limits) return Math.max(1000, limits.resetAtMs - now);
  return 1000;
}

/**
 * What the pacer should learn from an answer: the headers when present, and
 * after a 429/503 an empty budget until the server's delay is over.
 */
export function observedLimits(answer: HttpAnswer, now: number): RateLimitSnapshot | undefined {
  const limits = readRateLimitHeaders(answer.headers);
  if (!isRateLimited(answer)) return limits;
  const until = now + serverDelayMs(answer.headers, now);
  return {
    limit: limits?.limit ?? 0,
    remaining: 0,
    resetAtMs: Math.max(until, limits?.resetAtMs ?? 0),
  };
}

const appNotConnected = /not\s+connected|not\s+installed|uninstalled|app\s+(has\s+been\s+)?removed/i;

/** What the Procore tool permission is that a call needs, in words (for a refusal's sentence). */
const PERMISSIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^GET \/rest\/v[\d.]+\/companies\/\d+\/users/, "the Directory tool's read permission in this company"],
  [/\/rest\/v[\d.]+\/projects(\/\d+)?$/, "the Portfolio tool's read permission in this company"],
  [/\/rest\/v[\d.]+\/(folders|files|projects\/\d+\/uploads)/, "the Documents tool's Standard permission in the project"],
  [/\/rest\/v[\d.]+\/webhooks\//, "the Company Admin tool's Admin permission (webhooks)"],
];

export function permissionNeededFor(operation: string): string {
  return PERMISSIONS.find(([pattern]) => pattern.test(operation))?.[1] ?? 'a permission for this call in this company';
}

export interface ClassifyOptions {
  /** how often a refusal someone can fix (a missing permission) is tried again */
  accessRetryMs?: number;
  /** where Procore's own words go: they can name people, so never into the error */
  logger?: ProcoreLogger;
}

/**
 * Turns a non-2xx answer into the error the activity acts on. Every rate
 * limit Procore answers (the API, the token endpoint, storage) comes through
 * here, and is counted here (corfix_procore_procore_rate_limited_total).
 */
export function classifyFailure(
  answer: HttpAnswer,
  details: ApiErrorDetails,
  companyId: string,
  now: number,
  options: ClassifyOptions = {},
): ApiError {
  const withStatus = { ...details, status: answer.status };
  if (isRateLimited(answer)) {
    serviceMetrics.procoreRateLimited(companyId, answer.status);
    return new RateLimitedError(withStatus, serverDelayMs(answer.headers, now));
  }
  if (answer.status >= 400 && answer.status < 500) {
    options.logger?.warn(
      { operation: details.operation, status: answer.status, fields: refusedFields(answer.body) },
      'Procore refused a call',
    );
  }
  if (answer.status === 401) {
    return new AccessDeniedError(withStatus, 'the access token was refused even after a fresh one was obtained');
  }
  if (answer.status === 403) {
    if (appNotConnected.test(answer.body)) return new AppNotConnectedError(withStatus, companyId);
    return new AwaitingAccessError(
      withStatus,
      `the app's service account needs ${permissionNeededFor(details.operation)}`,
      options.accessRetryMs ?? ACCESS_RETRY_MS,
    );
  }
  if (answer.status === 408 || answer.status >= 500) return new UnavailableError(withStatus, `status ${answer.status}`);
  if (answer.status >= 400) {
    const code = nameTaken(answer.body) ? 'name_taken' : undefined;
    return new RequestRejectedError(
      { ...withStatus, ...(code ? { code } : {}) },
      "the request as sent cannot succeed (the fields Procore named are in the worker's log)",
    );
  }
  return new InvalidResponseError(withStatus, `unexpected status ${answer.status}`);
}

/** Parses a JSON body through `schema`, naming the first bad fields when it does not fit. */
export function parseBody<T>(answer: HttpAnswer, schema: z.ZodType<T>, details: ApiErrorDetails): T {
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new InvalidResponseError({ ...details, status: answer.status }, 'the body is not JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new InvalidResponseError({ ...details, status: answer.status }, describeIssues(result.error));
  }
  return result.data;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Procore's own words for a rejection ({"errors": "..."} or {"errors": {"name": [...]}}), kept short. */
/**
 * The fields a refusal names (`{"errors": {"email_address": [...]}}`), for
 * the log: never Procore's words, which can echo what was sent (an email, a name).
 */
function refusedFields(body: string): string[] {
  try {
    const json = JSON.parse(body) as unknown;
    const errors = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['errors'] : undefined;
    if (typeof errors !== 'object' || errors === null || Array.isArray(errors)) return [];
    return Object.keys(errors).filter((key) => /^[a-z_][a-z0-9_.]{0,63}$/i.test(key));
  } catch {
    return [];
  }
}

function nameTaken(body: string): boolean {
  try {
    const json = JSON.parse(body) as { errors?: Record<string, unknown> };
    const problems = json.errors?.['name'];
    return Array.isArray(problems) && problems.some((p) => /already been taken/i.test(String(p)));
  } catch {
    return false;
  }
}
