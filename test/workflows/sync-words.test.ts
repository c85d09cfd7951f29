import { clockTime, pageSummary, purposeLine, stateLine, waitSummary } from '../../src/workflows/sync-words.js';

test('a page is named by its list and number, and by the list length once Procore said it', () => {
  expect(pageSummary('active users', 1, null)).toBe('active users page 1');
  expect(pageSummary('active users', 3, 10)).toBe('active users page 3 of 10');
  // A list that grew while it was walked never reads "page 11 of 10".
  expect(pageSummary('projects', 11, 10)).toBe('projects page 11 of 11');
});

test('a wait says what it waits for and until when, by what failed', () => {
  const until = new Date('2026-11-30T10:42:05.123Z');
  const cause = { api: 'Procore', activity: 'syncUserPage', attempt: 2 };
  expect(clockTime(until)).toBe('10:42:05 UTC');
  expect(waitSummary({ ...cause, type: 'RateLimitedError' }, until)).toBe("waiting for Procore's rate-limit window to reset at 10:42:05 UTC");
  expect(waitSummary({ ...cause, type: 'AwaitingAccessError' }, until)).toBe('waiting for access in Procore to be granted; asking again at 10:42:05 UTC');
  expect(waitSummary({ ...cause, api: 'Corfix', type: 'UnavailableError' }, until)).toBe('waiting for Corfix to answer again; next try at 10:42:05 UTC (attempt 3)');
  expect(waitSummary({ ...cause, api: undefined, type: 'DatabaseUnavailable' }, until)).toBe('waiting for Postgres to answer again; next try at 10:42:05 UTC (attempt 3)');
  expect(waitSummary({ ...cause, api: undefined, type: 'UnexpectedError' }, until)).toBe('waiting to run syncUserPage again at 10:42:05 UTC (attempt 3)');
});

test('the state line says what is wrong and what happens next', () => {
  expect(stateLine('ok', null, null)).toBe('State: ok');
  expect(stateLine('retrying', 'Procore GET /x answered 503', 'waiting for Procore to answer again')).toBe(
    'State: retrying. Procore GET /x answered 503\nNext: waiting for Procore to answer again',
  );
  expect(stateLine('failed', 'the app was removed', null)).toMatch(/^State: failed\. the app was removed\nNext: nothing until an operator acts/);
});

test("every workflow's purpose names the account and the company, or the integration when they are unknown", () => {
  const ids = { integrationId: 'i-1', corfixAccountId: 'acc_1', procoreCompanyId: '42' };
  expect(purposeLine({ kind: 'form-upload', formId: 'f-9' }, ids)).toBe('Files form f-9 of Corfix account acc_1 in the Documents of Procore company 42');
  expect(purposeLine({ kind: 'continuous', entity: 'projects' }, ids)).toBe('Keeps the projects of Corfix account acc_1 in step with the projects of Procore company 42');
  expect(purposeLine({ kind: 'initial-sync' }, { integrationId: 'i-1', corfixAccountId: undefined, procoreCompanyId: undefined })).toBe(
    'Initial sync: every project and user of the Procore company into the Corfix account of integration i-1',
  );
});
