// The Procore and Corfix simulators as `npm run dev` runs them: a demo
// Procore company with projects and people, a demo Corfix account, and the
// service's environment pointed at both.
import { startCorfixSimulator, type CorfixSimulator } from '../simulators/corfix/server.js';
import { startProcoreSimulator, type ProcoreSimulator } from '../simulators/procore/server.js';

export const DEV_CORFIX_ACCOUNT = 'acc_demo';
const CORFIX_TOKEN = 'corfix-dev-token';
const CORFIX_WEBHOOK_SECRET = 'corfix-dev-webhook-secret';

export interface DevSimulators {
  procore: ProcoreSimulator;
  corfix: CorfixSimulator;
  stop(): Promise<void>;
}

export async function startDevSimulators(): Promise<DevSimulators> {
  const procore = await startProcoreSimulator({ seed: 1, demoData: true });
  const corfix = await startCorfixSimulator({
    seed: 1,
    tokens: { [CORFIX_TOKEN]: [DEV_CORFIX_ACCOUNT] },
    webhookSecret: CORFIX_WEBHOOK_SECRET,
    accounts: [{ id: DEV_CORFIX_ACCOUNT, name: 'Demo Construction' }],
  }).catch(async (error: unknown) => {
    await procore.stop();
    throw error;
  });
  return {
    procore,
    corfix,
    stop: async () => {
      await Promise.allSettled([procore.stop(), corfix.stop()]);
    },
  };
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
