// What must hold before the API and the workers run: the database schema is
// current and the namespace knows our search attributes.
import type { Client } from '@temporalio/client';
import { migrateToLatest, type Database } from './db/database.js';
import type { Logger } from './logger.js';
import { ensureSearchAttributes } from './temporal/ensure-search-attributes.js';

export async function prepareDeployment(db: Database, temporal: Client, namespace: string, logger: Logger): Promise<void> {
  const applied = await migrateToLatest(db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  const added = await ensureSearchAttributes(temporal, namespace);
  logger.info({ added }, added.length ? 'search attributes added to the namespace' : 'search attributes present');
}
