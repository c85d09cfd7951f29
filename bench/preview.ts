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
import { startPreview } from '../src/client.js';
import { createIntegration } from '../src/db/repositories/integrations.js';
import { countPreviewOutcomes, createPreview, type PreviewCounts } from '../src/db/repositories/previews.js';
import { countOutcomes } from '../src/db/repositories/sync-outcomes.js';
import type { RouteCount } from '../src/simulators/common/faults.js';
import { previewWorkflowId } from '../src/temporal/workflow-ids.js';
import {
  LATENCY_MS,
  loadLine,
  loadNow,
  seconds,
  seedCompany,
  seededEmail,
  spawnWorkers,
  startBenchStack,
  stopProcesses,
  type BenchStack,
} from './stack.js';
import { measuredConnect } from './measured-connect.js';
import { waitForPollers } from './pollers.js';

const USERS = Number(process.env['BENCH_USERS'] ?? 10_000);
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 1_000);
const INACTIVE = Math.round(USERS * 0.05);
const COMPANY = 'Preview Bench';
const ACCOUNT = 'acc_preview_bench';
/** Of the company's records, the account holds every HELD_EVERYth already (same number, same email, no external_ref). */
const HELD_EVERY = 20;

/** A count per route: what the simulators count, in totals. */
type PerRoute = Record<string, number>;
const perRoute = (counts: Record<string, RouteCount>): PerRoute => Object.fromEntries(Object.entries(counts).map(([route, c]) => [route, c.total]));
const totalOf = (counts: PerRoute) => Object.values(counts).reduce((n, c) => n + c, 0);
/**
 * Procore's API requests: the OAuth token apart (a worker process asks for
 * one on its first call and keeps it, so the first run measured pays it).
 */
const TOKEN = 'POST /oauth/token';
const apiRequestsOf = (counts: PerRoute) => totalOf(counts) - (counts[TOKEN] ?? 0);
const byRoute = (counts: PerRoute) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([route, n]) => `${route} ${n}`)
    .join('; ');

interface Measured {
  wallMs: number;
  procore: PerRoute;
  corfix: PerRoute;
}

/** The account's share of the company, held before anyone connects: records an adopt_existing connect would adopt. */
async function holdSome(stack: BenchStack): Promise<void> {
  for (let i = 0; i < PROJECTS; i += HELD_EVERY) {
    await stack.corfix.post(`/accounts/${ACCOUNT}/projects`, { name: `Held site ${i}`, project_number: `S-${i}`, status: 'active' });
  }
  for (let i = INACTIVE; i < USERS; i += HELD_EVERY) {
    const email = seededEmail(COMPANY, i);
    if (email === null) continue;
    await stack.corfix.post(`/accounts/${ACCOUNT}/workers`, { first_name: `Held${i}`, last_name: 'Worker', email, status: 'active' });
  }
}

async function measure(stack: BenchStack, run: () => Promise<void>): Promise<Measured> {
  await Promise.all([stack.procore.resetCounts(), stack.corfix.resetCounts()]);
  const started = Date.now();
  await run();
  const wallMs = Date.now() - started;
  const [procore, corfix] = await Promise.all([stack.procore.requestCounts(), stack.corfix.requestCounts()]);
  return { wallMs, procore: perRoute(procore), corfix: perRoute(corfix) };
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
    await Promise.all([stack.procore.resetCounts(), stack.corfix.resetCounts()]);
    const syncRun = await measuredConnect(stack, client, integration, async () => perRoute(await stack.corfix.requestCounts()));
    const syncByRoute: PerRoute = {};
    for (const r of syncRun.procoreRequests) syncByRoute[r.route] = (syncByRoute[r.route] ?? 0) + 1;
    // What the connect recorded, in the preview's terms: the same counts per entity and reason, or the preview was wrong.
    const recorded: PreviewCounts['reasons'] = { project: {}, user: {} };
    for (const c of await countOutcomes(stack.db, integration.id)) if (c.entity !== 'form') recorded[c.entity][c.reason] = c.count;
    const sameCounts = JSON.stringify(sortedCounts(recorded)) === JSON.stringify(sortedCounts(counts.reasons));

    const procorePreview = apiRequestsOf(previewRun.procore);
    const procoreSync = apiRequestsOf(syncByRoute);
    console.log(
      [
        `preview:      ${seconds(previewRun.wallMs)}; Procore API requests ${procorePreview} (${byRoute(previewRun.procore)}); Corfix requests ${totalOf(previewRun.corfix)} (${byRoute(previewRun.corfix)})`,
        `initial sync: ${seconds(syncRun.wallMs)} (the connect to its end); Procore API requests ${procoreSync} until it closed (${byRoute(syncByRoute)}); Corfix requests ${totalOf(syncRun.read)}`,
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
