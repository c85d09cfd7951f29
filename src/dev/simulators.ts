// The Procore and Corfix simulators as `npm run dev` and `npm run demo` run
// them: a Procore company (the realistic one of demo-company.ts) with the
// app installed, a second company without it, the Corfix account `acc_demo`
// holding what it had before the connect, and the service's environment
// pointed at both.
import { startCorfixSimulator, type CorfixSimulator } from '../simulators/corfix/server.js';
import { startProcoreSimulator, type ProcoreSimulator, type ProcoreSimulatorOptions } from '../simulators/procore/server.js';
import type { DemoCompany } from './demo-company.js';

export const DEV_CORFIX_ACCOUNT = 'acc_demo';
const CORFIX_TOKEN = 'corfix-dev-token';
const CORFIX_WEBHOOK_SECRET = 'corfix-dev-webhook-secret';

export interface DevSimulatorOptions {
  /** the Procore company and the Corfix account's records */
  company: DemoCompany;
  /** the largest page Procore serves per list (default: the simulator's, like Procore's) */
  maxPerPage?: ProcoreSimulatorOptions['maxPerPage'];
}

export interface DevSimulators {
  procore: ProcoreSimulator;
  corfix: CorfixSimulator;
  /** the Procore company of the Corfix account */
  companyId: number;
  stop(): Promise<void>;
}

export async function startDevSimulators(options: DevSimulatorOptions): Promise<DevSimulators> {
  const procore = await startProcoreSimulator({ seed: 1, ...(options.maxPerPage ? { maxPerPage: options.maxPerPage } : {}) });
  const corfix = await startCorfixSimulator({
    seed: 1,
    tokens: { [CORFIX_TOKEN]: [DEV_CORFIX_ACCOUNT] },
    webhookSecret: CORFIX_WEBHOOK_SECRET,
    accounts: [{ id: DEV_CORFIX_ACCOUNT, name: 'Demo Construction' }],
  }).catch(async (error: unknown) => {
    await procore.stop();
    throw error;
  });
  const stop = async () => {
    await Promise.allSettled([procore.stop(), corfix.stop()]);
  };
  try {
    const companyId = seedDemoCompany(procore, corfix, options.company, DEV_CORFIX_ACCOUNT);
    return { procore, corfix, companyId, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Puts the company into both simulators (in-process: their state applies the
 * same rules as their admin APIs), its Corfix records into `accountId`; its
 * Procore id. Tests seed it into simulators of their own.
 */
export function seedDemoCompany(procore: ProcoreSimulator, corfix: CorfixSimulator, company: DemoCompany, accountId: string): number {
  const { id } = procore.state.addCompany({ name: company.name });
  procore.state.addProjects(id, company.projects);
  procore.state.addUsers(id, company.users);
  // A company where the Corfix app is not installed: connecting to it is refused (procore_app_not_installed).
  procore.state.addCompany({ name: 'Ridge Builders (app not installed)', app_installed: false });
  for (const project of company.corfix.projects) corfix.state.createProject(accountId, project);
  for (const worker of company.corfix.workers) corfix.state.seedWorker(accountId, { ...worker, status: 'active' });
  return id;
}

/** The service's environment for talking to the simulators. */
export function devSimulatorEnv(simulators: DevSimulators): Record<string, string> {
  return {
    PROCORE_API_BASE_URL: simulators.procore.url,
    PROCORE_AUTH_BASE_URL: simulators.procore.url,
    PROCORE_CLIENT_ID: simulators.procore.clientId,
    PROCORE_CLIENT_SECRET: simulators.procore.clientSecret,
    CORFIX_API_BASE_URL: simulators.corfix.url,
    CORFIX_API_TOKEN: CORFIX_TOKEN,
    CORFIX_WEBHOOK_SECRET,
  };
}
