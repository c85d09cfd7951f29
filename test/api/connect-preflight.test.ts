// The connect preflight's answers to refusals that someone can fix (a
// permission not granted yet, credentials refused): a 503 naming what to
// check, nothing saved; and the permanent ones stay 422.
import { checkCorfixAccount, checkProcoreCompany } from '../../src/api/connect-preflight.js';
import type { CorfixClient } from '../../src/corfix/client.js';
import type { ExternalApiClients } from '../../src/external-api-clients.js';
import { AppNotConnectedError, AwaitingAccessError } from '../../src/http/errors.js';
import type { ProcoreClient } from '../../src/procore/client.js';

const failing = (error: Error): ExternalApiClients => ({
  corfix: { getAccount: async () => Promise.reject(error) } as unknown as CorfixClient,
  procore: () => ({ listCompanies: async () => Promise.reject(error) }) as unknown as ProcoreClient,
});

test('a Corfix 401 (the token rotated) is a 503 naming CORFIX_API_TOKEN, not "the account cannot be used"', async () => {
  const error = new AwaitingAccessError({ api: 'Corfix', operation: 'GET /v1/accounts/acc_1', status: 401 }, 'the token was refused');
  expect(await checkCorfixAccount(failing(error), 'acc_1')).toEqual({
    ok: false,
    status: 503,
    code: 'corfix_credentials_refused',
    message: expect.stringContaining('CORFIX_API_TOKEN'),
  });
});

test('Procore refusing the client credentials is a 503 naming them', async () => {
  const error = new AwaitingAccessError({ api: 'Procore', operation: 'POST /oauth/token', status: 401 }, 'the client id and secret were refused');
  expect(await checkProcoreCompany(failing(error), '42')).toMatchObject({
    status: 503,
    code: 'procore_credentials_refused',
    message: expect.stringContaining('PROCORE_CLIENT_SECRET'),
  });
});

test('a missing Procore permission is a 503 that says which, to try again once granted', async () => {
  const error = new AwaitingAccessError(
    { api: 'Procore', operation: 'GET /rest/v1.0/companies', status: 403 },
    "the app's service account needs a permission for this call in this company",
  );
  expect(await checkProcoreCompany(failing(error), '42')).toEqual({
    ok: false,
    status: 503,
    code: 'procore_permission_missing',
    message:
      "Procore refused GET /rest/v1.0/companies (403): the app's service account needs a permission for this call in this company; nothing was saved, send the same request again once it is granted",
  });
});

test('the app removed from the company stays a 422', async () => {
  const error = new AppNotConnectedError({ api: 'Procore', operation: 'GET /rest/v1.0/companies', status: 403 }, '42');
  expect(await checkProcoreCompany(failing(error), '42')).toMatchObject({ status: 422, code: 'procore_app_not_connected' });
});
