// The chaos run at its small size (`npm run chaos -- --quick`), through the
// same entry function: 300 users and 30 projects connected while the worker
// is SIGKILLed 3 times and Temporal and Postgres are restarted once each,
// with Procore changes going on, 20 forms completed and 8 edits, and 10% of
// the simulators' requests faulted. It runs on a stack of its own (its own
// Temporal dev server on a SQLite file, its own embedded Postgres: the
// suite's shared ones cannot be restarted), so it needs `npm run build`.
// Every invariant must hold.
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chaosConfig } from '../../chaos/config.js';
import { invariantTable, tallyLines, timingLines } from '../../chaos/report.js';
import { runChaos } from '../../chaos/run.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const logDir = path.join(repoRoot, '.data', 'chaos', `test-${process.pid}`);
/** the service logs are kept when the run failed */
let passed = false;

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
  await mkdir(logDir, { recursive: true });
}, 120_000);

afterAll(async () => {
  if (passed) await rm(logDir, { recursive: true, force: true });
});

test('the quick chaos run keeps every invariant: nothing lost, nothing duplicated, nothing stuck in silence', async () => {
  const config = chaosConfig(['--quick', '--seed', '11'], {}, () => logDir);
  const lines: string[] = [];
  const result = await runChaos(config, (line) => lines.push(line));
  const report = [...lines, ...invariantTable(result.results, 20), ...tallyLines(result.tally), ...timingLines(result.timings)].join('\n');

  // The disruptions the schedule holds were all made, and the faults met requests on both sides.
  const made = (kind: string) => result.tally.disruptions.filter((d) => d.kind === kind).length;
  expect({ kills: made('kill_worker'), temporal: made('restart_temporal'), postgres: made('restart_postgres') }).toEqual({ kills: 3, temporal: 1, postgres: 1 });
  for (const side of [result.tally.injected.procore, result.tally.injected.corfix]) {
    expect(side.serverErrors + side.rateLimited + side.dropped + side.stalled).toBeGreaterThan(0);
  }
  expect(result.tally.forms).toEqual({ completed: 20, edits: 8 });
  expect(result.results.map((r) => r.name)).toHaveLength(7);

  const violated = result.results.filter((r) => r.violations.length > 0);
  if (violated.length > 0) throw new Error(`invariants violated (service logs: ${logDir}):\n${report}`);
  expect(result.passed).toBe(true);
  passed = true;
}, 240_000);
