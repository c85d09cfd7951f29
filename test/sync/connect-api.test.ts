// POST /v1/integrations and the status endpoints, on the real API, Postgres
// and Temporal, against the simulators.
import { randomUUID } from 'node:crypto';
import { harnessApi, startSyncHarness, type SyncHarness, API_TOKEN } from '../support/sync-harness.js';

let h: SyncHarness;
let installed: string;
let otherInstalled: string;
let notInstalled: string;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'connect-api', corfixAccounts: ['acc_a', 'acc_b', 'acc_c', 'acc_d', 'acc_e', 'acc_f', 'acc_g'] });
  const p = h.procore.state;
  installed = String(p.addCompany({ name: 'Installed' }).id);
  otherInstalled = String(p.addCompany({ name: 'Also installed' }).id);
  notInstalled = String(p.addCompany({ name: 'Not installed', app_installed: false }).id);
  p.addUsers(Number(otherInstalled), [
    { first_name: 'Ana', last_name: 'Lee', email_address: 'ana@x.example', is_employee: false, is_active: true, employee_id: null, mobile_phone: null, business_phone: null, job_title: null },
  ]);
  await h.startWorker();
});
afterAll(async () => h?.stop());

async function workflowsOfAccount(account: string): Promise<number> {
  let n = 0;
  for await (const _ of h.temporal.client.workflow.list({ query: `CorfixAccountId = "${account}"` })) n += 1;
  return n;
}

test('a malformed body is refused with 400 naming the field', async () => {
  const bad = await h.connect({ corfix_account_id: 'acc_a', procore_company_id: 'twelve' });
  expect(bad.statusCode).toBe(400);
  expect(JSON.stringify(bad.json)).toContain('procore_company_id');

  const missing = await h.connect({ procore_company_id: installed });
  expect(missing.statusCode).toBe(400);
  expect((bad.json['error'] as { code: string }).code).toBe('invalid_request');
  expect(JSON.stringify(missing.json)).toContain('corfix_account_id');

  const wrongType = await h.connect({ corfix_account_id: 'acc_a', procore_company_id: installed, sync_forms: 'yes' });
  expect(wrongType.statusCode).toBe(400);
  expect(JSON.stringify(wrongType.json)).toContain('sync_forms');

  const unknown = await h.connect({ corfix_account_id: 'acc_a', procore_company_id: installed, sync_everything: true });
  expect(unknown.statusCode).toBe(400);
  expect(JSON.stringify(unknown.json)).toContain('sync_everything');
});

test('a JSON integer above 2^53 is refused, not rounded', async () => {
  const response = await h.api.inject({
    method: 'POST',
    url: '/v1/integrations',
    headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
    payload: `{"corfix_account_id": "acc_a", "procore_company_id": 12345678901234567890}`,
  });
  expect(response.statusCode).toBe(400);
  expect(response.json().error.message).toMatch(/procore_company_id.*2\^53/);
});

test('without the bearer token nothing is answered', async () => {
  const response = await h.api.inject({ method: 'POST', url: '/v1/integrations', payload: {} });
  expect(response.statusCode).toBe(401);
  const status = await h.api.inject({ method: 'GET', url: '/v1/integrations/acc_a', headers: { authorization: 'Bearer wrong' } });
  expect(status.statusCode).toBe(401);
});

test('a company the app is not installed in gives 422 and starts no workflow', async () => {
  const response = await h.connect({ corfix_account_id: 'acc_b', procore_company_id: notInstalled });
  expect(response.statusCode).toBe(422);
  expect((response.json['error'] as { message: string }).message).toBe(
    `the Corfix app is not installed in Procore company ${notInstalled}`,
  );
  const unknownCompany = await h.connect({ corfix_account_id: 'acc_b', procore_company_id: '99999999999' });
  expect(unknownCompany.statusCode).toBe(422);
  expect(await workflowsOfAccount('acc_b')).toBe(0);
  expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_b' })).toHaveLength(0);
});

test('a Corfix account the service cannot use gives 422', async () => {
  const response = await h.connect({ corfix_account_id: 'acc_nobody', procore_company_id: installed });
  expect(response.statusCode).toBe(422);
  expect((response.json['error'] as { code: string }).code).toBe('corfix_account_unusable');
});

test('connecting the same account or the same company twice gives 409', async () => {
  const first = await h.connect({ corfix_account_id: 'acc_c', procore_company_id: installed });
  expect(first.statusCode).toBe(202);
  expect(first.json).toMatchObject({ status: 'connecting', status_url: '/v1/integrations/acc_c' });
  expect(first.json['workflow_id']).toBe(`connect/${first.json['integration_id'] as string}`);

  const sameAccount = await h.connect({ corfix_account_id: 'acc_c', procore_company_id: otherInstalled });
  expect(sameAccount.statusCode).toBe(409);
  const sameCompany = await h.connect({ corfix_account_id: 'acc_d', procore_company_id: installed });
  expect(sameCompany.statusCode).toBe(409);
  expect((sameCompany.json['error'] as { message: string }).message).toContain('Procore company is already connected');
  await h.connectResult(first.json['integration_id'] as string);
});

test('without Automatically Activate Workers or Sync Employees Only, workers wait for activation and non-employees come too', async () => {
  const response = await h.connect({ corfix_account_id: 'acc_e', procore_company_id: otherInstalled });
  expect(response.statusCode).toBe(202);
  await h.connectResult(response.json['integration_id'] as string);
  const workers = h.corfix.state.snapshot().workers.filter((w) => w.account_id === 'acc_e');
  expect(workers).toEqual([
    expect.objectContaining({ first_name: 'Ana', last_name: 'Lee', email: 'ana@x.example', status: 'pending_account_activation' }),
  ]);
  const status = await h.status('acc_e');
  expect(status).toMatchObject({ status: 'active', settings: { sync_employees_only: false, auto_activate_workers: false } });
});

test('the status of an account never connected is 404, and the API describes itself as OpenAPI', async () => {
  const response = await h.api.inject({ method: 'GET', url: '/v1/integrations/acc_never', headers: { authorization: `Bearer ${API_TOKEN}` } });
  expect(response.statusCode).toBe(404);
  const spec = (await h.api.inject({ method: 'GET', url: '/openapi.json' })).json();
  expect(spec.openapi).toMatch(/^3\./);
  expect(Object.keys(spec.paths)).toEqual(
    expect.arrayContaining(['/v1/integrations', '/v1/integrations/{corfix_account_id}', '/v1/integrations/{corfix_account_id}/outcomes']),
  );
});

test('the sync report refuses an unknown reason code, naming the parameter', async () => {
  const response = await h.api.inject({
    method: 'GET',
    url: '/v1/integrations/acc_c/outcomes?reason=made_up',
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  expect(response.statusCode).toBe(400);
  expect(response.json().error.message).toContain('reason');
  const ok = await h.api.inject({
    method: 'GET',
    url: '/v1/integrations/acc_c/outcomes?entity=project&reason=created',
    headers: { authorization: `Bearer ${API_TOKEN}` },
  });
  expect(ok.statusCode).toBe(200);
});

test('when Temporal cannot start the sync, the answer is 503 and nothing is left half made', async () => {
  const down = await harnessApi(h, { temporalAway: true });
  const company = h.procore.state.addCompany({ name: 'Temporal down' });
  const response = await down.connect({ corfix_account_id: 'acc_d', procore_company_id: String(company.id) });
  expect(response.statusCode).toBe(503);
  expect(response.json().error.message).toContain('send the same request again');
  expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_d' })).toHaveLength(0);
  await down.close();

  // The same request, once Temporal answers, simply works.
  const again = await h.connect({ corfix_account_id: 'acc_d', procore_company_id: String(company.id) });
  expect(again.statusCode).toBe(202);
  await h.connectResult(again.json['integration_id'] as string);
}, 60_000);

test('a 503 leaves an earlier failed connection as it was: still in error, nothing audited', async () => {
  const company = String(h.procore.state.addCompany({ name: 'Failed before' }).id);
  const [earlier] = await h.t
    .db('integrations')
    .insert({
      id: randomUUID(),
      corfix_account_id: 'acc_f',
      procore_company_id: company,
      generation: 1,
      status: 'error',
      initial_sync_state: 'failed',
      last_error: 'the Corfix app was removed from the Procore company',
      last_error_at: h.t.db.fn.now(),
    })
    .returning('*');
  const auditRows = async () => Number((await h.t.db('audit_log').count<{ count: string }[]>('* as count'))[0]?.count);
  const auditBefore = await auditRows();

  const down = await harnessApi(h, { temporalAway: true });
  const response = await down.connect({ corfix_account_id: 'acc_f', procore_company_id: company });
  await down.close();
  expect(response.statusCode).toBe(503);

  const rows = await h.t.db('integrations').where({ corfix_account_id: 'acc_f' });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: earlier.id, status: 'error', initial_sync_state: 'failed', disconnected_at: null });
  expect(rows[0].updated_at).toEqual(earlier.updated_at);
  expect(await auditRows()).toBe(auditBefore);

  // Once Temporal answers, the same request replaces the failed connection.
  const again = await h.connect({ corfix_account_id: 'acc_f', procore_company_id: company });
  expect(again.statusCode).toBe(202);
  expect(await h.t.db('integrations').where({ id: earlier.id }).first()).toMatchObject({ status: 'disconnected' });
  await h.connectResult(again.json['integration_id'] as string);
}, 60_000);

test('no sync starts without its connect audit row; the retry of the same request works', async () => {
  const company = String(h.procore.state.addCompany({ name: 'Audit refused' }).id);
  // Planted in this file's own database: the connect audit row of acc_g cannot be written.
  await h.t.db.raw(`
    CREATE FUNCTION refuse_acc_g_connect_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.action = 'connect' AND EXISTS (SELECT 1 FROM integrations WHERE id = NEW.integration_id AND corfix_account_id = 'acc_g') THEN
        RAISE EXCEPTION 'audit_log refused by the test';
      END IF;
      RETURN NEW;
    END $$`);
  await h.t.db.raw(
    'CREATE TRIGGER refuse_acc_g_connect_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_acc_g_connect_audit()',
  );
  let response;
  try {
    response = await h.connect({ corfix_account_id: 'acc_g', procore_company_id: company });
  } finally {
    await h.t.db.raw('DROP TRIGGER refuse_acc_g_connect_audit ON audit_log');
    await h.t.db.raw('DROP FUNCTION refuse_acc_g_connect_audit()');
  }
  expect(response.statusCode).toBe(500);
  // Nothing saved, so nothing for the reconciler to start either.
  expect(await h.t.db('integrations').where({ corfix_account_id: 'acc_g' })).toHaveLength(0);
  expect(await workflowsOfAccount('acc_g')).toBe(0);

  const again = await h.connect({ corfix_account_id: 'acc_g', procore_company_id: company });
  expect(again.statusCode).toBe(202);
  const id = again.json['integration_id'] as string;
  expect(await h.t.db('audit_log').where({ integration_id: id, action: 'connect' })).toHaveLength(1);
  await h.connectResult(id);
}, 60_000);
