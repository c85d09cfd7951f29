// `npm run bench:continuous` (and the second part of `npm run bench`): the
// continuous syncs on the local stack (bench/stack.ts): the built worker
// (`--workers N`: N of them) and the built API as their own processes, the
// API listening on a port that the Procore simulator (in its own process)
// delivers webhooks to (PUBLIC_URL). Not part of CI; it measures and prints,
// it asserts nothing.
//
// 1. Procore requests per idle cycle: a company with nothing changing, the
//    loops polling every SYNC_POLL_INTERVAL (2s); requests split by loop and
//    endpoint (the Procore simulator's request log, each request with the
//    moment it arrived), cycles delimited by the loops' `status` query (each
//    cycle's start moment, lastCycle.at).
// 2. Webhook to Corfix: the worker restarted with a poll interval of 1h, so
//    only webhooks wake the user loop; single changes one after another in
//    the Procore simulator (a rename, then a deactivation, ...), each timed
//    from the change (the simulator's stamp on it) to the change visible in
//    the Corfix simulator's state (polled every 10 ms through its admin API),
//    the next one once the user loop is idle again.
import { Connection, Client } from '@temporalio/client';
import { continuousSyncStatus, startConnect } from '../src/client.js';
import { createIntegration } from '../src/db/repositories/integrations.js';
import { connectWorkflowId } from '../src/temporal/workflow-ids.js';
import type { ContinuousEntity, ContinuousSyncStatus } from '../src/workflows/continuous-messages.js';
import type { LoggedRequest } from '../src/simulators/common/faults.js';
import type { WorkerRecord } from '../src/simulators/corfix/state.js';
import type { SimHook, SimUser } from '../src/simulators/procore/state.js';
import type { Delivery } from '../src/simulators/procore/webhooks.js';
import {
  benchArgs,
  freePort,
  LATENCY_MS,
  loadLine,
  loadNow,
  peakRssLine,
  seconds,
  seedCompany,
  sleep,
  spawnService,
  spawnWorkers,
  startBenchStack,
  stopProcess,
  stopProcesses,
  summary,
  waitFor,
} from './stack.js';

const USERS = Number(process.env['BENCH_USERS'] ?? 10_000);
const INACTIVE = Number(process.env['BENCH_INACTIVE'] ?? Math.round(USERS / 5));
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 300);
/** idle cycles measured per loop, after the first one after the connect */
const IDLE_CYCLES = Number(process.env['BENCH_IDLE_CYCLES'] ?? 5);
const CHANGES = Number(process.env['BENCH_CHANGES'] ?? 40);
/** a pause before each change, once the user loop is idle again (0: at once) */
const CHANGE_GAP_MS = Number(process.env['BENCH_CHANGE_GAP_MS'] ?? 0);
/** the largest inactive-users page the Procore simulator serves (its default is 100; the client asks for 1000) */
const INACTIVE_PER_PAGE = Number(process.env['BENCH_INACTIVE_PER_PAGE'] ?? 1_000);
const POLL_INTERVAL = '2s';
const RECONCILE_INTERVAL = '24h';
const CHANGE_TIMEOUT_MS = 60_000;

const ROUTES = {
  projects: 'GET /rest/v1.1/projects',
  active: 'GET /rest/v1.3/companies/:company_id/users',
  inactive: 'GET /rest/v1.0/companies/:company_id/users/inactive',
} as const;
const LOOP_ROUTES: Record<ContinuousEntity, string[]> = { projects: [ROUTES.projects], users: [ROUTES.active, ROUTES.inactive] };
const ROUTE_LABEL: Record<string, string> = {
  [ROUTES.projects]: 'filtered projects list',
  [ROUTES.active]: 'filtered active users',
  [ROUTES.inactive]: 'inactive users pages',
};
const ENTITIES: ContinuousEntity[] = ['projects', 'users'];

/** A completed cycle as the status query showed it. */
interface SeenCycle {
  n: number;
  /** when the cycle began (beginCycle's moment, ms) */
  at: number;
  full: boolean;
  listed: number;
}

const range = (values: number[]) => (values.length === 0 ? 'n/a' : `min ${Math.min(...values)}, max ${Math.max(...values)}`);

async function main(): Promise<void> {
  const { workers: workerCount } = benchArgs();
  const loadBefore = loadNow();
  console.log(
    `continuous sync bench: ${PROJECTS} projects, ${USERS} users (${INACTIVE} inactive), ${LATENCY_MS} ms latency per API call ` +
      `(both simulators, BENCH_LATENCY_MS), ${workerCount} worker process${workerCount === 1 ? '' : 'es'} (--workers) and the API as their own processes, ` +
      `the simulators in a third`,
  );
  const stack = await startBenchStack({
    postgres: { dir: 'bench-continuous', port: 54340 },
    corfixAccounts: [{ id: 'acc_continuous', name: 'Continuous' }],
    procore: { maxPerPage: { inactiveUsers: INACTIVE_PER_PAGE } },
  });
  const { temporal, db, procore, corfix } = stack;
  const HOUR = 3_600_000;
  const companyId = await seedCompany(procore, 'Continuous Co', { projects: PROJECTS, users: USERS, inactiveUsers: INACTIVE, lastChangedMsAgo: HOUR });

  const apiPort = await freePort();
  const webhookSecret = 'bench-procore-webhook-secret';
  const env = {
    ...stack.env,
    PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    PROCORE_WEBHOOK_SECRET: webhookSecret,
    SYNC_RECONCILE_INTERVAL: RECONCILE_INTERVAL,
  };
  const api = spawnService('api', {
    ...env,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_TOKEN: 'bench-api-token-0123456789',
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
  });
  let workers = spawnWorkers(workerCount, { ...env, SYNC_POLL_INTERVAL: POLL_INTERVAL });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection });
    await waitFor('the API', () => fetch(`${env.PUBLIC_URL}/health`).then(() => true, () => undefined), 100, 30_000);

    // Procore's requests with the moment each arrived, read from its log when needed.
    let requests: LoggedRequest[] = [];
    const countIn = (from: number, to: number, routes?: string[]) =>
      requests.filter((r) => r.at >= from && r.at < to && (routes === undefined || routes.includes(r.route))).length;

    // --- connect ----------------------------------------------------------------
    const integration = await createIntegration(db, {
      corfixAccountId: 'acc_continuous',
      procoreCompanyId: String(companyId),
      syncEmployeesOnly: false,
      // Workers active in Corfix, so that a deactivation in Procore blocks them.
      autoActivateWorkers: true,
      syncForms: false,
    });
    const connectStarted = Date.now();
    await startConnect(client, 'bench', integration);
    await client.workflow.getHandle(connectWorkflowId(integration.id)).result();
    const connectMs = Date.now() - connectStarted;
    const status = (entity: ContinuousEntity): Promise<ContinuousSyncStatus> => continuousSyncStatus(client, integration.id, entity);
    const hooks = (await procore.get<{ hooks: SimHook[] }>('/webhooks')).hooks.filter((h) => h.company_id === companyId);

    // --- 1. idle cycles ---------------------------------------------------------
    const seen: Record<ContinuousEntity, SeenCycle[]> = { projects: [], users: [] };
    const wanted = IDLE_CYCLES + 2; // the first cycle, the measured ones, and the start of the next
    await waitFor(
      `${wanted} cycles of each loop`,
      async () => {
        for (const entity of ENTITIES) {
          const s = await status(entity).catch(() => undefined);
          const last = seen[entity].at(-1);
          if (s?.lastCycle && s.cycles !== last?.n) {
            seen[entity].push({ n: s.cycles, at: Date.parse(s.lastCycle.at), full: s.lastCycle.full, listed: s.lastCycle.listed });
          }
        }
        return ENTITIES.every((e) => seen[e].length >= wanted) ? true : undefined;
      },
      25,
      120_000 + wanted * 10_000,
    );
    await sleep(200); // requests that arrived just before the last boundary are in (answered: the log holds answered requests)
    requests = await procore.requestLog();
    const perLoop = (entity: ContinuousEntity) => {
      const cycles = seen[entity];
      return cycles.slice(0, -1).map((c, i) => {
        const end = (cycles[i + 1] as SeenCycle).at;
        const byRoute = Object.fromEntries(LOOP_ROUTES[entity].map((r) => [r, countIn(c.at, end, [r])]));
        return { cycle: c, end, byRoute, total: Object.values(byRoute).reduce((a, b) => a + b, 0) };
      });
    };
    const projectCycles = perLoop('projects');
    const userCycles = perLoop('users');
    const skippedCycles = ENTITIES.flatMap((e) => seen[e].slice(1).filter((c, i) => c.n !== (seen[e][i] as SeenCycle).n + 1).map(() => e));
    const [firstProject, ...idleProject] = projectCycles;
    const [firstUser, ...idleUser] = userCycles;
    const spanFrom = Math.min(idleProject[0]?.cycle.at ?? Infinity, idleUser[0]?.cycle.at ?? Infinity);
    const spanTo = Math.max(idleProject.at(-1)?.end ?? 0, idleUser.at(-1)?.end ?? 0);
    const loopRoutes = Object.values(ROUTES) as string[];
    const others = new Map<string, number>();
    for (const r of requests) if (r.at >= spanFrom && r.at < spanTo && !loopRoutes.includes(r.route)) others.set(r.route, (others.get(r.route) ?? 0) + 1);
    const combined = idleProject.map((p, i) => p.total + (idleUser[i]?.total ?? 0));
    const inactivePages = Math.max(1, Math.ceil(INACTIVE / INACTIVE_PER_PAGE));
  const routeRange = (cycles: typeof idleUser, route: string) => range(cycles.map((c) => c.byRoute[route] ?? 0));

    // --- 2. webhook to Corfix -----------------------------------------------------
    // The worker again, with a poll interval of an hour: the loops finish the cycle their old run had due, then only webhooks wake them.
    // A cycle begun after the old worker stopped ends in a run the new worker started, which read the new interval.
    const connectPeakRss = await peakRssLine(workers);
    await stopProcesses(workers);
    const oldWorkerGone = Date.now();
    workers = spawnWorkers(workerCount, { ...env, SYNC_POLL_INTERVAL: '1h' });
    for (const entity of ENTITIES) {
      await waitFor(
        `the ${entity} loop on the hour interval`,
        async () => {
          const s = await status(entity).catch(() => undefined);
          return s?.lastCycle && Date.parse(s.lastCycle.at) >= oldWorkerGone && s.phase === 'waiting' && !s.cycleRequested ? true : undefined;
        },
        50,
        60_000,
      );
    }

    const links = await db('worker_links').where({ integration_id: integration.id }).select<Array<{ procore_user_id: string; corfix_worker_id: string }>>(
      'procore_user_id',
      'corfix_worker_id',
    );
    const workerOf = new Map(links.map((l) => [String(l.procore_user_id), l.corfix_worker_id]));
    const corfixWorkers = new Map((await corfix.get<{ workers: WorkerRecord[] }>('/state')).workers.map((w) => [w.id, w] as const));
    const candidates = (await procore.get<SimUser[]>(`/companies/${companyId}/users`))
      .filter((u) => u.is_active && workerOf.has(String(u.id)))
      .filter((u) => ['active', 'pending_email_verification'].includes(corfixWorkers.get(workerOf.get(String(u.id)) as string)?.status ?? ''));
    const step = Math.max(1, Math.floor(candidates.length / Math.max(1, CHANGES)));
    const chosen = Array.from({ length: Math.min(CHANGES, candidates.length) }, (_, i) => candidates[i * step]).filter((u) => u !== undefined);

    const latencies: Record<'rename' | 'deactivate', number[]> = { rename: [], deactivate: [] };
    const missed: string[] = [];
    const phase2From = Date.now();
    const projectCyclesBefore = (await status('projects')).cycles;
    let userCyclesBefore = (await status('users')).cycles;
    const userCyclesAtStart = userCyclesBefore;
    for (const [i, user] of chosen.entries()) {
      const workerId = workerOf.get(String(user.id)) as string;
      const kind = i % 2 === 0 ? 'rename' : 'deactivate';
      const newName = `Renamed${i}`;
      const visible = async () => {
        const w = await corfix.get<WorkerRecord>(`/accounts/acc_continuous/workers/${workerId}`);
        return kind === 'rename' ? w.first_name === newName : w.status === 'blocked';
      };
      if (CHANGE_GAP_MS > 0) await sleep(CHANGE_GAP_MS);
      // From the moment the simulator made the change (its stamp), not from when its answer got here.
      const changed =
        kind === 'rename'
          ? await procore.patch<SimUser>(`/companies/${companyId}/users/${user.id}`, { first_name: newName })
          : await procore.post<SimUser>(`/companies/${companyId}/users/${user.id}/deactivate`);
      const started = Date.parse(changed.updated_at);
      let ms: number | undefined;
      while (Date.now() - started < CHANGE_TIMEOUT_MS) {
        if (await visible()) {
          ms = Date.now() - started;
          break;
        }
        await sleep(10);
      }
      if (ms === undefined) missed.push(`${kind} of Procore user ${user.id}`);
      else latencies[kind].push(ms);
      // The next change once the user loop is idle again (its cycle done, nothing asked for).
      const after = userCyclesBefore;
      userCyclesBefore = await waitFor(
        'the user loop to be idle',
        async () => {
          const s = await status('users');
          return s.cycles > after && s.phase === 'waiting' && !s.cycleRequested ? s.cycles : undefined;
        },
        20,
        CHANGE_TIMEOUT_MS,
      ).catch(() => userCyclesBefore);
    }
    const phase2To = Date.now();
    await sleep(200); // the last requests answered, so in the log
    requests = await procore.requestLog(phase2From);
    const projectCyclesDuring = (await status('projects')).cycles - projectCyclesBefore;
    const userCyclesDuring = userCyclesBefore - userCyclesAtStart;
    const phase2Requests = countIn(phase2From, phase2To);
    const all = [...latencies.rename, ...latencies.deactivate].sort((a, b) => a - b);
    const webhookPeakRss = await peakRssLine(workers);
    const deliveries = (await procore.get<{ deliveries: Delivery[] }>('/webhooks')).deliveries.filter((d) => Date.parse(d.payload.timestamp) >= phase2From);

    console.log(
      [
        `Procore simulator's largest pages: projects 300, active users 1000, inactive users ${INACTIVE_PER_PAGE} (BENCH_INACTIVE_PER_PAGE; its default is 100)`,
        `records last changed in Procore 1 h before the connect; connect (initial sync) took ${seconds(connectMs)}; Procore hooks registered: ${hooks.length} (triggers ${hooks.reduce((n, h) => n + h.triggers.length, 0)})`,
        ``,
        `1. idle cycles, SYNC_POLL_INTERVAL=${POLL_INTERVAL} SYNC_RECONCILE_INTERVAL=${RECONCILE_INTERVAL}: ${idleProject.length} project cycles, ${idleUser.length} user cycles measured (after each loop's first)`,
        `   project loop per cycle:  filtered projects list ${routeRange(idleProject, ROUTES.projects)}`,
        `   user loop per cycle:     filtered active users ${routeRange(idleUser, ROUTES.active)}; inactive users pages ${routeRange(idleUser, ROUTES.inactive)}`,
        `   Procore list requests per idle cycle (both loops): ${range(combined)} (the aim: ${2 + inactivePages} = 1 + 1 + ${inactivePages} inactive pages at ${INACTIVE_PER_PAGE})`,
        `   other Procore requests while measuring: ${others.size === 0 ? 'none' : [...others].map(([r, n]) => `${r} ${n}`).join(', ')}`,
        `   records listed per idle cycle: projects ${range(idleProject.map((c) => c.cycle.listed))}, users ${range(idleUser.map((c) => c.cycle.listed))}; full reconciliations among them: ${[...idleProject, ...idleUser].filter((c) => c.cycle.full).length}`,
        `   first cycle after the connect: project loop ${firstProject?.total ?? 'n/a'} list requests, user loop ${firstUser?.total ?? 'n/a'} (${
          firstUser ? LOOP_ROUTES.users.map((r) => `${ROUTE_LABEL[r]} ${firstUser.byRoute[r]}`).join(', ') : ''
        })`,
        ...(skippedCycles.length > 0 ? [`   (cycles completed between two status queries: ${skippedCycles.join(', ')}; their requests are in one window)`] : []),
        ``,
        `2. webhook to Corfix, SYNC_POLL_INTERVAL=1h (only webhooks wake the loops), ${LATENCY_MS} ms per API call: ${chosen.length} changes one after another, each once the user loop was idle again${
          CHANGE_GAP_MS > 0 ? ` and ${CHANGE_GAP_MS} ms more` : ' (BENCH_CHANGE_GAP_MS=0)'
        }`,
        `   change in the Procore simulator -> visible in the Corfix simulator (polled every 10 ms):`,
        `   all ${all.length}:        ${summary(all)}`,
        `   renames (${latencies.rename.length}):    ${summary(latencies.rename)}   (worker's first_name)`,
        `   deactivations (${latencies.deactivate.length}): ${summary(latencies.deactivate)}   (worker blocked)`,
        ...(missed.length > 0 ? [`   not visible within ${seconds(CHANGE_TIMEOUT_MS)}: ${missed.join(', ')}`] : []),
        `   webhook deliveries: ${deliveries.length} (${deliveries.filter((d) => d.state === 'delivered').length} delivered, attempts ${deliveries.reduce((n, d) => n + d.attempts.length, 0)})`,
        `   user loop cycles: ${userCyclesDuring}, project loop cycles: ${projectCyclesDuring}; Procore requests: ${phase2Requests} (${(phase2Requests / Math.max(1, chosen.length)).toFixed(1)} per change)`,
        ``,
        `worker peak RSS: connect and idle cycles ${connectPeakRss}; webhook phase ${webhookPeakRss}`,
        loadLine(loadBefore),
      ].join('\n'),
    );
  } finally {
    await Promise.all([stopProcesses(workers), stopProcess(api)]);
    await connection.close();
    await stack.stop();
  }
}

await main();
