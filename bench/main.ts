// `npm run bench`: every bench, one after another, each as its own process
// (a fresh stack each, and nothing one leaves behind slows the next). The
// command line (e.g. `--workers 3`) goes to each of them; the first that
// fails stops the run with its exit code.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '../src/dev/temporal-cli.js';
import { benchArgs } from './stack.js';

const BENCHES = ['initial-sync.ts', 'preview.ts', 'continuous-sync.ts', 'forms.ts', 'shared-budget.ts'];

const args = process.argv.slice(2);
benchArgs(args); // a mistyped option stops here, before the first bench
for (const bench of BENCHES) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('bench', bench), ...args], { cwd: repoRoot, stdio: 'inherit' });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) {
    console.error(`bench/${bench} ended with ${signal ?? `exit code ${code}`}; the benches after it did not run`);
    process.exit(code ?? 1);
  }
  console.log('');
}
