import {
  idempotencyKey,
  procoreProjectExternalRef,
  procoreUserExternalRef,
} from '../../src/domain/external-ref.js';

describe('external_ref', () => {
  test('a project external_ref is procore:{company_id}:project:{id}', () => {
    expect(procoreProjectExternalRef('4200001', '562949953421312')).toBe('procore:4200001:project:562949953421312');
  });

  test('a user external_ref is procore:{company_id}:user:{id}', () => {
    // An id above 2^53 survives digit for digit because it stays a string.
    expect(procoreUserExternalRef('4200001', '9007199254740993')).toBe('procore:4200001:user:9007199254740993');
  });
});

describe('idempotency key', () => {
  const integrationId = '0b6f1f0e-3c1a-4b8e-9a59-5f3f1b2f7c11';

  test('it is the integration id, the operation and the Procore id', () => {
    expect(idempotencyKey({ integrationId, procoreId: '77', operation: 'worker.create' })).toBe(
      `${integrationId}:worker.create:77`,
    );
  });

  test('a user and a project with the same Procore id get different keys', () => {
    const user = idempotencyKey({ integrationId, procoreId: '77', operation: 'worker.create' });
    const project = idempotencyKey({ integrationId, procoreId: '77', operation: 'project.create' });
    expect(user).not.toBe(project);
  });

  test('a reconnect (a new integration id) gets new keys', () => {
    const first = idempotencyKey({ integrationId, procoreId: '77', operation: 'worker.create' });
    const again = idempotencyKey({
      integrationId: '5d0c1c3e-7a2b-4d44-8a61-0c7e2a9d9e02',
      procoreId: '77',
      operation: 'worker.create',
    });
    expect(again).not.toBe(first);
  });

  test('a key stays within 255 characters or is refused', () => {
    const key = idempotencyKey({ integrationId, procoreId: '9'.repeat(40), operation: 'project.create' });
    expect(key.length).toBeLessThanOrEqual(255);
    expect(() => idempotencyKey({ integrationId: 'x'.repeat(250), procoreId: '1', operation: 'worker.create' })).toThrow(
      RangeError,
    );
  });
});
