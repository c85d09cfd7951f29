import {
  FORM_REASONS,
  OUTCOMES,
  PROJECT_CHANGE_REASONS,
  PROJECT_REASONS,
  REASONS,
  USER_CHANGE_REASONS,
  USER_REASONS,
  isReason,
  outcomeOfReason,
} from '../../src/domain/sync-outcome.js';

describe('reason codes', () => {
  test('projects have the issue reason codes in decision order', () => {
    expect(PROJECT_REASONS).toEqual([
      'linked',
      'template',
      'not_selected',
      'adopted',
      'ambiguous_match',
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
      'adopted',
      'ambiguous_match',
      'email_exists',
      'invalid_record',
      'created',
    ]);
  });

  test('the full list is exactly the decision and change reasons of projects and users, and the form reasons, each once', () => {
    expect(new Set(REASONS).size).toBe(REASONS.length);
    expect([...REASONS].sort()).toEqual(
      [...new Set([...PROJECT_REASONS, ...USER_REASONS, ...PROJECT_CHANGE_REASONS, ...USER_CHANGE_REASONS, ...FORM_REASONS])].sort(),
    );
  });

  test('a form is filed (a new file, a new version), left alone, or failed', () => {
    expect(Object.fromEntries(FORM_REASONS.map((r) => [r, outcomeOfReason(r)]))).toEqual({
      uploaded: 'created',
      new_version: 'updated',
      draft: 'skipped',
      project_not_linked: 'skipped',
      not_selected: 'skipped',
      sync_forms_off: 'skipped',
      upload_failed: 'failed',
    });
  });

  test('created, linked and adopted are their own outcomes; every other decision reason is a skip', () => {
    expect(outcomeOfReason('created')).toBe('created');
    expect(outcomeOfReason('linked')).toBe('linked');
    expect(outcomeOfReason('adopted')).toBe('adopted');
    const skips = [...PROJECT_REASONS, ...USER_REASONS].filter((reason) => reason !== 'created' && reason !== 'linked' && reason !== 'adopted');
    expect(new Set(skips).size).toBe(11);
    for (const reason of skips) expect(outcomeOfReason(reason)).toBe('skipped');
  });

  test('a change says what it did in Corfix: updated, blocked, unblocked, or left pending', () => {
    expect(OUTCOMES).toEqual(['created', 'linked', 'adopted', 'skipped', 'updated', 'blocked', 'unblocked', 'failed']);
    expect(Object.fromEntries([...PROJECT_CHANGE_REASONS, ...USER_CHANGE_REASONS].map((r) => [r, outcomeOfReason(r)]))).toEqual({
      status_changed: 'updated',
      fields_changed: 'updated',
      email_taken: 'updated',
      deactivated: 'blocked',
      no_longer_employee: 'blocked',
      deleted: 'blocked',
      reactivated: 'unblocked',
      employee_again: 'unblocked',
      pending_activation: 'skipped',
      missing_in_corfix: 'skipped',
    });
  });

  test('isReason accepts the codes only', () => {
    expect(isReason('email_exists')).toBe(true);
    expect(isReason('EMAIL_EXISTS')).toBe(false);
    // a change reason since the continuous syncs (a user deleted in Procore, blocked)
    expect(isReason('deleted')).toBe(true);
    expect(isReason('removed')).toBe(false);
    expect(isReason('')).toBe(false);
  });
});
