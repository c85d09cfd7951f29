// `npm run prepare-deployment`: run once per deploy before the API and the
// workers (docker-compose's "prepare" service): migrations and search attributes.
import { connectTemporalClient } from '../client.js';
import { prepareConfigSchema } from '../config.js';
import { openDatabase } from '../db/database.js';
import { createLogger } from '../logger.js';
import { prepareDeployment } from '../prepare.js';
import { runEntryPoint } from './run.js';

await runEntryPoint(prepareConfigSchema, async (config) => {
  const db = openDatabase(config.DATABASE_URL, { poolMax: config.DATABASE_POOL_MAX });
  const temporal = await connectTemporalClient(config).catch(async (error: unknown) => {
    await db.destroy();
    throw error;
  });
  try {
    await prepareDeployment(db, temporal.client, config.TEMPORAL_NAMESPACE, createLogger(config.LOG_LEVEL, 'prepare', { format: config.LOG_FORMAT }));
  } finally {
    await temporal.close();
    await db.destroy();
  }
});
