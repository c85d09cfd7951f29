// A first look: after the connect the continuous syncs keep Corfix in step on their timer.
import { procoreUserExternalRef } from '../../src/domain/external-ref.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
beforeAll(async () => {
  h = await startSyncHarness({ name: 'continuous-smoke', corfixAccounts: ['acc_smoke'] });
  await h.startWorker({ pollIntervalMs: 1_000 });
});
afterAll(async () => h?.stop());

const workerOf = (company: string, userId: number) =>
  [...h.corfix.state.workers.values()].find((w) => w.external_ref === procoreUserExternalRef(company, String(userId)));

test('a user deactivated in Procore is blocked in Corfix by the next cycle', async () => {
  const company = h.procore.state.addCompany({ name: 'Smoke' });
  const [ann] = h.procore.state.addUsers(company.id, [{ first_name: 'Ann', last_name: 'A', email_address: 'ann@example.com' }]);
  const companyId = String(company.id);
  const connected = await h.connect({ corfix_account_id: 'acc_smoke', procore_company_id: companyId, auto_activate_workers: true });
  await h.connectResult(connected.json['integration_id'] as string);
  expect(workerOf(companyId, ann!.id)?.status).toBe('pending_email_verification');

  h.procore.state.setUserActive(company.id, ann!.id, false);
  await eventually(async () => (workerOf(companyId, ann!.id)?.status === 'blocked' ? true : undefined), 20_000);

  h.procore.state.setUserActive(company.id, ann!.id, true);
  await eventually(async () => (workerOf(companyId, ann!.id)?.status === 'pending_email_verification' ? true : undefined), 20_000);
});
