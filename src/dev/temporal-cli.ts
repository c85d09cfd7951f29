// Asks scripts/temporal-cli.sh and scripts/temporal-test-server.sh (the one
// place that decides each) for a Temporal binary; without one, the SDK
// downloads its own.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface TemporalBinary {
  executable: EphemeralServerExecutable;
  /** where the binary came from, for logs and the versions test */
  description: string;
}

async function resolveBinary(scriptName: string, label: string): Promise<TemporalBinary> {
  const script = path.join(repoRoot, 'scripts', scriptName);
  const { stdout, stderr } = await promisify(execFile)('bash', [script], { env: process.env, maxBuffer: 1 << 20 });
  const found = stdout.trim();
  const last = stderr.trim().split('\n').filter(Boolean).at(-1) ?? '';
  const said = last.startsWith(`${label}: `) ? last.slice(label.length + 2) : last;
  if (found) return { executable: { type: 'existing-path', path: found }, description: said };
  return { executable: { type: 'cached-download' }, description: said };
}

/** The `temporal` CLI (its dev server). */
export const resolveTemporalCli = () => resolveBinary('temporal-cli.sh', 'temporal CLI');

/** Temporal's time-skipping test server. */
export const resolveTemporalTestServer = () => resolveBinary('temporal-test-server.sh', 'temporal test server');
