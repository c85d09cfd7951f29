// The nonces of the sign-in `state`s this service issued. A state is good
// once: using it deletes its nonce in one statement, so of two requests
// carrying the same state exactly one finds it, and a replay finds none.
import type { Database } from '../database.js';

/** Records a nonce just issued; expired ones (never used) are cleared on the way. */
export async function recordIssuedNonce(
  db: Database,
  entry: { nonce: string; corfixAccountId: string; expiresAt: Date },
): Promise<void> {
  await db('connect_state_nonces').where('expires_at', '<', db.fn.now()).delete();
  await db('connect_state_nonces').insert({
    nonce: entry.nonce,
    corfix_account_id: entry.corfixAccountId,
    expires_at: entry.expiresAt,
  });
}

/**
 * Uses a nonce: true when it was issued, not used yet and not expired (it is
 * gone afterwards either way); false otherwise.
 */
export async function useNonce(db: Database, nonce: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: Array<{ live: boolean }> }>(
    'DELETE FROM connect_state_nonces WHERE nonce = ? RETURNING expires_at > now() AS live',
    [nonce],
  );
  return rows[0]?.live === true;
}
