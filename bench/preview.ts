// `npm run bench:preview` (and part of `npm run bench`): the preview of a
// connect (issue 15) against the initial sync of the same company, side by
// side in one run. Not part of CI. A company of BENCH_USERS users (default
// 10,000) and BENCH_PROJECTS projects (default 1,000), a Corfix account that
// already holds some of its projects and workers (so that collisions and
// adoptions are decided), simulators at BENCH_LATENCY_MS per call in a process
// of their own, a Temporal dev server, Postgres and the built worker as its
// own process. The preview runs first (it writes nothing, so the sync after
// it meets the same account), then the connect of the same company; the
// preview must cost no more Procore requests than the initial sync.
import { Client, Connection } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { startConnect, startPreview } from '../src/client.js';
import { createIntegration, updateIntegration } from '../src/db/repositories/integrations.js';
import { countPreviewOutcomes, createPreview, type PreviewCounts } from '../src/db/repositories/previews.js';
import { countOutcomes } from '../src/db/repositories/sync-outcomes.js';
import type { RouteCount } from '../src/simulators/common/faults.js';
import { connectWorkflowId, initialSyncWorkflowId, previewWorkflowId, projectSyncWorkflowId, userSyncWorkflowId } from '../src/temporal/workflow-ids.js';
import {
  LATENCY_MS,
  loadLine,
  loadNow,
  seconds,
  seedCompany,
  spawnWorkers,
  startBenchStack,
  stopProcesses,
  type BenchStack,
} from './stack.js';
import { waitForPollers } from './pollers.js';

const USERS = Number(process.env['BENCH_USERS'] ?? 10_000);
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 1_000);
const INACTIVE = Math.round(USERS * 0.05);
const COMPANY = 'Preview Bench';
const ACCOUNT = 'acc_preview_bench';
/** Of the company's records, the account holds every HELD_EVERYth already (same number, same email, no external_ref). */
const HELD_EVERY = 20;

const totalOf = (counts: Record<string, RouteCount>) => Object.values(counts).reduce((n, c) => n + c.total, 0);
/**
 * Procore's API requests: the OAuth token apart (a worker process asks for
 * one on its first call and keeps it, so the first run measured pays it).
 */
const TOKEN = 'POST /oauth/token';
const apiRequestsOf = (counts: Record<string, RouteCount>) => totalOf(counts) - (counts[TOKEN]?.total ?? 0);
const byRoute = (counts: Record<string, RouteCount>) =>
  Object.entries(counts)
    .filter(([, c]) => c.total > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, c]) => `${route} ${c.total}`)
    .join('; ');

interface Measured {
  wallMs: number;
  procore: Record<string, RouteCount>;
  corfix: Record<string, RouteCount>;
}

/** The account's share of the company, held before anyone connects: records an adopt_existing connect would adopt. */
async function holdSome(stack: BenchStack): Promise<void> {
  for (let i = 0; i < PROJECTS; i += HELD_EVERY) {
    await stack.corfix.post(`/accounts/${ACCOUNT}/projects`, { name: `Held site ${i}`, project_number: `S-${i}`, status: 'active' });
  }
  const domain = COMPANY.toLowerCase().replace(/[^a-z0-9]+/g, '');
  // seedCompany's user i has worker<i>@<domain>.example, none for every 50th.
  for (let i = INACTIVE; i < USERS; i += HELD_EVERY) {
    if (i % 50 === 0) continue;
    await stack.corfix.post(`/accounts/${ACCOUNT}/workers`, { first_name: `Held${i}`, last_name: 'Worker', email: `worker${i}@${domain}.example`, status: 'active' });
  }
}

async function measure(stack: BenchStack, run: () => Promise<void>): Promise<Measured> {
  await Promise.all([stack.procore.resetCounts(), stack.corfix.resetCounts()]);
  const started = Date.now();
  await run();
  const wallMs = Date.now() - started;
  const [procore, corfix] = await Promise.all([stack.procore.requestCounts(), stack.corfix.requestCounts()]);
  return { wallMs, procore, corfix };
}

const sortedCounts = (reasons: PreviewCounts['reasons']) =>
  Object.fromEntries((['project', 'user'] as const).map((e) => [e, Object.entries(reasons[e]).sort(([a], [b]) => a.localeCompare(b))]));

function countsLine(counts: PreviewCounts, entity: 'project' | 'user'): string {
  return Object.entries(counts.reasons[entity])
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}

async function main(): Promise<void> {
  const loadBefore = loadNow();
  console.log(
    `preview bench: ${PROJECTS} projects, ${USERS} users (${INACTIVE} inactive); the account holds every ${HELD_EVERY}th project and worker already; ` +
      `${LATENCY_MS} ms latency per API call; adopt_existing on; the preview, then the connect of the same company`,
  );
  const stack = await startBenchStack({ postgres: { dir: 'bench-preview', port: 54341 }, corfixAccounts: [{ id: ACCOUNT, name: 'Preview bench' }] });
  const connection = await Connection.connect({ address: stack.temporal.address });
  let workers: ChildProcess[] = [];
  try {
    const client = new Client({ connection });
    const taskQueue = stack.env.TEMPORAL_TASK_QUEUE;
    const companyId = String(await seedCompany(stack.procore, COMPANY, { users: USERS, projects: PROJECTS, inactiveUsers: INACTIVE }));
    await holdSome(stack);
    workers = spawnWorkers(1, { ...stack.env });
    const request = { corfixAccountId: ACCOUNT, procoreCompanyId: companyId, syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false, adoptExisting: true };

    await waitForPollers(client, taskQueue, workers);
    const preview = await createPreview(stack.db, request);
    const previewRun = await measure(stack, async () => {
      await startPreview(client, taskQueue, preview);
      await client.workflow.getHandle(previewWorkflowId(preview.id)).result();
    });
    const counts = await countPreviewOutcomes(stack.db, preview.id);

    const integration = await createIntegration(stack.db, request);
    const syncStarted = Date.now();
    const syncRun = await measure(stack, async () => {
      await startConnect(client, taskQueue, integration);
      await client.workflow.getHandle(connectWorkflowId(integration.id)).result();
    });
    // The connect starts the continuous syncs as its last step; their first cycles may reach Procore before
    // the counts are read: the initial sync's own requests are those made before it closed.
    const closedAt = (await client.workflow.getHandle(initialSyncWorkflowId(integration.id)).describe()).closeTime?.getTime() ?? Date.now();
    const syncProcore = (await stack.procore.requestLog(syncStarted)).filter((r) => r.at <= closedAt);
    const syncByRoute: Record<string, RouteCount> = {};
    for (const r of syncProcore) {
      const count = (syncByRoute[r.route] ??= { total: 0, by_status: {}, dropped: 0, stalled: 0 });
      count.total += 1;
    }
    for (const id of [userSyncWorkflowId(integration.id), projectSyncWorkflowId(integration.id)]) {
      await client.workflow.getHandle(id).terminate('the bench measured this sync').catch(() => undefined);
    }
    await updateIntegration(stack.db, integration.id, { status: 'disconnected' });
    // What the connect recorded, in the preview's terms: the same counts per entity and reason, or the preview was wrong.
    const recorded: PreviewCounts['reasons'] = { project: {}, user: {} };
    for (const c of await countOutcomes(stack.db, integration.id)) if (c.entity !== 'form') recorded[c.entity][c.reason] = c.count;
    const sameCounts = JSON.stringify(sortedCounts(recorded)) === JSON.stringify(sortedCounts(counts.reasons));

    const procorePreview = apiRequestsOf(previewRun.procore);
    const procoreSync = apiRequestsOf(syncByRoute);
    console.log(
      [
        `preview:      ${seconds(previewRun.wallMs)}; Procore API requests ${procorePreview} (${byRoute(previewRun.procore)}); Corfix requests ${totalOf(previewRun.corfix)} (${byRoute(previewRun.corfix)})`,
        `initial sync: ${seconds(syncRun.wallMs)} (the connect to its end); Procore API requests ${procoreSync} until it closed (${byRoute(syncByRoute)}); Corfix requests ${totalOf(syncRun.corfix)}`,
        `preview / initial sync: time ${(previewRun.wallMs / syncRun.wallMs).toFixed(2)}, Procore API requests (the token apart) ${(procorePreview / procoreSync).toFixed(2)}` +
          (procorePreview <= procoreSync ? ' (no more than the initial sync)' : ' (MORE than the initial sync)'),
        `preview counts: projects: ${countsLine(counts, 'project')}; users: ${countsLine(counts, 'user')}`,
        `the connect's report: ${sameCounts ? 'the same counts per entity and reason' : `OTHER counts: ${JSON.stringify(sortedCounts(recorded))}`}`,
        loadLine(loadBefore),
      ].join('\n'),
    );
    if (procorePreview > procoreSync || !sameCounts) process.exitCode = 1;
  } finally {
    await stopProcesses(workers);
    await connection.close();
    await stack.stop();
  }
}

await main();
