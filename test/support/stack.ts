// One Temporal dev server and one Postgres per jest run. Test files reach them
// through env (a global setup cannot hand objects to test files):
//   TEMPORAL_ADDRESS, TEST_TEMPORAL_CLI, TEST_POSTGRES_URL (a server-level URL;
//   each test file makes its own database there, see database.ts).
// Postgres is DATABASE_URL's server when set, else an embedded one.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { embeddedPostgresRoot, startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../src/dev/embedded-postgres.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../src/dev/temporal-server.js';
import { freePort } from '../../src/dev/ports.js';

export { freePort };

export interface TestStack {
  temporal: TemporalDevServer;
  postgres?: EmbeddedPostgresServer;
  runDir: string;
}

const testRunsDir = async () => path.join(await embeddedPostgresRoot(), 'test-runs');


function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A run killed before its teardown leaves a Postgres and a folder behind: end both. */
async function cleanUpKilledRuns(): Promise<void> {
  const runsDir = await testRunsDir();
  const runs = await readdir(runsDir).catch(() => [] as string[]);
  for (const run of runs) {
    const owner = Number(run);
    if (Number.isInteger(owner) && isAlive(owner)) continue;
    const pidFile = path.join(runsDir, run, 'postgres', 'postmaster.pid');
    const postmaster = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
    if (Number.isInteger(postmaster) && postmaster > 0 && isAlive(postmaster)) process.kill(postmaster, 'SIGQUIT');
    await rm(path.join(runsDir, run), { recursive: true, force: true });
  }
}

export async function startTestStack(): Promise<TestStack> {
  await cleanUpKilledRuns();
  const runDir = path.join(await testRunsDir(), String(process.pid));
  await mkdir(runDir, { recursive: true });

  const [temporal, postgres] = await Promise.all([
    startTemporalDevServer(),
    process.env['DATABASE_URL']
      ? Promise.resolve(undefined)
      : freePort().then((port) =>
          startEmbeddedPostgres({ dataDir: path.join(runDir, 'postgres'), port, persistent: false }),
        ),
  ]);
  process.env['TEMPORAL_ADDRESS'] = temporal.address;
  process.env['TEST_TEMPORAL_CLI'] = temporal.cli;
  process.env['TEST_POSTGRES_URL'] = postgres?.adminUrl ?? (process.env['DATABASE_URL'] as string);
  process.env['TEST_POSTGRES_KIND'] = postgres ? 'embedded' : 'DATABASE_URL';
  return { temporal, ...(postgres ? { postgres } : {}), runDir };
}

export async function stopTestStack(stack: TestStack | undefined): Promise<void> {
  if (!stack) return;
  await Promise.allSettled([stack.temporal.stop(), stack.postgres?.stop()]);
  await rm(stack.runDir, { recursive: true, force: true });
}
