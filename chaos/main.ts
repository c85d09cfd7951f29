// `npm run chaos`: the chaos run (chaos/run.ts) at full size, or `-- --quick`
// for the small one; `-- --seed N` makes it reproducible (the schedule, the
// faults, the changes and the forms follow from it). Prints the invariants
// and the fault tally; exits 1 when any invariant is violated (2 when the
// run itself could not be made). Each run's service logs and Temporal's
// SQLite file are under .data/chaos/seed-N/.
import { mkdir, rm } from 'node:fs/promises';
import { loadLine, loadNow } from '../bench/stack.js';
import path from 'node:path';
import { repoRoot } from '../src/dev/temporal-cli.js';
import { chaosConfig } from './config.js';
import { invariantTable, tallyLines, timingLines } from './report.js';
import { runChaos } from './run.js';

const logDirOf = (seed: number) => path.join(repoRoot, '.data', 'chaos', `seed-${seed}`);

async function main(): Promise<number> {
  const config = chaosConfig(process.argv.slice(2), process.env, logDirOf);
  await rm(config.logDir, { recursive: true, force: true });
  await mkdir(config.logDir, { recursive: true });
  const loadBefore = loadNow();
  console.log(
    `chaos run, seed ${config.seed}: ${config.users} users and ${config.projects} projects at the connect, ${config.forms} forms and ${config.edits} edits; ` +
      `${config.kills} worker SIGKILLs, ${config.temporalRestarts} Temporal restarts, ${config.postgresRestarts} Postgres restarts in a ${(config.windowMs / 1000).toFixed(0)} s window; ` +
      `${(config.faultRate * 100).toFixed(0)}% of simulator requests faulted (5xx, 429, dropped, ${config.stallMs / 1000} s stalls); logs in ${path.relative(repoRoot, config.logDir)}`,
  );
  const result = await runChaos(config);
  console.log(['', ...invariantTable(result.results), '', ...tallyLines(result.tally), '', ...timingLines(result.timings)].join('\n'));
  console.log(loadLine(loadBefore));
  console.log(result.passed ? `\nPASS: every invariant holds (seed ${config.seed})` : `\nFAIL: invariants violated (seed ${config.seed})`);
  return result.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(2);
  },
);
