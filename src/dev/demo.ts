// `npm run demo`: the stack of `npm run dev` (src/dev/stack.ts) with a
// realistic company in the simulators (src/dev/demo-company.ts), connected
// through the real HTTP API as the Corfix app would. It shows the initial
// sync's progress, completes and edits a few forms in Corfix and shows them
// arriving in Procore's Documents, prints the sync report and the links to
// look further (the Temporal Web UI filtered to this integration, the API),
// then keeps running until Ctrl-C; `--exit` ends it after the summary.
// The service's own logs go to a file (.data/demo/service.log): the screen
// is the demo's. Any failure says what did not happen, stops everything and
// exits 1.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, readConfig } from '../config.js';
import { createFileLogger } from '../logger.js';
import {
  corfixAdmin,
  corfixProjectOf,
  demoConnectRequest,
  integrationApi,
  procoreAdmin,
  waitFor,
  type IntegrationApi,
  type IntegrationStatus,
} from './demo-api.js';
import { demoCompany } from './demo-company.js';
import { completeAndFileForms } from './demo-forms.js';
import { syncProgressView } from './demo-progress.js';
import { documentsTree, linkLines, summaryRows, summaryTable } from './demo-summary.js';
import { DEV_CORFIX_ACCOUNT } from './simulators.js';
import { DevStackLifetime, DEV_API_TOKEN } from './stack.js';
import { repoRoot } from './temporal-cli.js';

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a port number' }).int('must be a whole number').min(1, 'must be between 1 and 65535').max(65_535, 'must be between 1 and 65535').default(fallback);

/** The demo's own settings; the service's are those of `npm run dev` (the environment wins there too). */
const demoSettingsSchema = z.object({
  DEMO_TEMPORAL_PORT: port(7233),
  DEMO_UI_PORT: port(8233),
  /** the embedded Postgres (not used when DATABASE_URL is set) */
  DEMO_POSTGRES_PORT: port(54330),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Procore serves the demo's lists in small pages, so that the progress bars
 * move in steps (the service reads pages of whatever size Procore answers).
 */
const DEMO_PAGE_SIZES = { projects: 10, users: 50, inactiveUsers: 20 };
const STATUS_POLL_MS = 250;

const out = process.stdout;
const say = (line = '') => void out.write(`${line}\n`);
const logFile = path.join(repoRoot, '.data', 'demo', 'service.log');

const lifetime = new DevStackLifetime(() => say('\nStopping everything ...'));

async function fail(error: unknown): Promise<never> {
  if (!lifetime.stopping) {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    const stopped = lifetime.started ? `\nEverything is being stopped; the service's log is ${path.relative(process.cwd(), logFile)}.` : '';
    process.stderr.write(`\nThe demo failed: ${message}${stopped}\n`);
  }
  return lifetime.stopAll(1);
}

async function demo(exitAfterSummary: boolean): Promise<void> {
  const settings = readConfig(demoSettingsSchema);
  const today = new Date().toISOString().slice(0, 10);
  const company = demoCompany({ today });
  const serviceLog = createFileLogger(settings.LOG_LEVEL, 'service', logFile);

  say('Corfix ⇄ Procore integration: demo');
  say(`Starting the stack (the service logs to ${path.relative(process.cwd(), logFile)}) ...`);
  const stack = await lifetime.start({
    log: serviceLog.child({ component: 'dev-stack' }),
    serviceLogger: serviceLog,
    temporal: { port: settings.DEMO_TEMPORAL_PORT, uiPort: settings.DEMO_UI_PORT },
    postgres: { folder: 'demo', port: settings.DEMO_POSTGRES_PORT, database: 'corfix_demo', freshSuffix: 'demo' },
    simulators: { company, maxPerPage: DEMO_PAGE_SIZES },
  });
  void stack.service.failure.then((error) => fail(new Error(`a part of the service stopped by itself: ${error.message}`)));
  const { companyId } = stack.simulators;
  const apiToken = stack.config.API_TOKEN[0] as string;
  const totals = { projects: company.projects.length, users: company.users.length + 1 };
  say(`  ${stack.temporal.description}`);
  say(`  ${stack.postgres.description}`);
  say(
    `  Procore simulator at ${stack.simulators.procore.url}: "${company.name}" (company ${companyId}), ` +
      `${totals.projects} projects, ${totals.users} users (the app's service account among them)`,
  );
  say(
    `  Corfix simulator at ${stack.simulators.corfix.url}: account ${DEV_CORFIX_ACCOUNT}, ` +
      `${company.corfix.projects.length} projects and ${company.corfix.workers.length} workers there before the connect`,
  );
  say(`  API at ${stack.apiUrl} (bearer token ${apiToken === DEV_API_TOKEN ? DEV_API_TOKEN : 'from API_TOKEN'})`);
  say();

  const api = integrationApi(stack.apiUrl, apiToken);
  const body = demoConnectRequest(DEV_CORFIX_ACCOUNT, companyId);
  say(`POST /v1/integrations ${JSON.stringify(body)}`);
  const accepted = await api.connect(body);
  say(`  202: integration ${accepted.integration_id}, workflow ${accepted.workflow_id}`);
  say();

  say('Initial sync (projects, then users; done against what the simulator holds):');
  const status = await initialSync(api, totals);
  say(`  status ${status.status}`);
  say();

  const procore = procoreAdmin(stack.simulators.procore.url);
  const corfix = corfixAdmin(stack.simulators.corfix.url, DEV_CORFIX_ACCOUNT);
  const formsProject = await procore.projectNumbered(companyId, company.formsProjectNumber);
  await completeAndFileForms({
    api,
    corfix,
    accountId: DEV_CORFIX_ACCOUNT,
    projectId: await corfixProjectOf(api, DEV_CORFIX_ACCOUNT, formsProject.id),
    unlinkedProjectId: await corfix.projectIdNamed(company.unlinkedCorfixProjectName),
    today,
    say,
  });
  say();

  say(`Procore Documents of "${formsProject.name}" (project ${formsProject.id}):`);
  for (const line of documentsTree(await procore.documents(formsProject.id))) say(`  ${line}`);
  say();

  say(`Summary: the sync report (GET /v1/integrations/${DEV_CORFIX_ACCOUNT}):`);
  for (const line of summaryTable(summaryRows(await api.status(DEV_CORFIX_ACCOUNT)))) say(`  ${line}`);
  say();
  for (const line of linkLines({
    webUiUrl: stack.temporal.webUiUrl,
    namespace: stack.temporal.namespace,
    integrationId: accepted.integration_id,
    apiUrl: stack.apiUrl,
    accountId: DEV_CORFIX_ACCOUNT,
  })) {
    say(line);
  }
  say();
  if (exitAfterSummary) {
    say('Done (--exit): stopping everything.');
    await lifetime.stopAll(0);
  }
  say('The stack keeps running (the continuous syncs too: change something in a simulator and watch it arrive). Ctrl-C stops everything.');
}

/** Polls the status until the integration is active, drawing the progress; an error ends the demo. */
async function initialSync(api: IntegrationApi, totals: { projects: number; users: number }): Promise<IntegrationStatus> {
  const view = syncProgressView(out, totals);
  let last: IntegrationStatus | undefined;
  const done = () => ({ projects: last?.initial_sync.projects.entities_done ?? 0, users: last?.initial_sync.users.entities_done ?? 0 });
  try {
    return await waitFor(
      'the initial sync',
      async () => {
        last = await api.status(DEV_CORFIX_ACCOUNT);
        view.update(done());
        if (last.status === 'error' || last.initial_sync.state === 'failed') {
          throw new Error(`the initial sync failed: ${last.last_error?.message ?? 'no reason given'}`);
        }
        return last.status === 'active' ? last : undefined;
      },
      {
        everyMs: STATUS_POLL_MS,
        lastSeen: () => (last ? `status ${last.status}, phase ${last.initial_sync.phase ?? 'none'}, sync ${last.sync_state.state}` : 'no status'),
      },
    );
  } finally {
    view.stop(done());
  }
}

try {
  const { values } = parseArgs({ options: { exit: { type: 'boolean', default: false } }, strict: true, allowPositionals: false });
  await demo(values.exit);
} catch (error) {
  await fail(error);
}

