// Errors from the two external APIs, classified once, here, so that
// activities only decide "retry later (and when)" or "stop and say why".
// Messages are sentences an operator can read in the Temporal Web UI; they
// name the call, the status and the API's error code, never a token, a
// request body or the API's own error text (which can echo names and emails:
// the clients log the code and the fields it names, never its words).

export type ApiName = 'Procore' | 'Corfix';

export interface ApiErrorDetails {
  api: ApiName;
  /** e.g. "GET /rest/v1.1/projects" (path without query string) */
  operation: string;
  status?: number;
  /** the API's own error code when it gives one, e.g. "email_taken" */
  code?: string;
}

export abstract class ApiError extends Error {
  readonly api: ApiName;
  readonly operation: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  /** true: the same call may succeed later; false: it never will as sent */
  abstract readonly retryable: boolean;

  constructor(details: ApiErrorDetails, message: string) {
    super(message);
    this.name = new.target.name;
    this.api = details.api;
    this.operation = details.operation;
    this.status = details.status;
    this.code = details.code;
  }
}

/** 429, or 503 with a delay: try again after `retryAfterMs`. */
export class RateLimitedError extends ApiError {
  readonly retryable = true;
  constructor(details: ApiErrorDetails, readonly retryAfterMs: number) {
    super(
      details,
      `${details.api} ${details.operation} answered ${details.status ?? 429}; the server asked to wait ${Math.ceil(retryAfterMs / 1000)} s before trying again`,
    );
  }
}

/** Network failure or 5xx that outlived the client's short retry. */
export class UnavailableError extends ApiError {
  readonly retryable = true;
  constructor(details: ApiErrorDetails, cause: string) {
    super(details, `${details.api} ${details.operation} failed (${cause}); it will be tried again later`);
  }
}

/** How often a sync asks again while it waits for someone to grant a permission or fix a credential. */
export const ACCESS_RETRY_MS = 5 * 60_000;

/** "5 minutes", "30 s": how often, in words. */
export function intervalText(ms: number): string {
  if (ms % 60_000 === 0) return ms === 60_000 ? 'minute' : `${ms / 60_000} minutes`;
  return `${Math.ceil(ms / 1000)} s`;
}

/**
 * A refusal that someone can fix while the sync waits: a permission not set
 * yet (permissions are often granted after connecting), a list the app
 * cannot see yet, credentials being rotated. Retried every `retryAfterMs`
 * (minutes), so the sync goes on by itself once it is fixed. `missing` says
 * what is missing, in words.
 */
export class AwaitingAccessError extends ApiError {
  readonly retryable = true;
  constructor(details: ApiErrorDetails, readonly missing: string, readonly retryAfterMs: number = ACCESS_RETRY_MS) {
    super(
      details,
      `${details.api} refused ${details.operation} (${details.status ?? 'no status'}): ${missing}; retrying every ${intervalText(retryAfterMs)}`,
    );
  }
}

/** A 4xx on our own request: sending it again changes nothing. */
export class RequestRejectedError extends ApiError {
  readonly retryable = false;
  constructor(details: ApiErrorDetails, reason: string) {
    super(
      details,
      `${details.api} ${details.operation} was rejected with ${details.status ?? 'an error'}${details.code ? ` (${details.code})` : ''}: ${reason}`,
    );
  }
}

/** Credentials refused even after a fresh token, or access to the account/company denied. */
export class AccessDeniedError extends ApiError {
  readonly retryable = false;
  constructor(details: ApiErrorDetails, reason: string) {
    super(details, `${details.api} ${details.operation} refused access (${details.status ?? 'no status'}): ${reason}`);
  }
}

/** Procore 403 "App is not connected to this company": the customer removed the app. */
export class AppNotConnectedError extends ApiError {
  readonly retryable = false;
  constructor(details: ApiErrorDetails, readonly companyId: string) {
    super(
      details,
      `Procore says the Corfix app is not connected to company ${companyId} (403 on ${details.operation}); reinstall the app in Procore, then connect again`,
    );
  }
}

/** A response that does not have the shape the contract promises. */
export class InvalidResponseError extends ApiError {
  readonly retryable = false;
  constructor(details: ApiErrorDetails, problem: string) {
    super(details, `${details.api} ${details.operation} answered with an unexpected body: ${problem}`);
  }
}
