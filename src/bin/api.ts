// `npm run api`: the HTTP API alone.
import { apiConfigSchema } from '../config.js';
import { startService, runUntilStopped } from '../service.js';
import { runEntryPoint } from './run.js';

await runEntryPoint(apiConfigSchema, async (config) => {
  const service = await startService(config, { api: true, worker: false, prepare: false });
  runUntilStopped(service, service.logger);
});
