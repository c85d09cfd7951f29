// The local stack both benches run on: a Temporal dev server, Postgres
// (embedded unless DATABASE_URL), a fresh database migrated to the latest,
// the two API simulators with the same latency on every call, a seeded
// company, and the service's own processes (dist/bin/*.js, so `npm run build`
// first). Nothing here measures anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { migrateToLatest, openDatabase, type Database } from '../src/db/database.js';
import { ensureDatabase, databaseUrlOn, dropDatabase, embeddedPostgresRoot, startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { repoRoot } from '../src/dev/temporal-cli.js';
import { startTemporalDevServer, type TemporalDevServer } from '../src/dev/temporal-server.js';
import { startCorfixSimulator, type CorfixSimulator } from '../src/simulators/corfix/server.js';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../src/simulators/procore/server.js';

export const LATENCY_MS = Number(process.env['BENCH_LATENCY_MS'] ?? 50);

export interface BenchStackOptions {
  /** the embedded Postgres' data folder under the package's root, and its port */
  postgres: { dir: string; port: number };
  /** Corfix accounts, all reachable with the token `bench-token` */
  corfixAccounts: Array<{ id: string; name: string }>;
  /** more Procore simulator options (page sizes, webhook settings) */
  procore?: Pick<ProcoreSimulatorOptions, 'maxPerPage' | 'webhooks'>;
}

export interface BenchStack {
  temporal: TemporalDevServer;
  db: Database;
  databaseUrl: string;
  procore: ProcoreSimulator;
  corfix: CorfixSimulator;
  /** what every service process is given: the database, Temporal, both APIs */
  env: StackEnv;
  stop(): Promise<void>;
}

export type StackEnv = {
  DATABASE_URL: string;
  TEMPORAL_ADDRESS: string;
  TEMPORAL_TASK_QUEUE: string;
  PROCORE_API_BASE_URL: string;
  PROCORE_AUTH_BASE_URL: string;
  PROCORE_CLIENT_ID: string;
  PROCORE_CLIENT_SECRET: string;
  CORFIX_API_BASE_URL: string;
  CORFIX_API_TOKEN: string;
  CORFIX_WEBHOOK_SECRET: string;
  LOG_LEVEL: 'warn';
};

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const temporal = await startTemporalDevServer();
  const pg = process.env['DATABASE_URL']
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: path.join(await embeddedPostgresRoot(), options.postgres.dir),
        port: options.postgres.port,
        persistent: false,
      });
  const server = pg?.adminUrl ?? databaseUrlOn(process.env['DATABASE_URL'] as string, 'postgres');
  const dbName = `bench_${Date.now()}`;
  await ensureDatabase(server, dbName);
  const databaseUrl = databaseUrlOn(server, dbName);
  const db = openDatabase(databaseUrl);
  await migrateToLatest(db);

  const procore = await startProcoreSimulator({
    seed: 3,
    faults: [{ route: '*', latency_ms: LATENCY_MS }],
    rateLimits: { hourly: { limit: 100_000, window_seconds: 3600 }, spike: { limit: 1_000, window_seconds: 10 } },
    ...options.procore,
  });
  const corfix = await startCorfixSimulator({
    seed: 3,
    tokens: { 'bench-token': options.corfixAccounts.map((a) => a.id) },
    webhookSecret: 'bench-secret',
    accounts: options.corfixAccounts,
  });
  corfix.faults.setFaults([{ route: '*', latency_ms: LATENCY_MS }]);
  const env: StackEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: 'bench',
    PROCORE_API_BASE_URL: procore.url,
    PROCORE_AUTH_BASE_URL: procore.url,
    PROCORE_CLIENT_ID: procore.clientId,
    PROCORE_CLIENT_SECRET: procore.clientSecret,
    CORFIX_API_BASE_URL: corfix.url,
    CORFIX_API_TOKEN: 'bench-token',
    CORFIX_WEBHOOK_SECRET: 'bench-secret',
    LOG_LEVEL: 'warn',
  };

  return {
    temporal,
    db,
    databaseUrl,
    procore,
    corfix,
    env,
    stop: async () => {
      await db.destroy();
      await dropDatabase(server, dbName);
      await Promise.allSettled([procore.stop(), corfix.stop()]);
      await temporal.stop();
      await pg?.stop();
    },
  };
}

export interface SeedShape {
  projects: number;
  users: number;
  /** the first this many users are inactive */
  inactiveUsers: number;
  /** set every record's created_at and updated_at this far back (a company nobody changed lately); default: as seeded, now */
  lastChangedMsAgo?: number;
}

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** A company of `shape` in the Procore simulator: projects of every status, users with and without email. */
export function seedCompany(procore: ProcoreSimulator, name: string, shape: SeedShape): number {
  const company = procore.state.addCompany({ name });
  const projects = procore.state.addProjects(
    company.id,
    Array.from({ length: shape.projects }, (_, i) => ({
      name: `Site ${i}`,
      project_number: `S-${i}`,
      active: i % 5 !== 0,
      start_date: i % 10 === 0 ? day(30) : day(-30),
      template: i % 97 === 0,
    })),
  );
  procore.state.addUsers(
    company.id,
    Array.from({ length: shape.users }, (_, i) => ({
      first_name: `Worker${i}`,
      last_name: 'Bench',
      email_address: i % 50 === 0 ? null : `worker${i}@${name.toLowerCase().replace(/\W+/g, '')}.example`,
      mobile_phone: `+64 21 ${i}`,
      business_phone: null,
      employee_id: `B${i}`,
      is_employee: true,
      is_active: i >= shape.inactiveUsers,
      job_title: null,
    })),
  );
  if (shape.lastChangedMsAgo !== undefined) {
    // The simulator stamps records with its clock; the seed moves them back (no change event: nothing changed).
    const stamp = new Date(Date.now() - shape.lastChangedMsAgo).toISOString();
    // The directory's service account too (the simulator adds it with the company).
    for (const record of [...projects, ...procore.state.usersOf(company.id)] as Array<{ created_at: string; updated_at: string }>) {
      record.created_at = stamp;
      record.updated_at = stamp;
    }
  }
  return company.id;
}

/** A service entry point (dist/bin/<name>.js) as its own process; its stderr shows. */
export function spawnService(name: 'worker' | 'api' | 'start', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [`dist/bin/${name}.js`], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Sends SIGTERM and waits for the process to end. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** A port nobody listens on now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export async function peakRssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

/** CPU time (user + system) a process has used so far, in ms; 0 when it cannot be read. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (clock ticks, 100 per second on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

/** The pid of the Temporal dev server listening on `address` (its command line names the port), if it is found. */
export async function temporalServerPid(address: string): Promise<number | undefined> {
  const port = address.split(':').at(-1);
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(entry);
  }
  return undefined;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
