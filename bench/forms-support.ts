// What the forms bench (bench/forms.ts) and the shared-budget bench
// (bench/shared-budget.ts) share: a Procore company of projects connected
// through the built API with sync_forms on, served by the built worker(s),
// its completed forms raised in the Corfix simulator (which delivers their
// signed webhooks to the API), and their files waited for in the Procore
// simulator. Everything goes through the simulators' admin APIs.
import type { ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { continuousSyncStatus } from '../src/client.js';
import type { Database } from '../src/db/database.js';
import { formFileName } from '../src/domain/form-filing.js';
import type { ProjectRecord } from '../src/simulators/corfix/state.js';
import type { ContinuousEntity } from '../src/workflows/continuous-messages.js';
import {
  addCompany,
  addProjects,
  freePort,
  sleep,
  spawnService,
  spawnWorkers,
  startBenchStack,
  stopProcess,
  stopProcesses,
  waitFor,
  type BenchStack,
  type BenchStackOptions,
  type SimulatorAdmin,
} from './stack.js';

export const API_TOKEN = 'bench-api-token-0123456789';
export const MONTHS = ['2026-10', '2026-11'];
const TEMPLATES = ['Daily Hazard', 'Toolbox Talk', 'Site Induction', 'Plant Check'];
const ENTITIES: ContinuousEntity[] = ['projects', 'users'];

/** A Procore project and the Corfix project the connect made of it. */
export interface LinkedProject {
  procoreId: number;
  name: string;
  corfixId: string;
}

export interface FormsCompany {
  companyId: number;
  integrationId: string;
  apiUrl: string;
  api: ChildProcess;
  workers: ChildProcess[];
  projects: LinkedProject[];
  /** from the connect request to the integration active and both loops idle after their first cycle */
  connectMs: number;
  /** the status API's answer for the account */
  status(): Promise<Record<string, unknown>>;
  /** ends the API and the workers */
  stop(): Promise<void>;
}

export interface FormsCompanyOptions {
  account: string;
  projects: number;
  workers: number;
  /** more worker settings (e.g. DATABASE_POOL_MAX) */
  workerEnv?: Record<string, string>;
}

/**
 * A company of `projects` projects in the Procore simulator, connected to
 * `account` through the API (started here, with `workers` workers) with
 * sync_forms on; returns once every project is in Corfix, both loops are idle
 * and the Corfix simulator sends the account's form events to the API.
 */
export async function connectFormsCompany(stack: BenchStack, client: Client, options: FormsCompanyOptions): Promise<FormsCompany> {
  const { procore, corfix } = stack;
  const companyId = await addCompany(procore, 'Forms Co');
  const names = Array.from({ length: options.projects }, (_, i) => `Forms Site ${i}`);
  const procoreIds = await addProjects(
    procore,
    companyId,
    names.map((name, i) => ({ name, project_number: `F-${i}`, active: true, template: false })),
  );

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawnService('api', {
    ...stack.env,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_TOKEN,
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
  });
  // The loops poll every hour: after their first cycle they stay quiet (no Procore webhooks: no PUBLIC_URL).
  const workers = spawnWorkers(options.workers, { ...stack.env, SYNC_POLL_INTERVAL: '1h', ...options.workerEnv });
  const stop = () => Promise.all([stopProcesses(workers), stopProcess(api)]).then(() => undefined);
  try {
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const status = async (): Promise<Record<string, unknown>> => {
      const response = await fetch(`${apiUrl}/v1/integrations/${options.account}`, { headers: auth });
      return (await response.json()) as Record<string, unknown>;
    };
    await waitFor('the API', () => fetch(`${apiUrl}/health`).then(() => true, () => undefined), 100, 30_000);

    const connectStarted = Date.now();
    const connected = await fetch(`${apiUrl}/v1/integrations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ corfix_account_id: options.account, procore_company_id: String(companyId), auto_activate_workers: true, sync_forms: true }),
    });
    const accepted = (await connected.json()) as Record<string, unknown>;
    if (connected.status !== 202) throw new Error(`the connect was refused (${connected.status}): ${JSON.stringify(accepted)}`);
    const integrationId = accepted['integration_id'] as string;
    await waitFor('the integration to be active', async () => ((await status())['status'] === 'active' ? true : undefined), 100, 120_000);
    const connectMs = Date.now() - connectStarted;
    for (const entity of ENTITIES) {
      await waitFor(
        `the ${entity} loop to be idle`,
        async () => {
          const s = await continuousSyncStatus(client, integrationId, entity).catch(() => undefined);
          return s && s.cycles >= 1 && s.phase === 'waiting' && !s.cycleRequested ? true : undefined;
        },
        50,
        60_000,
      );
    }
    const corfixProjects = (await corfix.get<{ projects: ProjectRecord[] }>('/state')).projects.filter((p) => p.account_id === options.account);
    const corfixIdOf = new Map(corfixProjects.map((p) => [p.name, p.id] as const));
    const projects = names.flatMap((name, i) => {
      const corfixId = corfixIdOf.get(name);
      return corfixId === undefined ? [] : [{ procoreId: procoreIds[i] as number, name, corfixId }];
    });
    if (projects.length !== options.projects) throw new Error(`only ${projects.length} of ${options.projects} projects reached Corfix`);
    await corfix.put(`/accounts/${options.account}/webhook`, { url: `${apiUrl}/webhooks/corfix` });
    return { companyId, integrationId, apiUrl, api, workers, projects, connectMs, status, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A stack (`stackOptions`), a Temporal client, and a company connected as `company` says, for `run`; all of it stopped after. */
export async function withFormsCompany<T>(
  stackOptions: BenchStackOptions,
  company: FormsCompanyOptions,
  run: (context: { stack: BenchStack; client: Client; setup: FormsCompany }) => Promise<T>,
): Promise<T> {
  const stack = await startBenchStack(stackOptions);
  try {
    const connection = await Connection.connect({ address: stack.temporal.address });
    try {
      const client = new Client({ connection });
      const setup = await connectFormsCompany(stack, client, company);
      try {
        return await run({ stack, client, setup });
      } finally {
        await setup.stop();
      }
    } finally {
      await connection.close();
    }
  } finally {
    await stack.stop();
  }
}

export interface PlannedForm {
  project: LinkedProject;
  formDate: string;
  template: string;
}

/** Form i: project i mod P; over the projects' forms, months alternate and days count up, so every file name is unique in its folder. */
export function planForms(count: number, projects: LinkedProject[]): PlannedForm[] {
  return Array.from({ length: count }, (_, i) => {
    const project = projects[i % projects.length] as LinkedProject;
    const k = Math.floor(i / projects.length);
    const month = MONTHS[k % MONTHS.length] as string;
    const day = String((Math.floor(k / MONTHS.length) % 28) + 1).padStart(2, '0');
    const template = `${TEMPLATES[k % TEMPLATES.length]} ${Math.floor(k / (MONTHS.length * 28)) || ''}`.trim();
    return { project, formDate: `${month}-${day}`, template };
  });
}

export interface BenchForm {
  id: string;
  procoreProjectId: number;
  fileName: string;
  /** Date.now() just before the bench asked the Corfix simulator to complete it */
  completedAt: number;
  /** when the Procore simulator stored its file (first version) */
  filedAt?: number;
}

/**
 * Completes the planned forms in the Corfix simulator: all in one admin call
 * (a burst: created in one go, raising their webhooks together), or, with
 * `perSecond` above 0, one call a form at that rate.
 */
export async function completeForms(corfix: SimulatorAdmin, account: string, plan: PlannedForm[], perSecond = 0): Promise<BenchForm[]> {
  const body = (p: PlannedForm) => ({ project_id: p.project.corfixId, template_name: p.template, form_date: p.formDate, status: 'completed' });
  const benchForm = (p: PlannedForm, id: string, completedAt: number): BenchForm => ({
    id,
    procoreProjectId: p.project.procoreId,
    fileName: formFileName(p.template, p.formDate),
    completedAt,
  });
  if (perSecond <= 0) {
    const completedAt = Date.now();
    const { forms } = await corfix.post<{ forms: Array<{ id: string }> }>(`/accounts/${account}/forms/bulk`, { forms: plan.map(body) });
    return plan.map((p, i) => benchForm(p, (forms[i] as { id: string }).id, completedAt));
  }
  const made: BenchForm[] = [];
  const from = Date.now();
  for (const [i, p] of plan.entries()) {
    await sleep(from + (i * 1000) / perSecond - Date.now());
    const completedAt = Date.now();
    const form = await corfix.post<{ id: string }>(`/accounts/${account}/forms`, body(p));
    made.push(benchForm(p, form.id, completedAt));
  }
  return made;
}

/** A Procore file as the simulator's admin API shows it: its versions without their bytes. */
export interface AdminFile {
  id: number;
  project_id: number;
  name: string;
  versions: Array<{ number: number; created_at: string }>;
}

export const fileKey = (projectId: number, name: string) => `${projectId}/${name}`;

/** Waits until the Procore simulator holds every form's file, setting each form's filedAt; returns the company's files. */
export async function waitForFiles(procore: SimulatorAdmin, companyId: number, forms: BenchForm[], timeoutMs: number): Promise<AdminFile[]> {
  const byFile = new Map(forms.map((f) => [fileKey(f.procoreProjectId, f.fileName), f]));
  let pending = forms.filter((f) => f.filedAt === undefined).length;
  let files: AdminFile[] = [];
  await waitFor(
    `${forms.length} files in Procore`,
    async () => {
      files = await procore.get<AdminFile[]>(`/companies/${companyId}/files`);
      for (const file of files) {
        const form = byFile.get(fileKey(file.project_id, file.name));
        if (form && form.filedAt === undefined && file.versions[0]) {
          form.filedAt = Date.parse(file.versions[0].created_at);
          pending -= 1;
        }
      }
      return pending === 0 ? true : undefined;
    },
    20,
    timeoutMs,
  );
  return files;
}

/** Waits until `count` forms of the integration are recorded as uploaded. */
export async function waitForUploaded(db: Database, integrationId: string, count: number): Promise<void> {
  await waitFor(
    'every form recorded as uploaded',
    async () => {
      const [row] = await db('form_links').where({ integration_id: integrationId, state: 'uploaded' }).count<{ count: string }[]>('* as count');
      return Number(row?.count) >= count ? true : undefined;
    },
    100,
    60_000,
  );
}

/** The query that finds the integration's form workflows. */
export const formRunsQuery = (integrationId: string) => `WorkflowType = "FormUploadWithRetry" AND IntegrationId = "${integrationId}"`;

/** Then quiet: every event handed over (the reconciler repeats the late ones) and every form workflow closed, so the counts are final. */
export async function waitForQuiet(db: Database, client: Client, integrationId: string): Promise<void> {
  await waitFor(
    'the inbox handed over and the form workflows closed',
    async () => {
      const [row] = await db('webhook_events').where({ source: 'corfix' }).whereNull('processed_at').count<{ count: string }[]>('* as count');
      if (Number(row?.count) > 0) return undefined;
      const running = await client.workflow.count(`${formRunsQuery(integrationId)} AND ExecutionStatus = "Running"`);
      return running.count === 0 ? true : undefined;
    },
    500,
    180_000,
  );
}
