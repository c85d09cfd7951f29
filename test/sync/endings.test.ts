// However a sync ends (an operator terminates or cancels it, its workflow
// closes without a word), Postgres must not say "initial_sync" for ever: the
// row ends as `error` with a sentence, and the account can connect again.
import { WorkflowNotFoundError } from '@temporalio/client';
import { createIntegration, findIntegration } from '../../src/db/repositories/integrations.js';
import { createLogger } from '../../src/logger.js';
import { reconcileConnectWorkflows } from '../../src/temporal/reconcile.js';
import { connectWorkflowId, initialSyncWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNTS = ['acc_terminated', 'acc_cancelled', 'acc_parent_gone', 'acc_bad_row', 'acc_fine_row', 'acc_orphan_late'];
let h: SyncHarness;
const logger = createLogger('silent', 'test');

beforeAll(async () => {
  h = await startSyncHarness({ name: 'endings', corfixAccounts: ACCOUNTS });
  await h.startWorker();
});
afterAll(async () => h?.stop());

/** A company whose project list answers 503 for now: its sync waits, retrying, until the test acts. */
function stuckCompany(name: string): string {
  const company = h.procore.state.addCompany({ name });
  h.procore.state.generateProjects(company.id, 2);
  return String(company.id);
}

async function connectStuck(account: string): Promise<string> {
  h.procore.faults.setFaults([{ route: 'GET /rest/v1.1/projects', errors: [{ status: 503, rate: 1 }] }]);
  const connected = await h.connect({ corfix_account_id: account, procore_company_id: stuckCompany(`Stuck ${account}`) });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await eventually(async () => ((await findIntegration(h.t.db, integrationId))?.lastError ? true : undefined));
  return integrationId;
}

async function endsAsError(account: string, sentence: RegExp): Promise<void> {
  const status = await eventually(async () => {
    const s = await h.status(account);
    return s['status'] === 'error' ? s : undefined;
  });
  expect(status).toMatchObject({ status: 'error', initial_sync: { state: 'failed' } });
  expect((status['last_error'] as { message: string }).message).toMatch(sentence);
}

async function canConnectAgain(account: string): Promise<void> {
  h.procore.faults.clearFaults();
  const company = h.procore.state.addCompany({ name: `Again ${account}` });
  const again = await h.connect({ corfix_account_id: account, procore_company_id: String(company.id) });
  expect(again.statusCode).toBe(202);
  await h.connectResult(again.json['integration_id'] as string);
  expect(await h.status(account)).toMatchObject({ status: 'active', generation: 2 });
}

afterEach(() => h.procore.faults.clearFaults());

test('an initial sync terminated by an operator leaves the integration in error, with a sentence', async () => {
  const integrationId = await connectStuck('acc_terminated');
  await h.temporal.client.workflow.getHandle(initialSyncWorkflowId(integrationId)).terminate('operator stopped it');
  await endsAsError('acc_terminated', /initial sync.*terminated/i);
  await canConnectAgain('acc_terminated');
});

test('a cancelled connect leaves the integration in error, with a sentence', async () => {
  const integrationId = await connectStuck('acc_cancelled');
  await h.temporal.client.workflow.getHandle(connectWorkflowId(integrationId)).cancel();
  await endsAsError('acc_cancelled', /cancelled/i);
  await canConnectAgain('acc_cancelled');
});

test('a connect workflow that closed without a word is repaired by reconciliation', async () => {
  const integrationId = await connectStuck('acc_parent_gone');
  // Terminating the parent ends the child too (parent close policy): no workflow code runs to say so.
  await h.temporal.client.workflow.getHandle(connectWorkflowId(integrationId)).terminate('operator stopped it');
  const result = await reconcileConnectWorkflows(h.t.db, h.temporal.client, h.taskQueue, logger);
  expect(result.repaired).toEqual([integrationId]);
  await endsAsError('acc_parent_gone', /terminated/i);
  await canConnectAgain('acc_parent_gone');
});

test('reconciliation skips a row it cannot fix, and fixes the others', async () => {
  const companyA = h.procore.state.addCompany({ name: 'Bad row' });
  const companyB = h.procore.state.addCompany({ name: 'Fine row' });
  const bad = await createIntegration(h.t.db, { corfixAccountId: 'acc_bad_row', procoreCompanyId: String(companyA.id), syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false });
  const fine = await createIntegration(h.t.db, { corfixAccountId: 'acc_fine_row', procoreCompanyId: String(companyB.id), syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false });
  // Temporal refuses to describe the bad row's workflow (an unexpected error, not "not found").
  const temporal = new Proxy(h.temporal.client, {
    get(target, prop, receiver) {
      if (prop !== 'workflow') return Reflect.get(target, prop, receiver);
      const workflow = target.workflow;
      return new Proxy(workflow, {
        get(w, p, r) {
          if (p !== 'getHandle') return Reflect.get(w, p, r);
          return (id: string, ...rest: unknown[]) => {
            const handle = (w.getHandle as (...a: unknown[]) => ReturnType<typeof w.getHandle>)(id, ...rest);
            if (id !== connectWorkflowId(bad.id)) return handle;
            return { ...handle, describe: () => Promise.reject(new Error('unexpected answer from Temporal')) };
          };
        },
      });
    },
  });
  const result = await reconcileConnectWorkflows(h.t.db, temporal, h.taskQueue, logger);
  expect(result.skipped).toEqual([bad.id]);
  expect(result.ensured).toContain(fine.id);
  await h.connectResult(fine.id);
  await expect(h.temporal.client.workflow.getHandle(connectWorkflowId(bad.id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test('a running worker reconciles periodically: a row saved without its workflow gets one without a restart', async () => {
  await h.stopWorker();
  await h.startWorker({ reconcileIntervalMs: 1_000 });
  const company = h.procore.state.addCompany({ name: 'Saved late' });
  // As if the API had died between saving the integration and starting its workflow, after the worker started.
  await new Promise((r) => setTimeout(r, 1_500));
  const orphan = await createIntegration(h.t.db, { corfixAccountId: 'acc_orphan_late', procoreCompanyId: String(company.id), syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false });
  await eventually(async () => ((await findIntegration(h.t.db, orphan.id))?.status === 'active' ? true : undefined), 30_000);
}, 60_000);
