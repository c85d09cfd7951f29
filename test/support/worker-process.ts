// The worker as its own process (node on the built worker, as `npm run
// worker` runs it in production), for tests that SIGKILL it at a point a
// simulator's request observer picks and then start a fresh one.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import type { SyncHarness } from './sync-harness.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface KillableWorker {
  /** starts a worker process (dist/bin/worker.js must be built) */
  start(): void;
  /**
   * An observer that SIGKILLs the worker the first time `when` holds, then
   * starts a fresh one once it is gone. Its answer resolves once the killed
   * process has exited: returned to the simulator, it holds the simulator's
   * answer until then (the answer is lost with the process).
   */
  killOnce(name: string, when: (event: ObservedRequest) => boolean): (event: ObservedRequest) => Promise<void> | undefined;
  /** the names of the kills made, in order */
  readonly kills: string[];
  /** the last `chars` characters the worker processes wrote */
  logs(chars?: number): string;
  /** SIGKILLs the running worker, if any (afterAll) */
  stop(): void;
}

/** `env()` is the worker's environment (read at each start). */
export function killableWorker(env: () => Record<string, string>): KillableWorker {
  let worker: ChildProcess | undefined;
  const output: string[] = [];
  const kills: string[] = [];
  const start = () => {
    const child = spawn(process.execPath, ['dist/bin/worker.js'], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    worker = child;
  };
  return {
    start,
    kills,
    logs: (chars = 4_000) => output.join('').slice(-chars),
    stop: () => void worker?.kill('SIGKILL'),
    killOnce(name, when) {
      let done = false;
      return (event) => {
        if (done || !when(event) || !worker) return undefined;
        done = true;
        const dying = worker;
        const exited = new Promise<void>((resolve) => {
          dying.once('exit', () => {
            start();
            resolve();
          });
        });
        dying.kill('SIGKILL');
        kills.push(name);
        return exited;
      };
    },
  };
}

/**
 * Starts the worker process, connects through the harness's API and waits
 * for the connect to end; the integration's id. A connect that failed says
 * so with the worker processes' last words.
 */
export async function connectWithWorker(h: SyncHarness, worker: KillableWorker, body: Record<string, unknown>): Promise<string> {
  worker.start();
  const connected = await h.connect(body);
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  try {
    await h.connectResult(integrationId);
  } catch (error) {
    throw new Error(`${String(error)}\nworker logs:\n${worker.logs()}`);
  }
  return integrationId;
}
