// A record this integration made and someone then deleted in Corfix (an admin
// removed the worker) is one record: it gets its report row and the loop goes
// on with the others, instead of stopping the whole integration on a 404.
import { procoreUserExternalRef } from '../../src/domain/external-ref.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'missing-in-corfix', corfixAccounts: ['acc_missing'] });
  await h.startWorker({ pollIntervalMs: 1_000 });
});
afterAll(async () => h?.stop());

test('a worker deleted in Corfix is reported, and the other changes of the cycle still arrive', async () => {
  const company = h.procore.state.addCompany({ name: 'Missing worker' });
  const [gone, kept] = h.procore.state.addUsers(company.id, [
    { first_name: 'Gone', last_name: 'A', email_address: 'gone@example.com' },
    { first_name: 'Kept', last_name: 'B', email_address: 'kept@example.com' },
  ]);
  const companyId = String(company.id);
  const connected = await h.connect({ corfix_account_id: 'acc_missing', procore_company_id: companyId, auto_activate_workers: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const workerOf = (userId: number) =>
    [...h.corfix.state.workers.values()].find((w) => w.external_ref === procoreUserExternalRef(companyId, String(userId)));
  const goneWorker = workerOf(gone!.id);
  expect(goneWorker).toBeDefined();
  h.corfix.state.workers.delete(goneWorker!.id);

  h.procore.state.setUserActive(company.id, gone!.id, false);
  h.procore.state.setUserActive(company.id, kept!.id, false);

  await eventually(async () => (workerOf(kept!.id)?.status === 'blocked' ? true : undefined));
  const row = await eventually(async () =>
    h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'user', procore_id: String(gone!.id), reason: 'missing_in_corfix' }).first(),
  );
  expect(row).toMatchObject({ outcome: 'skipped', corfix_id: goneWorker!.id });
  expect(await h.status('acc_missing')).toMatchObject({ status: 'active', sync_state: { state: 'ok' }, last_error: null });
});
