import { activateOnCreate, workerStatusOnCreate } from '../../src/domain/worker-activation.js';

describe('worker activation', () => {
  test('with Automatically Activate Workers, created workers are created activated', () => {
    expect(activateOnCreate({ automaticallyActivateWorkers: true })).toBe(true);
  });

  test('without Automatically Activate Workers, created workers wait in pending activation', () => {
    expect(activateOnCreate({ automaticallyActivateWorkers: false })).toBe(false);
    expect(workerStatusOnCreate(false, 'aroha@example.com')).toBe('pending_account_activation');
    expect(workerStatusOnCreate(false, null)).toBe('pending_account_activation');
  });

  test('an activated worker with an email awaits email verification; without one it is active for kiosk', () => {
    expect(workerStatusOnCreate(true, 'aroha@example.com')).toBe('pending_email_verification');
    expect(workerStatusOnCreate(true, null)).toBe('active_for_kiosk');
  });
});
