// The two API simulators as a process of their own, for the benches
// (bench/stack.ts starts it with `node --import tsx`): the service's
// processes and the bench's plain loop then each have an event loop to
// themselves, and the simulators' work is not counted against either. The
// bench drives them over their admin APIs (/__admin/...).
//
// Its settings come as one JSON argument (SimulatorsSettings); once both
// listen it sends their addresses to its parent over IPC (SimulatorsReady).
// It stops on SIGTERM, and when its parent is gone (the IPC channel closes).
import { startCorfixSimulator } from '../src/simulators/corfix/server.js';
import { startProcoreSimulator } from '../src/simulators/procore/server.js';
import type { SimulatorsReady, SimulatorsSettings } from './stack.js';

const settings = JSON.parse(process.argv[2] ?? '{}') as SimulatorsSettings;
const latency = [{ route: '*', latency_ms: settings.latencyMs }];

const procore = await startProcoreSimulator({
  seed: settings.seed,
  faults: latency,
  rateLimits: settings.procore.rateLimits,
  ...(settings.procore.maxPerPage ? { maxPerPage: settings.procore.maxPerPage } : {}),
  ...(settings.procore.webhooks ? { webhooks: settings.procore.webhooks } : {}),
});
const corfix = await startCorfixSimulator({
  seed: settings.seed,
  tokens: { [settings.corfix.token]: settings.corfix.accounts.map((a) => a.id) },
  webhookSecret: settings.corfix.webhookSecret,
  accounts: settings.corfix.accounts,
});
corfix.faults.setFaults(latency);

let stopping: Promise<void> | undefined;
const stop = () => {
  stopping ??= Promise.allSettled([procore.stop(), corfix.stop()]).then(() => process.exit(0));
  return stopping;
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.once('disconnect', () => void stop());

const ready: SimulatorsReady = {
  procore: { url: procore.url, clientId: procore.clientId, clientSecret: procore.clientSecret },
  corfix: { url: corfix.url },
};
process.send?.(ready);
