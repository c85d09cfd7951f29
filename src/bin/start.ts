// `npm start`: production. Applies migrations, checks the namespace's search
// attributes, then runs the API and the worker in one process.
import { serviceConfigSchema } from '../config.js';
import { startService, runUntilStopped } from '../service.js';
import { runEntryPoint } from './run.js';

await runEntryPoint(serviceConfigSchema, async (config) => {
  const service = await startService(config, { api: true, worker: true, prepare: true });
  runUntilStopped(service, service.logger);
});
