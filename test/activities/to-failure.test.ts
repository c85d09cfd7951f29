// What an activity's error becomes for the workflow that decides its retries.
// The service's own API errors carry their class and retryability; anything
// else is either the database being away for a while (retried like an
// outage) or a programming error or unreadable data (marked unexpected, so
// the workflow stops after a few attempts with a sentence instead of
// retrying for ever).
import { ApplicationFailure } from '@temporalio/common';
import { toFailure } from '../../src/activities/activity-support.js';
import { UnavailableError } from '../../src/http/errors.js';

const details = (failure: unknown) => (failure as ApplicationFailure).details?.[0] as Record<string, unknown>;

test('an API error keeps its class, its sentence and its retryability, and names its API (the wait\'s words in the Web UI)', () => {
  const failure = toFailure(new UnavailableError({ api: 'Procore', operation: 'GET /rest/v1.1/projects', status: 503 }, 'answered 503'), { page: 2 });
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'UnavailableError', nonRetryable: false });
  expect(details(failure)).toEqual({ api: 'Procore', resume: { page: 2 } });
});

test('a programming error is marked unexpected, named by its class, without its message', () => {
  const failure = toFailure(new TypeError("Cannot read properties of undefined (reading 'ann@example.com')"), { page: 1 });
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'UnexpectedError', nonRetryable: false });
  expect((failure as ApplicationFailure).message).toContain('TypeError');
  expect((failure as ApplicationFailure).message).not.toContain('@');
  expect(details(failure)).toEqual({ resume: { page: 1 }, unexpected: true });
});

test('Postgres away for a while is an outage, retried without a budget', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const shutdown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  const timedOut = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
  for (const error of [refused, shutdown, timedOut]) {
    const failure = toFailure(error);
    expect(failure).toMatchObject({ type: 'DatabaseUnavailable', nonRetryable: false });
    expect(details(failure)['unexpected']).toBeUndefined();
  }
});

test('a failure an activity decided itself passes through', () => {
  const gone = ApplicationFailure.nonRetryable('integration x no longer exists', 'IntegrationGone');
  expect(toFailure(gone)).toBe(gone);
});
