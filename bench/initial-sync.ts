// `npm run bench`: the initial sync of a large company, measured. Not part of
// CI. Everything is real but the two APIs (simulators with 50 ms latency on
// every call): a Temporal dev server, Postgres, and the built worker as its own
// process. The same sync then runs again as a plain loop over the same
// activity functions (MockActivityEnvironment), without Temporal.
import { MockActivityEnvironment } from '@temporalio/testing';
import { Connection, Client } from '@temporalio/client';
import { createInitialSyncActivities } from '../src/activities/initial-sync.js';
import { createExternalApiClients } from '../src/external-api-clients.js';
import { procoreRateBudgetStore } from '../src/db/repositories/procore-rate-budgets.js';
import { SharedRatePacer } from '../src/procore/shared-pacing.js';
import { createIntegration, updateIntegration } from '../src/db/repositories/integrations.js';
import { createLogger } from '../src/logger.js';
import { startConnect } from '../src/client.js';
import { connectWorkflowId, initialSyncWorkflowId } from '../src/temporal/workflow-ids.js';
import { DEFAULT_CORFIX_CREATE_CONCURRENCY as CORFIX_CREATE_CONCURRENCY } from '../src/config.js';
import type { PageResult, SyncStart } from '../src/activities/initial-sync-types.js';
import { LATENCY_MS, peakRssOf, seedCompany, spawnService, startBenchStack } from './stack.js';

const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 1_000);
const USERS = Number(process.env['BENCH_USERS'] ?? 10_000);
const INACTIVE_SHARE = 0.05;
const PAGE = { projects: 300, activeUsers: 1_000 };

function minimumListPages(inactivePerPage: number): number {
  const inactive = Math.round(USERS * INACTIVE_SHARE);
  return (
    Math.ceil((PROJECTS + 0) / PAGE.projects) +
    Math.ceil((USERS - inactive + 1) / PAGE.activeUsers) +
    Math.max(1, Math.ceil(inactive / inactivePerPage))
  );
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const logger = createLogger('warn', 'bench');
  console.log(
    `initial sync bench: ${PROJECTS} projects, ${USERS} users (${INACTIVE_SHARE * 100}% inactive), ${LATENCY_MS} ms latency per API call, ` +
      `${CORFIX_CREATE_CONCURRENCY} Corfix creates in flight per page, pages one at a time`,
  );
  const stack = await startBenchStack({
    postgres: { dir: 'bench', port: 54339 },
    corfixAccounts: [
      { id: 'acc_temporal', name: 'Temporal run' },
      { id: 'acc_loop', name: 'Plain loop' },
    ],
  });
  const { temporal, db, procore, corfix, env } = stack;
  const shape = { projects: PROJECTS, users: USERS, inactiveUsers: Math.round(USERS * INACTIVE_SHARE) };
  const companyTemporal = seedCompany(procore, 'Temporal Run', shape);
  const companyLoop = seedCompany(procore, 'Plain Loop', shape);

  // --- on Temporal, the worker as its own process --------------------------
  const worker = spawnService('worker', env);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const integration = await createIntegration(db, {
    corfixAccountId: 'acc_temporal',
    procoreCompanyId: String(companyTemporal),
    syncEmployeesOnly: false,
    autoActivateWorkers: false,
    syncForms: false,
  });
  procore.faults.resetCounts();
  corfix.faults.resetCounts();
  const started = Date.now();
  await startConnect(client, 'bench', integration);
  await client.workflow.getHandle(connectWorkflowId(integration.id)).result();
  const temporalMs = Date.now() - started;
  const peakRss = await peakRssOf(worker.pid as number);
  // A copy: the counters go on counting during the plain loop.
  const procoreCounts = structuredClone(procore.faults.requestCounts());
  const procoreTotal = procore.faults.totalRequests();
  const corfixRequests = corfix.faults.totalRequests();
  worker.kill('SIGTERM');

  const events: Record<string, number> = {};
  for (const id of [connectWorkflowId(integration.id), initialSyncWorkflowId(integration.id)]) {
    let total = 0;
    let runs = 0;
    for await (const run of client.workflow.list({ query: `WorkflowId = "${id}"` })) {
      runs += 1;
      total += (await client.workflow.getHandle(id, run.runId).fetchHistory()).events?.length ?? 0;
    }
    events[id.split('/')[0] as string] = total;
    if (runs > 1) events[`${id.split('/')[0]} runs`] = runs;
  }

  const apart = ['POST /oauth/token', 'GET /rest/v1.0/me', 'GET /rest/v1.0/companies'];
  const listRoutes = [
    'GET /rest/v1.1/projects',
    'GET /rest/v1.3/companies/:company_id/users',
    'GET /rest/v1.0/companies/:company_id/users/inactive',
  ];
  const count = (routes: string[]) => routes.reduce((n, r) => n + (procoreCounts[r]?.total ?? 0), 0);
  const inactivePerPage = 100; // the simulator's clamp for the inactive list (Procore documents 100 as its default)

  // --- the same sync as a plain loop over the same activity functions ------
  const loopIntegration = await createIntegration(db, {
    corfixAccountId: 'acc_loop',
    procoreCompanyId: String(companyLoop),
    syncEmployeesOnly: false,
    autoActivateWorkers: false,
    syncForms: false,
  });
  // Paced through Postgres as the worker process is, so that the two differ by Temporal alone.
  const pacer = new SharedRatePacer({ store: procoreRateBudgetStore(db) });
  const activities = createInitialSyncActivities({ db, clients: createExternalApiClients(env, logger, { pacer }), logger });
  const mock = new MockActivityEnvironment();
  const loopStarted = Date.now();
  const { serviceAccountUserId }: SyncStart = await mock.run(activities.beginInitialSync, { integrationId: loopIntegration.id });
  let pagesDone = 0;
  for (let page: number | null = 1; page !== null; ) {
    const result: PageResult = await mock.run(activities.syncProjectPage, { integrationId: loopIntegration.id, page, pagesDoneBefore: pagesDone });
    pagesDone += 1;
    page = result.nextPage;
  }
  pagesDone = 0;
  for (const list of ['active', 'inactive'] as const) {
    for (let page: number | null = 1; page !== null; ) {
      const result: PageResult = await mock.run(activities.syncUserPage, {
        integrationId: loopIntegration.id,
        list,
        page,
        pagesDoneBefore: pagesDone,
        serviceAccountUserId,
      });
      pagesDone += 1;
      page = result.nextPage;
    }
  }
  await mock.run(activities.completeInitialSync, { integrationId: loopIntegration.id });
  await updateIntegration(db, loopIntegration.id, { status: 'active' });
  const loopMs = Date.now() - loopStarted;

  const created = await db('sync_outcomes').where({ integration_id: integration.id, outcome: 'created' }).count<{ count: string }[]>('* as count');
  console.log(
    [
      `wall time (Temporal, worker process):   ${seconds(temporalMs)}`,
      `wall time (plain loop, same activities): ${seconds(loopMs)}`,
      `ratio Temporal / plain loop:             ${(temporalMs / loopMs).toFixed(2)}`,
      `created in Corfix (Temporal run):        ${created[0]?.count}`,
      `Procore list requests:                   ${count(listRoutes)} (minimum ${minimumListPages(inactivePerPage)}: projects of all statuses at 300, active users at 1000, inactive users at ${inactivePerPage})`,
      `Procore token / me / companies:          ${apart.map((r) => procoreCounts[r]?.total ?? 0).join(' / ')}`,
      `Procore requests in all:                 ${procoreTotal} (429s received: ${Object.values(procoreCounts).reduce((n, c) => n + (c.by_status['429'] ?? 0), 0)})`,
      `Corfix requests:                         ${corfixRequests}`,
      `history events:                          ${Object.entries(events).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `worker peak RSS:                         ${mib(peakRss)}`,
    ].join('\n'),
  );

  await connection.close();
  await stack.stop();
}

await main();
