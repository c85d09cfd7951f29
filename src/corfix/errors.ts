// Corfix's own refusals, typed by the contract's error codes so that callers
// branch on `err.code === 'external_ref_taken'` rather than on message text.
// Transport-level outcomes (RateLimitedError, UnavailableError,
// InvalidResponseError) are the shared classes from src/http/errors.ts.
import { AccessDeniedError, RequestRejectedError } from '../http/errors.js';
import type { CorfixWorker, WorkerStatus } from './schemas.js';

/**
 * Codes the contract names, plus one per status for a code Corfix did not
 * document (`conflict` for 409, `unprocessable` for 422, `rejected` for any
 * other 4xx); the server's own spelling is kept in `serverCode`.
 */
export type CorfixRejectionCode =
  | 'invalid_input'
  | 'not_found'
  | 'email_taken'
  | 'external_ref_taken'
  | 'idempotency_key_reused'
  | 'illegal_transition'
  | 'form_not_completed'
  | 'conflict'
  | 'unprocessable'
  | 'rejected';

const DOCUMENTED_CODES: ReadonlySet<string> = new Set<CorfixRejectionCode>([
  'invalid_input',
  'not_found',
  'email_taken',
  'external_ref_taken',
  'idempotency_key_reused',
  'illegal_transition',
  'form_not_completed',
]);

export function rejectionCodeFor(status: number, serverCode: string | undefined): CorfixRejectionCode {
  if (serverCode !== undefined && DOCUMENTED_CODES.has(serverCode)) return serverCode as CorfixRejectionCode;
  switch (status) {
    case 400:
      return 'invalid_input';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 422:
      return 'unprocessable';
    default:
      return 'rejected';
  }
}

export interface CorfixRejectionDetails {
  operation: string;
  status: number;
  /** the code as Corfix sent it, if it sent one */
  serverCode: string | undefined;
}

/** 400/404/409/422 (and other 4xx but 401/403/429): the request as sent will never succeed. */
export class CorfixRequestRejectedError extends RequestRejectedError {
  declare readonly code: CorfixRejectionCode;
  readonly serverCode: string | undefined;

  constructor(details: CorfixRejectionDetails, reason: string) {
    const code = rejectionCodeFor(details.status, details.serverCode);
    super({ api: 'Corfix', operation: details.operation, status: details.status, code }, reason);
    this.serverCode = details.serverCode;
  }
}

/** 404: the account, project, worker or form does not exist (or the route does not). */
export class CorfixNotFoundError extends CorfixRequestRejectedError {}

/**
 * 422 `illegal_transition` from activate/block/unblock. The client reads the
 * worker once more so that the caller can tell "already where I wanted it"
 * (a repeat of a transition that had succeeded) from a real conflict.
 */
export class CorfixIllegalTransitionError extends CorfixRequestRejectedError {
  /** the worker's status when the client looked after the 422 */
  readonly currentStatus: WorkerStatus;

  constructor(
    details: CorfixRejectionDetails,
    reason: string,
    /** the worker as the client read it after the 422 */
    readonly worker: CorfixWorker,
    /** true when the worker already is in a status the transition leads to */
    readonly alreadyInTargetState: boolean,
  ) {
    super(details, `${reason} (the worker is ${worker.status})`);
    this.currentStatus = worker.status;
  }
}

export type CorfixAccessCode = 'unauthorized' | 'forbidden';

/**
 * 403 (the token may not use that account: `forbidden`). A 401 (token wrong
 * or rotated) is an AwaitingAccessError with code `unauthorized`: it is
 * retried slowly until the token is fixed.
 */
export class CorfixAccessDeniedError extends AccessDeniedError {
  declare readonly code: CorfixAccessCode;
  readonly serverCode: string | undefined;

  constructor(details: CorfixRejectionDetails, reason: string) {
    const code: CorfixAccessCode = details.status === 403 ? 'forbidden' : 'unauthorized';
    super({ api: 'Corfix', operation: details.operation, status: details.status, code }, reason);
    this.serverCode = details.serverCode;
  }
}
