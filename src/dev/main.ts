// `npm run dev`: the whole stack on one machine with no credentials: a
// Temporal dev server (Web UI on :8233), Postgres (embedded unless
// DATABASE_URL is set), the Procore and Corfix simulators, and the service
// (migrations, worker, API) pointed at them. Ctrl-C stops all of it.
// The start-up itself is src/dev/stack.ts, shared with `npm run demo`.
import path from 'node:path';
import { ConfigError } from '../config.js';
import { createLogger } from '../logger.js';
import { demoCompany } from './demo-company.js';
import { DevStackLifetime, DEV_API_TOKEN } from './stack.js';
import { repoRoot } from './temporal-cli.js';

const log = createLogger(process.env['LOG_LEVEL'] ?? 'info', 'dev', { format: process.env['LOG_FORMAT'] === 'json' ? 'json' : 'pretty' });
const dataDir = path.join(repoRoot, '.data', 'dev');
const lifetime = new DevStackLifetime();

try {
  const { service, config } = await lifetime.start({
    log,
    temporal: { port: 7233, uiPort: 8233, dbFilename: path.join(dataDir, 'temporal.sqlite') },
    postgres: { folder: 'dev', port: Number(process.env['DEV_POSTGRES_PORT'] ?? 54329), database: 'corfix_integration' },
    simulators: { company: demoCompany({ today: new Date().toISOString().slice(0, 10) }) },
  });
  void service.failure.then((error) => {
    log.fatal({ err: error }, 'a part of the service stopped by itself; stopping everything');
    void lifetime.stopAll(1);
  });
  log.info(
    `ready: API ${service.apiUrl} (GET /health; bearer token ${config.API_TOKEN.includes(DEV_API_TOKEN) ? DEV_API_TOKEN : 'from API_TOKEN'}), ` +
      `worker polling task queue "${config.TEMPORAL_TASK_QUEUE}", status page ${service.apiUrl}/ (any user, the API token as password), ` +
      `operator CLI: ${process.env['DATABASE_URL'] ? '' : `DATABASE_URL=${config.DATABASE_URL} `}TEMPORAL_WEB_UI_URL=${config.TEMPORAL_WEB_UI_URL ?? ''} npm run ops -- list. Ctrl-C stops everything.`,
  );
} catch (error) {
  if (!lifetime.stopping) {
    log.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
    await lifetime.stopAll(1);
  }
}
