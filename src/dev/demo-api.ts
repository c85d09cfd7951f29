// What `npm run demo` sends over HTTP: the service's API (with the dev API
// token, as the Corfix app would), and the simulators' admin APIs (what
// people do inside Corfix, what one sees in Procore's Documents). Every
// answer is read through zod, the API's with its own schemas.
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Got } from 'got';
import { z } from 'zod';
import { formUpload } from '../api/schemas/forms.js';
import { connectAccepted, integrationStatus, outcomesPage } from '../api/schemas/integrations.js';

export type IntegrationStatus = z.infer<typeof integrationStatus>;
export type FormUpload = z.infer<typeof formUpload>;
export type OutcomeRow = z.infer<typeof outcomesPage>['data'][number];

const client = (prefixUrl: string, headers: Record<string, string> = {}): Got =>
  got.extend({ prefixUrl, headers, retry: { limit: 0 }, timeout: { request: 15_000 }, throwHttpErrors: false, responseType: 'text' });

/** The answer's JSON read through `schema`, when its status is one of `statuses`; else an error naming the call and status. */
async function answer<S extends z.ZodType>(
  call: string,
  request: Promise<{ statusCode: number; body: string }>,
  schema: S,
  statuses: number[] = [200, 201],
): Promise<z.infer<S>> {
  const response = await request;
  if (!statuses.includes(response.statusCode)) {
    throw new Error(`${call} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  }
  const parsed = schema.safeParse(JSON.parse(response.body));
  if (!parsed.success) throw new Error(`${call} answered something unexpected: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface ConnectRequest {
  corfix_account_id: string;
  procore_company_id: string;
  sync_employees_only: boolean;
  auto_activate_workers: boolean;
  sync_forms: boolean;
}

/** The connect `npm run demo` (and the seeding of `npm run fuzz:api`) sends: every worker, activated, and Sync Forms on. */
export function demoConnectRequest(accountId: string, procoreCompanyId: number): ConnectRequest {
  return {
    corfix_account_id: accountId,
    procore_company_id: String(procoreCompanyId),
    sync_employees_only: false,
    auto_activate_workers: true,
    sync_forms: true,
  };
}

/** The service's API, as the Corfix app calls it. */
export function integrationApi(apiUrl: string, apiToken: string) {
  const http = client(apiUrl, { authorization: `Bearer ${apiToken}` });
  const account = (id: string) => `v1/integrations/${encodeURIComponent(id)}`;
  return {
    connect: (body: ConnectRequest) => answer('POST /v1/integrations', http.post('v1/integrations', { json: body }), connectAccepted, [202]),
    status: (accountId: string) => answer(`GET /${account(accountId)}`, http.get(account(accountId)), integrationStatus),
    /** every report row of the entity with the reason (pages of 500) */
    async outcomes(accountId: string, filter: { entity: 'project' | 'user' | 'form'; reason: string }): Promise<OutcomeRow[]> {
      const rows: OutcomeRow[] = [];
      for (let page = 1; ; page += 1) {
        const searchParams = { ...filter, page, per_page: 500 };
        const answered = await answer(`GET /${account(accountId)}/outcomes`, http.get(`${account(accountId)}/outcomes`, { searchParams }), outcomesPage);
        rows.push(...answered.data);
        if (answered.data.length === 0 || rows.length >= answered.total) return rows;
      }
    },
    /** the form's upload; undefined while its webhook has not come (404) */
    async form(accountId: string, formId: string): Promise<FormUpload | undefined> {
      const path = `${account(accountId)}/forms/${encodeURIComponent(formId)}`;
      const response = await http.get(path);
      if (response.statusCode === 404) return undefined;
      return answer(`GET /${path}`, Promise.resolve(response), formUpload);
    },
  };
}
export type IntegrationApi = ReturnType<typeof integrationApi>;

/** The Corfix project the connect made of a Procore project, from the sync report. */
export async function corfixProjectOf(api: IntegrationApi, accountId: string, procoreProjectId: number): Promise<string> {
  const created = await api.outcomes(accountId, { entity: 'project', reason: 'created' });
  const row = created.find((r) => r.procore_id === String(procoreProjectId));
  if (!row?.corfix_id) throw new Error(`the sync report has no Corfix project made of Procore project ${procoreProjectId}`);
  return row.corfix_id;
}

const corfixForm = z.object({ id: z.string(), project_id: z.string(), template_name: z.string(), form_date: z.string(), status: z.enum(['draft', 'completed']), revision: z.number().int() });
export type CorfixForm = z.infer<typeof corfixForm>;
const corfixState = z.object({ projects: z.array(z.object({ id: z.string(), account_id: z.string(), name: z.string() })) });

/** The Corfix simulator's admin API: forms filled in, completed and edited on site. */
export function corfixAdmin(url: string, accountId: string) {
  const http = client(url);
  const forms = `__admin/accounts/${encodeURIComponent(accountId)}/forms`;
  return {
    async projectIdNamed(name: string): Promise<string> {
      const state = await answer('GET /__admin/state', http.get('__admin/state'), corfixState);
      const project = state.projects.find((p) => p.account_id === accountId && p.name === name);
      if (!project) throw new Error(`the Corfix account ${accountId} has no project named "${name}"`);
      return project.id;
    },
    createForm: (form: { project_id: string; template_name: string; form_date: string; status: 'draft' | 'completed' }) =>
      answer(`POST /${forms}`, http.post(forms, { json: form }), corfixForm),
    complete: (formId: string) => answer(`POST /${forms}/{id}/complete`, http.post(`${forms}/${encodeURIComponent(formId)}/complete`), corfixForm),
    /** a signature added: one revision more, form.updated */
    edit: (formId: string) => answer(`POST /${forms}/{id}/edit`, http.post(`${forms}/${encodeURIComponent(formId)}/edit`, { json: {} }), corfixForm),
  };
}

export type CorfixAdmin = ReturnType<typeof corfixAdmin>;

export interface DocumentsFolder {
  name: string;
  is_recycle_bin: boolean;
  files: Array<{ name: string; versions: Array<{ number: number; size: number }> }>;
  folders: DocumentsFolder[];
}
const documentsFolder: z.ZodType<DocumentsFolder> = z.lazy(() =>
  z.object({
    name: z.string(),
    is_recycle_bin: z.boolean(),
    files: z.array(z.object({ name: z.string(), versions: z.array(z.object({ number: z.number().int(), size: z.number().int() })) })),
    folders: z.array(documentsFolder),
  }),
);
const procoreProjects = z.array(z.object({ id: z.number().int(), name: z.string(), project_number: z.string().nullable() }));

/** The Procore simulator's admin API: a project's Documents as a user would browse them. */
export function procoreAdmin(url: string) {
  const http = client(url);
  return {
    async projectNumbered(companyId: number, projectNumber: string): Promise<{ id: number; name: string }> {
      const projects = await answer('GET /__admin/companies/{id}/projects', http.get(`__admin/companies/${companyId}/projects`), procoreProjects);
      const project = projects.find((p) => p.project_number === projectNumber);
      if (!project) throw new Error(`the Procore company ${companyId} has no project numbered ${projectNumber}`);
      return project;
    },
    documents: (projectId: number) =>
      answer('GET /__admin/projects/{id}/documents', http.get(`__admin/projects/${projectId}/documents`), documentsFolder),
  };
}
export type ProcoreAdmin = ReturnType<typeof procoreAdmin>;

/** How long `npm run demo` waits for any one thing before it gives up and says what did not happen. */
export const DEMO_WAIT_MS = 5 * 60_000;

/**
 * Asks `check` every `everyMs` until it answers something; after `DEMO_WAIT_MS`
 * an error saying `what` did not happen (with `lastSeen()`, when given).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { everyMs?: number; lastSeen?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + DEMO_WAIT_MS;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      const seen = options.lastSeen?.();
      throw new Error(`${what} did not happen within ${DEMO_WAIT_MS / 60_000} minutes${seen ? ` (last seen: ${seen})` : ''}`);
    }
    await sleep(options.everyMs ?? 250);
  }
}
