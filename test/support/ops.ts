// The operator CLI (`npm run ops`) run in-process, for the ops tests.
import { runOps, type OpsDependencies } from '../../src/ops/commands.js';

/** Runs `npm run ops -- ...argv` in-process with `deps`: its exit code and what it printed. */
export async function runOpsCaptured(argv: string[], deps: OpsDependencies) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runOps(argv, deps, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
