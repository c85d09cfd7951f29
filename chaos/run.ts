// One chaos run, the entry function `npm run chaos` (chaos/main.ts) and the
// test (test/chaos/chaos.test.ts) both call: the local stack of the benches
// with a restartable Temporal dev server (SQLite) and Postgres, the built
// worker and API as processes, a seeded company connected through the API;
// then, for the window, the seeded schedule of SIGKILLs and restarts,
// continuous Procore changes, forms completed and edited, and 10% of all
// simulator requests faulted; then faults off, a settle, and the checks.
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { fixedPort, sleep, startBenchStack, waitFor, type BenchStack } from '../bench/stack.js';
import { ProcoreChanges } from './changes.js';
import { CHAOS_ACCOUNT, seedChaosCompany, type ChaosCompany } from './company.js';
import type { ChaosConfig } from './config.js';
import { driveForms, linkedProjects, type FormsDriven } from './forms.js';
import { checkInvariants, type InvariantResult } from './invariants.js';
import { observe } from './observe.js';
import { ServiceProcesses, type ServiceName } from './processes.js';
import { injectedCounts, type ChaosTally, type ChaosTimings, type DisruptionDone } from './report.js';
import { faultSchedule, type Disruption } from './schedule.js';
import { CHAOS_API_TOKEN, ServiceApi } from './service-api.js';
import { settle } from './settle.js';

export interface ChaosResult {
  config: ChaosConfig;
  results: InvariantResult[];
  tally: ChaosTally;
  timings: ChaosTimings;
  passed: boolean;
}

const PROCORE_WEBHOOK_SECRET = 'chaos-procore-webhook-secret';

/** The simulators' faults: the stack's latency on every call, and `rate` of requests faulted, a quarter each 5xx, 429, dropped, stalled. */
function chaosFaults(config: ChaosConfig, rate = config.faultRate) {
  const quarter = rate / 4;
  return [
    {
      route: '*',
      latency_ms: config.latencyMs,
      drop_rate: rate === 0 ? 0 : quarter,
      stall_rate: rate === 0 ? 0 : quarter,
      stall_ms: config.stallMs,
      errors:
        rate === 0
          ? []
          : [
              { status: 500, rate: quarter / 3 },
              { status: 502, rate: quarter / 3 },
              { status: 503, rate: quarter / 3 },
              { status: 429, rate: quarter, retry_after: 1 },
            ],
    },
  ];
}

async function setFaults(stack: BenchStack, config: ChaosConfig, rate: number): Promise<void> {
  await stack.procore.put('/faults', { faults: chaosFaults(config, rate), seed: config.seed });
  await stack.corfix.put('/faults', { faults: chaosFaults(config, rate), seed: config.seed + 1 });
}

/** Waits until the API's health check answers ok, for a minute at most; how long it took, or null (healthy() never throws: only the minute ends the wait). */
async function healthyAfter(api: ServiceApi): Promise<number | null> {
  const from = Date.now();
  return waitFor('the API healthy', async () => ((await api.healthy()) ? Date.now() - from : undefined), 250, 60_000).catch(() => null);
}

async function disrupt(schedule: Disruption[], t0: number, stack: BenchStack, processes: ServiceProcesses, api: ServiceApi, log: (line: string) => void): Promise<DisruptionDone[]> {
  const done: DisruptionDone[] = [];
  for (const [i, d] of schedule.entries()) {
    await sleep(t0 + d.atMs - Date.now());
    const at = Date.now() - t0;
    if (d.kind === 'kill_worker') {
      await processes.killWorker();
      done.push({ kind: d.kind, atMs: at, downMs: 0, healthyAfterMs: null });
    } else {
      await (d.kind === 'restart_temporal' ? stack.restartTemporal(d.downMs) : stack.restartPostgres(d.downMs));
      done.push({ kind: d.kind, atMs: at, downMs: d.downMs, healthyAfterMs: await healthyAfter(api) });
    }
    log(`[${(at / 1000).toFixed(1)} s] ${i + 1}/${schedule.length} ${d.kind.replace('_', ' ')}${d.downMs > 0 ? ` (down ${(d.downMs / 1000).toFixed(1)} s)` : ''}`);
  }
  return done;
}

/** Connects through the API, asking again while it answers 503 (a simulator fault in its checks). */
async function connect(api: ServiceApi, companyId: number, log: (line: string) => void): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await api.connect(CHAOS_ACCOUNT, companyId);
    if ('integrationId' in answer) return answer.integrationId;
    if (attempt >= 30 || !/^(503|5\d\d|no answer)/.test(answer.refused)) throw new Error(`the connect was refused: ${answer.refused}`);
    log(`connect answered ${answer.refused}; asking again`);
    await sleep(1_000);
  }
}

export async function runChaos(config: ChaosConfig, log: (line: string) => void = console.log): Promise<ChaosResult> {
  const startedAt = Date.now();
  const schedule = faultSchedule(config.seed, {
    windowMs: config.windowMs,
    kills: config.kills,
    temporalRestarts: config.temporalRestarts,
    postgresRestarts: config.postgresRestarts,
    maxDownMs: config.maxDownMs,
  });
  // Ports below the ephemeral range: a server that is down for a restart keeps its port.
  const [temporalPort, postgresPort, apiPort] = [await fixedPort(), await fixedPort(), await fixedPort()];
  const stack = await startBenchStack({
    postgres: { dir: `chaos-${process.pid}`, port: postgresPort, restartable: true },
    temporal: { port: temporalPort, dbFilename: path.join(config.logDir, 'temporal.sqlite') },
    corfixAccounts: [{ id: CHAOS_ACCOUNT, name: 'Chaos Construction' }],
    seed: config.seed,
    latencyMs: config.latencyMs,
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = new ServiceApi(apiUrl);
  const common = { ...stack.env, PUBLIC_URL: apiUrl, PROCORE_WEBHOOK_SECRET };
  const envOf = (service: ServiceName): Record<string, string> =>
    service === 'api'
      ? { ...common, API_PORT: String(apiPort), API_HOST: '127.0.0.1', API_TOKEN: CHAOS_API_TOKEN, CONNECT_REQUIRE_PROCORE_SIGNIN: 'false' }
      : { ...common, SYNC_POLL_INTERVAL: '5s', RECONCILE_INTERVAL: '10s' };
  const processes = new ServiceProcesses(envOf, config.logDir, startedAt);
  let connection: Connection | undefined;
  try {
    const company: ChaosCompany = await seedChaosCompany(stack.procore, stack.corfix, { projects: config.projects, users: config.users });
    log(`seeded: Procore company ${company.companyId} with ${config.projects} projects and ${config.users} users; Corfix account ${CHAOS_ACCOUNT} with ${company.corfixBefore.projects.length} projects and ${company.corfixBefore.workers.length} workers of its own`);
    processes.start('api');
    processes.start('worker');
    if ((await healthyAfter(api)) === null) throw new Error(`the API did not answer its health check within a minute (see ${config.logDir}/api.log)`);
    connection = await Connection.connect({ address: stack.temporal.address });
    const client = new Client({ connection });

    await setFaults(stack, config, config.faultRate);
    const integrationId = await connect(api, company.companyId, log);
    const t0 = Date.now();
    const windowEnd = t0 + config.windowMs;
    log(`connected (integration ${integrationId}); the chaos window is open for ${(config.windowMs / 1000).toFixed(0)} s: ${schedule.length} disruptions, ${(config.faultRate * 100).toFixed(0)}% of simulator requests faulted`);

    const changes = new ProcoreChanges(stack.procore, company.companyId, company.serviceAccountUserId, config.seed + 2);
    let initialSyncMs: number | null = null;
    const formsDriven = (async (): Promise<FormsDriven> => {
      for (;;) {
        const status = (await api.status())?.['status'];
        if (status === 'active') break;
        // An integration in error, or one that is not active long after the window: nothing to file forms for.
        if (status === 'error' || Date.now() > windowEnd + config.settleTimeoutMs) {
          log(`the integration is ${String(status)}: no forms`);
          return { completed: [], edits: 0 };
        }
        await sleep(1_000);
      }
      initialSyncMs = Date.now() - t0;
      log(`[${(initialSyncMs / 1000).toFixed(1)} s] the initial sync is done: the integration is active; forms begin`);
      await stack.corfix.put(`/accounts/${CHAOS_ACCOUNT}/webhook`, { url: `${apiUrl}/webhooks/corfix` });
      const spanMs = Math.max(15_000, (windowEnd - Date.now()) * 0.7);
      return driveForms(stack.corfix, await linkedProjects(stack.corfix, company.companyId), { forms: config.forms, edits: config.edits, spanMs, seed: config.seed + 3 });
    })();
    const [disruptions, , forms] = await Promise.all([
      disrupt(schedule, t0, stack, processes, api, log),
      changes.run(config.changeEveryMs, () => Date.now() >= windowEnd),
      formsDriven,
    ]);
    log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] the window is closed: ${changes.total()} Procore changes, ${forms.completed.length} forms completed, ${forms.edits} edits; faults off, settling`);

    const [procoreCounts, corfixCounts] = [await stack.procore.requestCounts(), await stack.corfix.requestCounts()];
    await setFaults(stack, config, 0);
    const settleSteps = await settle({ api, client, db: stack.db, corfix: stack.corfix, integrationId }, config.settleTimeoutMs);
    log(`settled in ${((settleSteps.at(-1)?.afterMs ?? 0) / 1000).toFixed(1)} s; checking`);
    const observation = await observe({
      procore: stack.procore,
      corfix: stack.corfix,
      db: stack.db,
      client,
      api,
      company,
      integrationId,
      unexpectedExits: processes.unexpectedExits,
    });
    const results = checkInvariants(observation);
    return {
      config,
      results,
      tally: {
        disruptions,
        injected: { procore: injectedCounts(procoreCounts), corfix: injectedCounts(corfixCounts) },
        changes: changes.made,
        forms: { completed: forms.completed.length, edits: forms.edits },
      },
      timings: { totalMs: Date.now() - startedAt, initialSyncMs, windowMs: config.windowMs, settle: settleSteps },
      passed: results.every((r) => r.violations.length === 0),
    };
  } finally {
    await processes.stop();
    await connection?.close();
    await stack.stop();
  }
}
