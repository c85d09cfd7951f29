// Asks scripts/temporal-cli.sh (the one place that decides it) for the
// `temporal` CLI binary; without one, the SDK downloads its own.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TemporalCli {
  executable: EphemeralServerExecutable;
  /** where the binary came from, for logs and the versions test */
  description: string;
}

export async function resolveTemporalCli(): Promise<TemporalCli> {
  const script = path.join(repoRoot, 'scripts', 'temporal-cli.sh');
  const { stdout, stderr } = await promisify(execFile)('bash', [script], { env: process.env, maxBuffer: 1 << 20 });
  const found = stdout.trim();
  const said = (stderr.trim().split('\n').filter(Boolean).at(-1) ?? '').replace(/^temporal CLI: /, '');
  if (found) return { executable: { type: 'existing-path', path: found }, description: said };
  return { executable: { type: 'cached-download' }, description: said };
}
