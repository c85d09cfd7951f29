// `npm run fuzz:api`: schemathesis against the API's own /openapi.json.
// Starts the stack of `npm run dev` (src/dev/stack.ts) on free ports, with a
// fresh database and every route served (the Procore sign-in configured, the
// direct connect allowed, both webhooks), connects the demo account through
// the API and files one form, so that the stateful phase's links have an
// integration and a form to walk. Then runs the pinned schemathesis
// (scripts/schemathesis.sh) with every check (but the few its config says why
// not), each security scheme's
// credentials (schemathesis.toml written for the run) and the Corfix webhook
// signed over its raw bytes (scripts/schemathesis_hooks.py); prints its
// summary and the number of requests it sent, and exits with its code (0:
// no failure). The service logs to .data/fuzz/service.log: a 5xx's cause is
// there.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { ConfigError, readConfig } from '../config.js';
import { createFileLogger } from '../logger.js';
import { corfixAdmin, corfixProjectOf, demoConnectRequest, integrationApi, procoreAdmin, waitFor } from './demo-api.js';
import { demoCompany } from './demo-company.js';
import { freePort } from './ports.js';
import { DEV_CORFIX_ACCOUNT } from './simulators.js';
import { startDevStack, type DevStack } from './stack.js';
import { repoRoot } from './temporal-cli.js';

/** The run's own settings; the service's are those of `npm run dev`, plus the ones below. */
const fuzzSettingsSchema = z.object({
  /** test cases per operation and phase (schemathesis --max-examples) */
  FUZZ_MAX_EXAMPLES: z.coerce.number().int().min(1).max(10_000).default(50),
  /** schemathesis --seed, to repeat a run */
  FUZZ_SEED: z.coerce.number().int().optional(),
  /** the fewest requests a passing run must have sent */
  FUZZ_MIN_REQUESTS: z.coerce.number().int().min(0).default(1_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Distinctive values, so that a leak of any of them is easy to find in the report. */
const FUZZ_API_TOKEN = 'fuzz-api-token-0123456789';
const FUZZ_PROCORE_WEBHOOK_SECRET = 'fuzz-procore-webhook-secret-0123456789';

const dataDir = path.join(repoRoot, '.data', 'fuzz');
const logFile = path.join(dataDir, 'service.log');
const say = (line = '') => void process.stdout.write(`${line}\n`);

/** scripts/schemathesis.sh: the pinned schemathesis in the project venv (installed there on first use). */
async function schemathesisBinary(): Promise<string> {
  const script = path.join(repoRoot, 'scripts', 'schemathesis.sh');
  const { stdout, stderr } = await promisify(execFile)('bash', [script], { env: process.env, maxBuffer: 1 << 20 }).catch(
    (error: { stderr?: string; message: string }) => {
      throw new Error(`scripts/schemathesis.sh found no schemathesis: ${error.stderr?.trim() || error.message}`);
    },
  );
  process.stderr.write(stderr);
  return stdout.trim();
}

/** What the seed made: ids the fuzzer mixes into its generated ones. */
interface Seeded {
  accountId: string;
  companyId: string;
  formId: string;
}

/**
 * schemathesis.toml for the run: the credentials of each security scheme of
 * /openapi.json (their names in server.ts; the values come from the
 * environment), and the seeded ids, used for part of the generated ids so that
 * requests reach a live integration and form, and the stateful phase's links
 * (src/api/openapi.ts) have answers to follow.
 */
const schemathesisConfig = (seeded: Seeded) => {
  const seededShare = (location: string, dictionary: string, probability: number) =>
    `"${location}" = { dictionary = "${dictionary}", probability = ${probability} }`;
  return [
    '# Written by src/dev/fuzz-api.ts for one run of `npm run fuzz:api`. Every check runs (schemathesis',
    '# runs them all unless told otherwise; `--checks all` on the command line would override the few',
    '# exceptions below, each of which says why).',
    '[auth.openapi.bearer]',
    'bearer = "${FUZZ_API_TOKEN}"',
    '[auth.openapi.basic]',
    'username = "operator"',
    'password = "${FUZZ_API_TOKEN}"',
    '[auth.openapi.procoreWebhook]',
    'bearer = "${FUZZ_PROCORE_WEBHOOK_SECRET}"',
    '',
    '[dictionaries.accounts]',
    `values = ${JSON.stringify([seeded.accountId])}`,
    '[dictionaries.companies]',
    `values = ${JSON.stringify([seeded.companyId])}`,
    '[dictionaries.forms]',
    `values = ${JSON.stringify([seeded.formId])}`,
    '',
    '[parameters]',
    seededShare('path.corfix_account_id', 'accounts', 0.5),
    seededShare('body.corfix_account_id', 'accounts', 0.3),
    seededShare('body.account_id', 'accounts', 0.5),
    seededShare('path.form_id', 'forms', 0.5),
    seededShare('body.form_id', 'forms', 0.3),
    seededShare('body.company_id', 'companies', 0.5),
    seededShare('body.procore_company_id', 'companies', 0.3),
    '',
    '# A schema-valid connect of an account Corfix does not let the service use, or of a company',
    '# without the app, is refused with the documented 422.',
    '[[operations]]',
    'include-operation-id = "connectIntegration"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422]',
    '',
    "# Procore's sign-in callback always ends in its 303 to CONNECT_RETURN_URL, a malformed one too",
    '# (result=refused&reason=invalid_callback): that redirect is how it refuses.',
    '[[operations]]',
    'include-operation-id = "finishProcoreSignin"',
    'checks.negative_data_rejection.expected-statuses = [303]',
    '',
    '# /v1/integrations/authorizations is also /v1/integrations/{corfix_account_id} with the account id',
    '# "authorizations", where GET, PATCH and DELETE are served: a 405 there rightly names them in Allow.',
    '[[operations]]',
    'include-operation-id = "startProcoreSignin"',
    'checks.allow_header_conformance.enabled = false',
    '',
    '# The preview of a connect is refused as the connect is (the seeded account is connected: 409);',
    '# /v1/integrations/preview is also /v1/integrations/{corfix_account_id} with the account id "preview".',
    '[[operations]]',
    'include-operation-id = "previewConnect"',
    'checks.positive_data_acceptance.expected-statuses = ["2xx", 401, 403, 404, 409, 422]',
    'checks.allow_header_conformance.enabled = false',
    '',
    '# DELETE /v1/integrations/{account} disconnects: the integration stays readable, as disconnected',
    '# (documented: its links are kept for a later connect), so its reads answer 200 afterwards.',
    '[checks.use_after_free]',
    'enabled = false',
    '',
  ].join('\n');
};

/** Connects the demo account (Sync Forms on) and files one form, as `npm run demo` does. */
async function seed(stack: DevStack, apiToken: string): Promise<Seeded> {
  const api = integrationApi(stack.apiUrl, apiToken);
  const today = new Date().toISOString().slice(0, 10);
  const company = demoCompany({ today });
  await api.connect(demoConnectRequest(DEV_CORFIX_ACCOUNT, stack.simulators.companyId));
  await waitFor('the initial sync of the seeded integration', async () => {
    const status = await api.status(DEV_CORFIX_ACCOUNT);
    if (status.status === 'error') throw new Error(`the seeded integration's initial sync failed: ${status.last_error?.message ?? ''}`);
    return status.status === 'active' ? status : undefined;
  });
  const project = await procoreAdmin(stack.simulators.procore.url).projectNumbered(stack.simulators.companyId, company.formsProjectNumber);
  const corfixProjectId = await corfixProjectOf(api, DEV_CORFIX_ACCOUNT, project.id);
  const corfix = corfixAdmin(stack.simulators.corfix.url, DEV_CORFIX_ACCOUNT);
  const form = await corfix.createForm({ project_id: corfixProjectId, template_name: 'Daily Site Diary', form_date: today, status: 'completed' });
  await waitFor(`the upload of the seeded form ${form.id}`, async () => {
    const upload = await api.form(DEV_CORFIX_ACCOUNT, form.id);
    return upload?.state === 'uploaded' ? upload : undefined;
  });
  return { accountId: DEV_CORFIX_ACCOUNT, companyId: String(stack.simulators.companyId), formId: form.id };
}

/** The requests schemathesis sent, from its NDJSON event stream (one "interaction" per request/response pair). */
async function countRequests(ndjson: string): Promise<number> {
  const text = await readFile(ndjson, 'utf8').catch(() => '');
  return (text.match(/"request":\s*\{/g) ?? []).length;
}

async function main(): Promise<number> {
  const settings = readConfig(fuzzSettingsSchema);
  const schemathesis = await schemathesisBinary();
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const serviceLog = createFileLogger(settings.LOG_LEVEL, 'service', logFile);
  const [temporalPort, uiPort, postgresPort, apiPort] = [await freePort(), await freePort(), await freePort(), await freePort()];

  say(`Starting the stack (the service logs to ${path.relative(process.cwd(), logFile)}) ...`);
  const stack = await startDevStack({
    log: serviceLog.child({ component: 'dev-stack' }),
    serviceLogger: serviceLog,
    temporal: { port: temporalPort, uiPort },
    postgres: { folder: 'fuzz', port: postgresPort, database: 'corfix_fuzz', freshSuffix: 'fuzz' },
    simulators: { company: demoCompany({ today: new Date().toISOString().slice(0, 10) }) },
    env: {
      API_PORT: String(apiPort),
      API_TOKEN: FUZZ_API_TOKEN,
      PROCORE_WEBHOOK_SECRET: FUZZ_PROCORE_WEBHOOK_SECRET,
      // Every route served: the Procore sign-in configured, and the direct connect allowed as well.
      CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
      CONNECT_STATE_SECRET: 'fuzz-connect-state-secret-0123456789abcdef',
      PROCORE_REDIRECT_URI: `http://127.0.0.1:${apiPort}/v1/oauth/procore/callback`,
      CONNECT_RETURN_URL: 'https://corfix.example/settings/procore',
    },
  });
  try {
    const apiToken = stack.config.API_TOKEN[0] as string;
    const corfixWebhookSecret = stack.config.CORFIX_WEBHOOK_SECRET;
    say(`  API at ${stack.apiUrl}; ${stack.temporal.description}; ${stack.postgres.description}`);
    say(`Seeding: connecting ${DEV_CORFIX_ACCOUNT} through the API and filing one form ...`);
    const seeded = await seed(stack, apiToken);

    const configFile = path.join(dataDir, 'schemathesis.toml');
    await writeFile(configFile, schemathesisConfig(seeded));
    const ndjson = path.join(dataDir, 'events.ndjson');
    const args = [
      '--config-file',
      configFile,
      'run',
      `${stack.apiUrl}/openapi.json`,
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-examples',
      String(settings.FUZZ_MAX_EXAMPLES),
      '--workers',
      '1',
      '--request-timeout',
      '10',
      '--report',
      'ndjson',
      '--report-ndjson-path',
      ndjson,
      '--no-color',
      ...(settings.FUZZ_SEED !== undefined ? ['--seed', String(settings.FUZZ_SEED)] : []),
    ];
    say(`Running schemathesis ${args.slice(2).join(' ')}`);
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(schemathesis, args, {
        // its own files (the examples it found, a cache) stay with the run's
        cwd: dataDir,
        stdio: 'inherit',
        env: {
          ...process.env,
          FUZZ_API_TOKEN: apiToken,
          FUZZ_PROCORE_WEBHOOK_SECRET,
          FUZZ_CORFIX_WEBHOOK_SECRET: corfixWebhookSecret,
          SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
          PYTHONPATH: path.join(repoRoot, 'scripts'),
        },
      });
      child.once('error', reject);
      child.once('exit', (exitCode) => resolve(exitCode ?? 1));
    });
    const requests = await countRequests(ndjson);
    say(`schemathesis sent ${requests} requests and exited with ${code}`);
    if (code === 0 && requests < settings.FUZZ_MIN_REQUESTS) {
      say(`fewer than FUZZ_MIN_REQUESTS=${settings.FUZZ_MIN_REQUESTS} requests: raise FUZZ_MAX_EXAMPLES`);
      return 1;
    }
    return code;
  } finally {
    await stack.stop();
  }
}

try {
  process.exit(await main());
} catch (error) {
  process.stderr.write(`npm run fuzz:api failed: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
