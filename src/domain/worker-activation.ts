// docs/rules.md, Activation and status: with "Automatically Activate
// Workers", synced users are created activated; otherwise pending activation.

/**
 * Whether a worker is created activated. With the setting on, the create
 * itself carries `activate: true` (one call, no separate activate call that
 * could fail halfway); otherwise the worker waits in pending activation.
 */
export function activateOnCreate(settings: { automaticallyActivateWorkers: boolean }): boolean {
  return settings.automaticallyActivateWorkers;
}

export type WorkerStatusOnCreate = 'pending_account_activation' | 'pending_email_verification' | 'active_for_kiosk';

/**
 * The status Corfix gives a new worker (the status machine of contracts/corfix-api.yaml):
 * not activated -> pending_account_activation; activated -> pending email
 * verification when it has an email, else active for kiosk. Later rules
 * depend on it: a worker never activated stays pending, never blocked.
 */
export function workerStatusOnCreate(activate: boolean, email: string | null): WorkerStatusOnCreate {
  if (!activate) return 'pending_account_activation';
  return email === null ? 'active_for_kiosk' : 'pending_email_verification';
}
