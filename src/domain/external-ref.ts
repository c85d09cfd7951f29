// The ids this integration writes on Corfix records and requests: what lets
// it re-find what it made, and lets a retried create be a no-op.

/** `procore:{company_id}:project:{id}`, stored as the Corfix project's external_ref. */
export function procoreProjectExternalRef(companyId: string, projectId: string): string {
  return `procore:${companyId}:project:${projectId}`;
}

/** `procore:{company_id}:user:{id}`, stored as the Corfix worker's external_ref. */
export function procoreUserExternalRef(companyId: string, userId: string): string {
  return `procore:${companyId}:user:${userId}`;
}

/**
 * Creates that carry an Idempotency-Key. The operation keeps a Procore user
 * and a Procore project with the same numeric id apart.
 */
export const IDEMPOTENT_OPERATIONS = ['project.create', 'worker.create'] as const;
export type IdempotentOperation = (typeof IDEMPOTENT_OPERATIONS)[number];

/** Corfix remembers Idempotency-Key values of at most 255 characters. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/**
 * `{integration_id}:{operation}:{procore_id}`. The integration id is part of
 * it so that a reconnect (a new integration id) never replays an answer
 * Corfix remembered for an earlier attempt.
 * Throws a RangeError beyond 255 characters: a uuid and a Procore id are far
 * below it, so a longer key means the caller passed something else.
 */
export function idempotencyKey(parts: {
  integrationId: string;
  procoreId: string;
  operation: IdempotentOperation;
}): string {
  const key = `${parts.integrationId}:${parts.operation}:${parts.procoreId}`;
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    throw new RangeError(`idempotency key longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} characters`);
  }
  return key;
}
