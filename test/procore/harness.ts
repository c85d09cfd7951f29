// Shared set-up for the Procore contract tests: a simulator with one company
// where the app is installed, and a client for that company.
import { ProcoreClient, type ProcoreClientOptions } from '../../src/procore/client.js';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../../src/simulators/procore/server.js';
import type { SimCompany } from '../../src/simulators/procore/state.js';

export interface Harness {
  sim: ProcoreSimulator;
  company: SimCompany;
  client: (overrides?: Partial<ProcoreClientOptions>) => ProcoreClient;
}

export async function startHarness(options: ProcoreSimulatorOptions = {}): Promise<Harness> {
  const sim = await startProcoreSimulator({ seed: 1, ...options });
  const company = sim.state.addCompany({ name: 'Harbour Construction Ltd' });
  return {
    sim,
    company,
    client: (overrides = {}) =>
      new ProcoreClient({
        apiBaseUrl: sim.url,
        authBaseUrl: sim.url,
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
        companyId: String(company.id),
        retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 },
        ...overrides,
      }),
  };
}

/** Requests the simulator counted on one route ("GET /rest/v1.0/me"), by status. */
export function countsFor(sim: ProcoreSimulator, route: string): { total: number; by_status: Record<string, number>; dropped: number } {
  return sim.faults.requestCounts()[route] ?? { total: 0, by_status: {}, dropped: 0, stalled: 0 };
}

export async function collect<T>(pages: AsyncGenerator<{ items: T[] }>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

/**
 * The simulator's rate windows are aligned on multiples of their length: this
 * waits, when need be, until the current window has at least `leftMs` to go,
 * and says when that window resets.
 */
export async function windowWithTimeLeft(windowSeconds: number, leftMs: number): Promise<{ resetAtMs: number }> {
  const lengthMs = windowSeconds * 1000;
  const resetOf = (at: number) => (Math.floor(at / lengthMs) + 1) * lengthMs;
  if (resetOf(Date.now()) - Date.now() < leftMs) await new Promise((resolve) => setTimeout(resolve, resetOf(Date.now()) - Date.now() + 50));
  return { resetAtMs: resetOf(Date.now()) };
}
