import {
  OUTCOMES,
  PROJECT_REASONS,
  REASONS,
  USER_REASONS,
  isReason,
  outcomeOfReason,
} from '../../src/domain/sync-outcome.js';

describe('reason codes', () => {
  test('projects have the issue reason codes in decision order', () => {
    expect(PROJECT_REASONS).toEqual([
      'linked',
      'template',
      'number_exists',
      'name_exists',
      'completed_not_in_corfix',
      'invalid_record',
      'created',
    ]);
  });

  test('users have the issue reason codes in decision order', () => {
    expect(USER_REASONS).toEqual([
      'linked',
      'service_account',
      'inactive_not_in_corfix',
      'not_employee',
      'email_exists',
      'invalid_record',
      'created',
    ]);
  });

  test('the full list is exactly the projects and users reasons, each once', () => {
    expect(new Set(REASONS).size).toBe(REASONS.length);
    expect([...REASONS].sort()).toEqual([...new Set([...PROJECT_REASONS, ...USER_REASONS])].sort());
  });

  test('created and linked are their own outcomes; every other reason is a skip', () => {
    expect(OUTCOMES).toEqual(['created', 'linked', 'skipped']);
    expect(outcomeOfReason('created')).toBe('created');
    expect(outcomeOfReason('linked')).toBe('linked');
    const skips = REASONS.filter((reason) => reason !== 'created' && reason !== 'linked');
    expect(skips).toHaveLength(9);
    for (const reason of skips) expect(outcomeOfReason(reason)).toBe('skipped');
  });

  test('isReason accepts the codes only', () => {
    expect(isReason('email_exists')).toBe(true);
    expect(isReason('EMAIL_EXISTS')).toBe(false);
    expect(isReason('deleted')).toBe(false);
  });
});
