// A client printed whole (a failed assertion, a debug log, util.inspect) must
// not show the credentials it holds.
import { inspect } from 'node:util';
import { CorfixClient } from '../../src/corfix/client.js';
import { ProcoreClient } from '../../src/procore/client.js';

test('neither client shows its secret when inspected', () => {
  const procore = new ProcoreClient({
    apiBaseUrl: 'http://127.0.0.1:9',
    authBaseUrl: 'http://127.0.0.1:9',
    clientId: 'client-id',
    clientSecret: 'procore-client-secret-value',
    companyId: '42',
  });
  const corfix = new CorfixClient({ baseUrl: 'http://127.0.0.1:9', token: 'corfix-api-token-value' });
  for (const client of [procore, corfix]) {
    const printed = inspect(client, { depth: 20, showHidden: true, getters: true });
    expect(printed).not.toContain('procore-client-secret-value');
    expect(printed).not.toContain('corfix-api-token-value');
  }
});
