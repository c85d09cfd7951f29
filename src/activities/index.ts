// Every activity the worker registers, built over the process's shared
// dependencies (database, API clients). Activities are thin glue.
import type { ExternalApiClients } from '../external-api-clients.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';
import { createInitialSyncActivities } from './initial-sync.js';

export interface ActivityDependencies {
  db: Database;
  clients: ExternalApiClients;
  logger: Logger;
}

export function createActivities(deps: ActivityDependencies) {
  return { ...createInitialSyncActivities(deps) };
}

export type Activities = ReturnType<typeof createActivities>;
