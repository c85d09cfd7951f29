// The service as production runs it (`npm start`: node on the built
// dist/bin/start.js, API and worker in one process, JSON logs on stdout),
// pointed at both simulators, the run's Temporal and a database of its own,
// with one account connected (Sync Forms on) and its initial sync done.
// For the tests of what it shows an operator: /metrics and its log lines.
// dist/ must be built (npm run build).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { corfixWebhookHeaders } from '../../src/corfix/webhook-signature.js';
import type { FaultInput } from '../../src/simulators/common/faults.js';
import { startCorfixSimulator, type CorfixSimulator } from '../../src/simulators/corfix/server.js';
import { startProcoreSimulator, type ProcoreSimulator } from '../../src/simulators/procore/server.js';
import { createTestDatabase } from '../support/database.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/stack.js';
import { temporalAddress, uniqueTaskQueue } from '../support/temporal.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export const API_TOKEN = 'observability-api-token-0123';
export const METRICS_TOKEN = 'observability-metrics-token-0123';
export const CORFIX_TOKEN = 'observability-corfix-token';
export const CORFIX_WEBHOOK_SECRET = 'observability-corfix-webhook-secret';
export const PROCORE_WEBHOOK_SECRET = 'observability-procore-webhook-secret';
export const ACCOUNT = 'acc_observed';

export interface ServiceRun {
  apiUrl: string;
  procore: ProcoreSimulator;
  corfix: CorfixSimulator;
  companyId: number;
  integrationId: string;
  /** a Corfix project the initial sync made (for a form) */
  corfixProjectId: string;
  /** a call to the API with the API token; its status and JSON body */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** GET /metrics with `token` (METRICS_TOKEN unless given; null: none) */
  metrics(token?: string | null): Promise<{ status: number; text: string }>;
  /** POST /webhooks/corfix with this body, signed with the webhook secret unless `signature` says otherwise */
  postCorfixWebhook(body: Record<string, unknown>, signature?: string): Promise<number>;
  /** POST /webhooks/procore with this body and bearer token (the webhook secret unless given) */
  postProcoreWebhook(body: Record<string, unknown>, token?: string): Promise<number>;
  /** what the process wrote so far */
  stdout(): string;
  stderr(): string;
  /** every secret the process was given or handed (Procore access tokens), and every email of the seeded people */
  secretsAndEmails(): string[];
  /** SIGTERM, then the process's exit (SIGKILL if it lingers); the simulators and the database go too (once, however often called) */
  stop(): Promise<void>;
}

export interface ServiceRunOptions {
  name: string;
  logLevel: string;
  /** Procore faults (rate 1): each answers its error this many times, then is lifted */
  procoreFaults?: Array<{ fault: FaultInput; times: number }>;
}

export async function startServiceRun(options: ServiceRunOptions): Promise<ServiceRun> {
  const [t, procore, corfix, apiPort] = await Promise.all([
    createTestDatabase({ migrate: false }),
    startProcoreSimulator({ seed: 11 }),
    startCorfixSimulator({
      seed: 11,
      tokens: { [CORFIX_TOKEN]: [ACCOUNT] },
      webhookSecret: CORFIX_WEBHOOK_SECRET,
      accounts: [{ id: ACCOUNT, name: 'Observed account' }],
    }),
    freePort(),
  ]);
  const company = procore.state.addCompany({ name: 'Observed Construction' });
  procore.state.addProjects(company.id, [
    { name: 'Harbour Tower', project_number: 'OBS-1', active: true, template: false },
    { name: 'Ridge School', project_number: 'OBS-2', active: true, template: false },
    { name: 'Standard template', project_number: 'OBS-T', active: true, template: true },
  ]);
  procore.state.generateUsers(company.id, 12);
  const accessTokens = new Set<string>();
  procore.faults.observe(({ phase, request }) => {
    const header = request.headers.authorization;
    if (phase === 'request' && typeof header === 'string' && header.startsWith('Bearer ')) accessTokens.add(header.slice(7));
  });
  const faults = (options.procoreFaults ?? []).map((f) => ({ ...f }));
  procore.faults.setFaults(faults.map((f) => f.fault));
  procore.faults.observe(({ phase, route, status }) => {
    const fault = faults.find((f) => f.fault.route === route && f.fault.errors?.some((e) => e.status === status));
    if (phase !== 'response' || !fault) return;
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
    procore.faults.setFaults(faults.map((f) => f.fault));
  });

  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    DATABASE_URL: t.url,
    DATABASE_POOL_MAX: '8',
    CORFIX_CREATE_CONCURRENCY: '8',
    TEMPORAL_ADDRESS: temporalAddress(),
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue(options.name),
    PROCORE_API_BASE_URL: procore.url,
    PROCORE_AUTH_BASE_URL: procore.url,
    PROCORE_CLIENT_ID: procore.clientId,
    PROCORE_CLIENT_SECRET: procore.clientSecret,
    CORFIX_API_BASE_URL: corfix.url,
    CORFIX_API_TOKEN: CORFIX_TOKEN,
    CORFIX_WEBHOOK_SECRET,
    PROCORE_WEBHOOK_SECRET,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_TOKEN,
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
    METRICS_TOKEN,
    LOG_LEVEL: options.logLevel,
  };
  const child: ChildProcess = spawn(process.execPath, ['dist/bin/start.js'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => err.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api: ServiceRun['api'] = async (method, path, body) => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
      await Promise.allSettled([procore.stop(), corfix.stop()]);
      await t.drop();
    })());

  try {
    await eventually(async () => ((await fetch(`${apiUrl}/health`)).status === 200 ? true : undefined), 30_000);
    const connected = await api('POST', '/v1/integrations', {
      corfix_account_id: ACCOUNT,
      procore_company_id: String(company.id),
      sync_forms: true,
    });
    if (connected.status !== 202) throw new Error(`the connect answered ${connected.status}: ${JSON.stringify(connected.json)}`);
    const integrationId = connected.json['integration_id'] as string;
    await eventually(async () => ((await api('GET', `/v1/integrations/${ACCOUNT}`)).json['status'] === 'active' ? true : undefined), 45_000);
    const corfixProject = [...corfix.state.projects.values()].find((p) => p.account_id === ACCOUNT);
    if (!corfixProject) throw new Error('the initial sync made no Corfix project');

    return {
      apiUrl,
      procore,
      corfix,
      companyId: company.id,
      integrationId,
      corfixProjectId: corfixProject.id,
      api,
      async metrics(token = METRICS_TOKEN) {
        const response = await fetch(`${apiUrl}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
        return { status: response.status, text: await response.text() };
      },
      async postCorfixWebhook(body, signature) {
        const raw = JSON.stringify(body);
        const headers = corfixWebhookHeaders(CORFIX_WEBHOOK_SECRET, raw);
        const response = await fetch(`${apiUrl}/webhooks/corfix`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers, ...(signature !== undefined ? { 'Corfix-Signature': signature } : {}) },
          body: raw,
        });
        return response.status;
      },
      async postProcoreWebhook(body, token = PROCORE_WEBHOOK_SECRET) {
        const response = await fetch(`${apiUrl}/webhooks/procore`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        return response.status;
      },
      stdout: () => out.join(''),
      stderr: () => err.join(''),
      secretsAndEmails: () => [
        API_TOKEN,
        METRICS_TOKEN,
        CORFIX_TOKEN,
        CORFIX_WEBHOOK_SECRET,
        PROCORE_WEBHOOK_SECRET,
        procore.clientSecret,
        ...accessTokens,
        ...procore.state.usersOf(company.id).flatMap((u) => (u.email_address ? [u.email_address] : [])),
        ...[...corfix.state.workers.values()].flatMap((w) => (w.email ? [w.email] : [])),
      ],
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`${String(error)}\nservice output:\n${out.join('').slice(-3000)}\n${err.join('').slice(-2000)}`);
  }
}
