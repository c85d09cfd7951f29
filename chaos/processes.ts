// The service as the chaos run runs it: the built worker and the built API,
// each its own process, their output appended to a log file each. A worker
// the run SIGKILLs is started again at once. A process that ends without
// being asked to is a finding (the service must get over a Temporal or
// Postgres restart by itself): it is counted, then started again after a
// second, as a process supervisor would, so that the run can go on.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { sleep, spawnService, stopProcess } from '../bench/stack.js';

export type ServiceName = 'worker' | 'api';

/** A process that ended without being asked to: which, when (ms into the run), and how. */
export interface UnexpectedExit {
  service: ServiceName;
  atMs: number;
  how: string;
}

export class ServiceProcesses {
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly children = new Map<ServiceName, ChildProcess>();
  private readonly logFds = new Map<ServiceName, number>();
  /** the processes the run SIGKILLed on purpose */
  private readonly killed = new WeakSet<ChildProcess>();
  private stopping = false;

  constructor(
    private readonly envOf: (service: ServiceName) => Record<string, string>,
    logDir: string,
    private readonly startedAt: number,
  ) {
    mkdirSync(logDir, { recursive: true });
    for (const service of ['worker', 'api'] as const) this.logFds.set(service, openSync(path.join(logDir, `${service}.log`), 'a'));
  }

  start(service: ServiceName): void {
    const child = spawnService(service, this.envOf(service), this.logFds.get(service));
    this.children.set(service, child);
    child.once('exit', (code, signal) => {
      if (this.stopping || this.children.get(service) !== child || this.killed.has(child)) return;
      this.unexpectedExits.push({ service, atMs: Date.now() - this.startedAt, how: signal ?? `exit ${code}` });
      void sleep(1_000).then(() => {
        if (!this.stopping && this.children.get(service) === child) this.start(service);
      });
    });
  }

  /** SIGKILLs the worker and starts a fresh one once it is gone. */
  async killWorker(): Promise<void> {
    const worker = this.children.get('worker');
    if (!worker || worker.exitCode !== null || worker.signalCode !== null) return;
    this.killed.add(worker);
    const exited = once(worker, 'exit');
    worker.kill('SIGKILL');
    await exited;
    this.start('worker');
  }

  /** Ends both (SIGTERM, waited for) and closes the logs. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.values()].map((c) => stopProcess(c)));
    for (const fd of this.logFds.values()) closeSync(fd);
  }
}
