// `npm run bench:initial` (and the first part of `npm run bench`): the
// initial sync of a large company, measured. Not part of CI. Everything is
// real but the two APIs (simulators with 50 ms latency on every call, in a
// process of their own): a Temporal dev server, Postgres, and the built
// worker as its own process (`--workers N`: N of them on the task queue). The
// same sync then runs again as a plain loop over the same activity functions
// (MockActivityEnvironment), without Temporal, in this process; no simulator
// shares its event loop.
//
// Each run is set against its latency floor: the time its requests take at
// BENCH_LATENCY_MS each when the Corfix creates run CORFIX_CREATE_CONCURRENCY
// at a time and everything else (the listings) one after another. Every size
// of BENCH_SIZES (default 1,000, 10,000 and 50,000 users) runs both ways, and
// a last table sets each against the smallest, per user: flat when the cost
// grows linearly with the company.
import { MockActivityEnvironment } from '@temporalio/testing';
import { Connection, Client } from '@temporalio/client';
// CommonJS: its namespaces are reached through the default export under ESM.
import proto from '@temporalio/proto';
import { createInitialSyncActivities } from '../src/activities/initial-sync.js';
import { createExternalApiClients } from '../src/external-api-clients.js';
import type { Database } from '../src/db/database.js';
import { procoreRateBudgetStore } from '../src/db/repositories/procore-rate-budgets.js';
import { SharedRatePacer } from '../src/procore/shared-pacing.js';
import { createIntegration, updateIntegration } from '../src/db/repositories/integrations.js';
import { createLogger } from '../src/logger.js';
import { connectWorkflowId, initialSyncWorkflowId } from '../src/temporal/workflow-ids.js';
import { DEFAULT_CORFIX_CREATE_CONCURRENCY } from '../src/config.js';
import type { PageResult, SnapshotResume, SyncStart } from '../src/activities/initial-sync-types.js';
import type { RouteCount } from '../src/simulators/common/faults.js';
import {
  benchArgs,
  LATENCY_MS,
  loadLine,
  loadNow,
  msOf,
  peakRssLine,
  seconds,
  seedCompany,
  spawnWorkers,
  startBenchStack,
  stopProcesses,
  type BenchStack,
} from './stack.js';
import { measuredConnect } from './measured-connect.js';
import { waitForPollers } from './pollers.js';

interface Size {
  projects: number;
  users: number;
}

/**
 * The company sizes measured, smallest first: `BENCH_SIZES` (user counts,
 * comma-separated; a tenth as many projects each), default 1,000, 10,000 and
 * 50,000 users. `BENCH_USERS` / `BENCH_PROJECTS` instead measure one size.
 */
function requestedSizes(): Size[] {
  if (process.env['BENCH_USERS'] || process.env['BENCH_PROJECTS']) {
    const users = Number(process.env['BENCH_USERS'] ?? 10_000);
    return [{ users, projects: Number(process.env['BENCH_PROJECTS'] ?? Math.round(users / 10)) }];
  }
  const users = (process.env['BENCH_SIZES'] ?? '1000,10000,50000').split(',').map((v) => Number(v.trim()));
  if (users.some((n) => !Number.isSafeInteger(n) || n < 10)) throw new Error(`BENCH_SIZES wants user counts (10 or more) separated by commas, not ${process.env['BENCH_SIZES']}`);
  return users.sort((a, b) => a - b).map((n) => ({ users: n, projects: Math.round(n / 10) }));
}
const SIZES = requestedSizes();
/** Corfix creates in flight per page: the worker's setting (read from the environment and passed on), 8 by default. */
const CREATES_IN_FLIGHT = Number(process.env['CORFIX_CREATE_CONCURRENCY'] ?? DEFAULT_CORFIX_CREATE_CONCURRENCY);
const INACTIVE_SHARE = 0.05;
const PAGE = { projects: 300, activeUsers: 1_000 };
const INACTIVE_PER_PAGE = 100; // the simulator's clamp for the inactive list (Procore documents 100 as its default)

const PROCORE_LISTS = ['GET /rest/v1.1/projects', 'GET /rest/v1.3/companies/:company_id/users', 'GET /rest/v1.0/companies/:company_id/users/inactive'];
const PROCORE_APART = ['POST /oauth/token', 'GET /rest/v1.0/me', 'GET /rest/v1.0/companies'];
const CORFIX_LISTS = ['GET /v1/accounts/:account_id/projects', 'GET /v1/accounts/:account_id/workers'];
const CORFIX_CREATES = ['POST /v1/accounts/:account_id/projects', 'POST /v1/accounts/:account_id/workers'];

const inactiveOf = (size: Size) => Math.round(size.users * INACTIVE_SHARE);

function minimumListPages(size: Size): number {
  const inactive = inactiveOf(size);
  return (
    Math.ceil(size.projects / PAGE.projects) +
    Math.ceil((size.users - inactive + 1) / PAGE.activeUsers) +
    Math.max(1, Math.ceil(inactive / INACTIVE_PER_PAGE))
  );
}

const sizeText = (size: Size) => `${size.projects} projects, ${size.users} users`;
const countOf = (counts: Record<string, RouteCount>, routes: string[]) => routes.reduce((n, r) => n + (counts[r]?.total ?? 0), 0);
const totalOf = (counts: Record<string, RouteCount>) => Object.values(counts).reduce((n, c) => n + c.total, 0);
const refusedOf = (counts: Record<string, RouteCount>) => Object.values(counts).reduce((n, c) => n + (c.by_status['429'] ?? 0), 0);

/** What a run did, from the simulators' counts (reset before it). */
interface Run {
  wallMs: number;
  procore: Record<string, RouteCount>;
  corfix: Record<string, RouteCount>;
}

/** The latency floor of a run's requests (see the top of this file), and how it is made up. */
function floorOf(run: Run): { ms: number; text: string } {
  const creates = countOf(run.corfix, CORFIX_CREATES);
  const procoreLists = countOf(run.procore, PROCORE_LISTS);
  const corfixLists = countOf(run.corfix, CORFIX_LISTS);
  const ms = (creates * LATENCY_MS) / CREATES_IN_FLIGHT + (procoreLists + corfixLists) * LATENCY_MS;
  return {
    ms,
    text:
      `${seconds(ms)} = ${creates} Corfix creates x ${LATENCY_MS} ms / ${CREATES_IN_FLIGHT} in flight + ` +
      `${procoreLists + corfixLists} list pages x ${LATENCY_MS} ms (Procore ${procoreLists}, Corfix ${corfixLists})`,
  };
}

function corfixSplit(counts: Record<string, RouteCount>): string {
  const listings = countOf(counts, CORFIX_LISTS);
  const creates = countOf(counts, CORFIX_CREATES);
  const total = totalOf(counts);
  return `${total} (listings, GET on the list routes: ${listings}; the rest: ${total - listings}, of which creates ${creates})`;
}

/** A Corfix account, and the name of the Procore company synced into it. */
interface Target {
  account: string;
  company: string;
}

/** The initial sync's own Procore list requests, and those of the continuous syncs' first cycles when they came before the counts were read. */
function listRequestsLine(run: Run & { syncListRequests: number }): string {
  const afterwards = countOf(run.procore, PROCORE_LISTS) - run.syncListRequests;
  const byList = PROCORE_LISTS.map((route) => {
    const count = run.procore[route];
    const statuses = Object.entries(count?.by_status ?? {}).map(([status, n]) => `${status}: ${n}`).join(', ');
    return `${route.split(' ')[1]} ${count?.total ?? 0}${statuses ? ` [${statuses}]` : ''}`;
  });
  return (
    `${run.syncListRequests} by the initial sync${afterwards > 0 ? ` (and ${afterwards} by the continuous syncs' first cycles after it)` : ''}; ` +
    `by list, all: ${byList.join('; ')}`
  );
}

/** Each activity type's share of the wall time, the biggest first, and what is left: Temporal's scheduling between steps. */
function activityLine(run: { wallMs: number; activityMs: Record<string, number> }): string {
  const spent = Object.entries(run.activityMs).sort(([, a], [, b]) => b - a);
  const inActivities = spent.reduce((n, [, ms]) => n + ms, 0);
  return [...spent.map(([type, ms]) => `${type} ${seconds(ms)}`), `between them ${seconds(run.wallMs - inActivities)}`].join(', ');
}

/**
 * Adds each activity type's time between its start and its end (as the
 * server recorded them) to `into`: where a run's wall time went, and by
 * difference, what went to scheduling between the steps.
 */
function addActivityTimes(history: proto.temporal.api.history.v1.IHistory, into: Record<string, number>): void {
  const typeOf = new Map<string, string>();
  const startedAt = new Map<string, number>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started) startedAt.set(String(started.scheduledEventId), msOf(event.eventTime));
    const ended =
      event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (ended) {
      const id = String(ended.scheduledEventId);
      const type = typeOf.get(id) ?? '?';
      into[type] = (into[type] ?? 0) + msOf(event.eventTime) - (startedAt.get(id) ?? msOf(event.eventTime));
    }
  }
}

/** The account's integration with the company as a connect saves it (no toggles on): both runs sync the same way. */
const saveIntegration = (db: Database, account: string, companyId: number) =>
  createIntegration(db, { corfixAccountId: account, procoreCompanyId: String(companyId), syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: false });

/** The sync on Temporal, with `workers` worker processes started for it (and stopped after). */
async function temporalRun(
  stack: BenchStack,
  client: Client,
  size: Size,
  target: Target,
  workers: number,
): Promise<
  Run & { peakRss: string; created: number; events: Record<string, number>; activityMs: Record<string, number>; syncListRequests: number }
> {
  const { db, procore, corfix, env } = stack;
  const companyId = await seedCompany(procore, target.company, { ...size, inactiveUsers: inactiveOf(size) });
  const processes = spawnWorkers(workers, { ...env, CORFIX_CREATE_CONCURRENCY: String(CREATES_IN_FLIGHT) });
  try {
    await waitForPollers(client, env.TEMPORAL_TASK_QUEUE, processes);
    await Promise.all([procore.resetCounts(), corfix.resetCounts()]);
    // Saved only now: a saved connect without its workflow is what the workers' reconciler starts by itself.
    const integration = await saveIntegration(db, target.account, companyId);
    const { wallMs, read, procoreRequests } = await measuredConnect(stack, client, integration, async () => {
      const peakRss = await peakRssLine(processes);
      const [procoreCounts, corfixCounts] = await Promise.all([procore.requestCounts(), corfix.requestCounts()]);
      const events: Record<string, number> = {};
      const activityMs: Record<string, number> = {};
      for (const id of [connectWorkflowId(integration.id), initialSyncWorkflowId(integration.id)]) {
        let total = 0;
        let runs = 0;
        for await (const run of client.workflow.list({ query: `WorkflowId = "${id}"` })) {
          runs += 1;
          const history = await client.workflow.getHandle(id, run.runId).fetchHistory();
          total += history.events?.length ?? 0;
          addActivityTimes(history, activityMs);
        }
        events[id.split('/')[0] as string] = total;
        if (runs > 1) events[`${id.split('/')[0]} runs`] = runs;
      }
      const [row] = await db('sync_outcomes').where({ integration_id: integration.id, outcome: 'created' }).count<{ count: string }[]>('* as count');
      return { peakRss, procore: procoreCounts, corfix: corfixCounts, created: Number(row?.count), events, activityMs };
    });
    // The initial sync's own list requests: those made before it closed (the continuous syncs' first cycles list too).
    const syncListRequests = procoreRequests.filter((r) => PROCORE_LISTS.includes(r.route)).length;
    return { wallMs, ...read, syncListRequests };
  } finally {
    await stopProcesses(processes);
  }
}

/** The same sync as a plain loop over the same activity functions, in this process. */
async function loopRun(stack: BenchStack, size: Size, target: Target): Promise<Run> {
  const { db, procore, corfix, env } = stack;
  const logger = createLogger('warn', 'bench');
  const companyId = await seedCompany(procore, target.company, { ...size, inactiveUsers: inactiveOf(size) });
  const integration = await saveIntegration(db, target.account, companyId);
  // Paced through Postgres and with the worker's creates in flight, so that the two differ by Temporal alone.
  const pacer = new SharedRatePacer({ store: procoreRateBudgetStore(db) });
  const activities = createInitialSyncActivities({
    db,
    clients: createExternalApiClients(env, logger, { pacer }),
    logger,
    corfixCreateConcurrency: CREATES_IN_FLIGHT,
  });
  const mock = new MockActivityEnvironment();
  await Promise.all([procore.resetCounts(), corfix.resetCounts()]);
  const started = Date.now();
  const { serviceAccountUserId }: SyncStart = await mock.run(activities.beginInitialSync, { integrationId: integration.id });
  const { generation: snapshotGeneration }: SnapshotResume = await mock.run(activities.takeCorfixSnapshot, { integrationId: integration.id });
  let pagesDone = 0;
  for (let page: number | null = 1; page !== null; ) {
    const result: PageResult = await mock.run(activities.syncProjectPage, {
      integrationId: integration.id,
      page,
      pagesDoneBefore: pagesDone,
      snapshotGeneration,
    });
    pagesDone += 1;
    page = result.nextPage;
  }
  pagesDone = 0;
  for (const list of ['active', 'inactive'] as const) {
    for (let page: number | null = 1; page !== null; ) {
      const result: PageResult = await mock.run(activities.syncUserPage, {
        integrationId: integration.id,
        list,
        page,
        pagesDoneBefore: pagesDone,
        serviceAccountUserId,
        snapshotGeneration,
      });
      pagesDone += 1;
      page = result.nextPage;
    }
  }
  await mock.run(activities.completeInitialSync, { integrationId: integration.id });
  await updateIntegration(db, integration.id, { status: 'active' });
  const wallMs = Date.now() - started;
  const [procoreCounts, corfixCounts] = await Promise.all([procore.requestCounts(), corfix.requestCounts()]);
  // No worker serves this integration's continuous syncs; left active, the next run's workers' reconciler
  // would start them, and their first cycles would list this company during that run.
  await updateIntegration(db, integration.id, { status: 'disconnected' });
  return { wallMs, procore: procoreCounts, corfix: corfixCounts };
}

/** What one size measured, on Temporal and as the plain loop. */
interface SizeResult {
  size: Size;
  onTemporal: Awaited<ReturnType<typeof temporalRun>>;
  loop: Run;
}

const accountOf = (kind: 'temporal' | 'loop', size: Size) => `acc_${kind}_${size.users}`;

/** Every size's lines, as before: each run against its floor, requests, history, time per activity, RSS. */
function sizeLines({ size, onTemporal, loop }: SizeResult, workerText: string): string[] {
  const temporalFloor = floorOf(onTemporal);
  const loopFloor = floorOf(loop);
  const procoreCounts = onTemporal.procore;
  return [
    `${sizeText(size)}:`,
    `wall time (Temporal, worker processes):  ${seconds(onTemporal.wallMs)} (${workerText})`,
    `wall time (plain loop, same activities): ${seconds(loop.wallMs)}`,
    `latency floor (Temporal run):            ${temporalFloor.text}`,
    `latency floor (plain loop):              ${loopFloor.text}`,
    `wall time / latency floor:               Temporal ${(onTemporal.wallMs / temporalFloor.ms).toFixed(2)}, plain loop ${(loop.wallMs / loopFloor.ms).toFixed(2)}`,
    `ratio Temporal / plain loop:             ${(onTemporal.wallMs / loop.wallMs).toFixed(2)}`,
    `created in Corfix (Temporal run):        ${onTemporal.created}`,
    `Procore list requests:                   ${listRequestsLine(onTemporal)} (minimum ${minimumListPages(size)}: projects of all statuses at 300, active users at 1000, inactive users at ${INACTIVE_PER_PAGE})`,
    `Procore token / me / companies:          ${PROCORE_APART.map((r) => procoreCounts[r]?.total ?? 0).join(' / ')}`,
    `Procore requests in all:                 ${totalOf(procoreCounts)} (429s received: ${refusedOf(procoreCounts)})`,
    `Corfix requests (Temporal run):          ${corfixSplit(onTemporal.corfix)}`,
    `Corfix requests (plain loop):            ${corfixSplit(loop.corfix)}`,
    `history events:                          ${Object.entries(onTemporal.events).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `time in activities (Temporal run):       ${activityLine(onTemporal)}`,
    `worker peak RSS:                         ${onTemporal.peakRss}`,
    '',
  ];
}

/**
 * One row per size, and how each grew against the smallest: wall time,
 * requests and history events per user should stay flat if cost is linear
 * in the company's size.
 */
function summaryLines(results: SizeResult[]): string[] {
  const first = results[0] as SizeResult;
  const perUser = (r: SizeResult, value: number) => value / r.size.users;
  const growth = (r: SizeResult, value: (x: SizeResult) => number) => (perUser(r, value(r)) / perUser(first, value(first))).toFixed(2);
  const events = (r: SizeResult) => Object.entries(r.onTemporal.events).filter(([k]) => !k.endsWith('runs')).reduce((n, [, v]) => n + v, 0);
  const header = ['users', 'projects', 'Temporal', '/floor', 'plain loop', 'T/loop', 'Procore lists (min)', 'history events', 'peak RSS', 'per user vs smallest: time, requests, events'];
  const rows = results.map((r) => [
    String(r.size.users),
    String(r.size.projects),
    seconds(r.onTemporal.wallMs),
    (r.onTemporal.wallMs / floorOf(r.onTemporal).ms).toFixed(2),
    seconds(r.loop.wallMs),
    (r.onTemporal.wallMs / r.loop.wallMs).toFixed(2),
    `${r.onTemporal.syncListRequests} (${minimumListPages(r.size)})`,
    String(events(r)),
    r.onTemporal.peakRss.split(' (')[0] ?? '',
    `${growth(r, (x) => x.onTemporal.wallMs)}, ${growth(r, (x) => totalOf(x.onTemporal.procore) + totalOf(x.onTemporal.corfix))}, ${growth(r, events)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

async function main(): Promise<void> {
  const { workers } = benchArgs();
  const loadBefore = loadNow();
  const workerText = `${workers} worker process${workers === 1 ? '' : 'es'}`;
  console.log(
    `initial sync bench: ${SIZES.map(sizeText).join('; ')} (${INACTIVE_SHARE * 100}% inactive users), each on Temporal and as a plain loop, ` +
      `${LATENCY_MS} ms latency per API call, ${CREATES_IN_FLIGHT} Corfix creates in flight per page (CORFIX_CREATE_CONCURRENCY), pages one at a time, ` +
      `${workerText} (--workers)`,
  );
  const stack = await startBenchStack({
    postgres: { dir: 'bench', port: 54339 },
    corfixAccounts: SIZES.flatMap((size) => [
      { id: accountOf('temporal', size), name: `Temporal run, ${size.users} users` },
      { id: accountOf('loop', size), name: `Plain loop, ${size.users} users` },
    ]),
  });
  const connection = await Connection.connect({ address: stack.temporal.address });
  try {
    const client = new Client({ connection });
    const results: SizeResult[] = [];
    for (const size of SIZES) {
      const onTemporal = await temporalRun(stack, client, size, { account: accountOf('temporal', size), company: `Temporal Run ${size.users}` }, workers);
      const loop = await loopRun(stack, size, { account: accountOf('loop', size), company: `Plain Loop ${size.users}` });
      const result = { size, onTemporal, loop };
      results.push(result);
      console.log(sizeLines(result, workerText).join('\n'));
    }
    console.log(summaryLines(results).join('\n'));
    console.log(loadLine(loadBefore));
  } finally {
    await connection.close();
    await stack.stop();
  }
}

await main();
