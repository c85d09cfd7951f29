// `npm run worker`: a worker alone (scale these out; the API runs elsewhere).
import { workerConfigSchema } from '../config.js';
import { startService, runUntilStopped } from '../service.js';
import { runEntryPoint } from './run.js';

await runEntryPoint(workerConfigSchema, async (config) => {
  const service = await startService(config, { api: false, worker: true, prepare: false });
  runUntilStopped(service, service.logger);
});
