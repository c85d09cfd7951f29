// Every activity the worker registers, built over the process's shared
// dependencies (database, API clients, config). Activities are thin glue.
import type { WorkerConfig } from '../config.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../logger.js';

export interface ActivityDependencies {
  db: Database;
  config: WorkerConfig;
  logger: Logger;
}

export function createActivities(_deps: ActivityDependencies): Record<string, (...args: never[]) => Promise<unknown>> {
  return {};
}
