// What the checks read at the end of a chaos run, gathered in one place:
// Procore's final state and files (each version's PDF title: which form
// revision it is) from the Procore simulator, the account's records from
// the Corfix simulator, the link rows from Postgres, the status API,
// and every workflow execution from Temporal (the open ones with their
// current details, as the Web UI shows them).
import type { Client } from '@temporalio/client';
import { PDFDocument } from 'pdf-lib';
import type { Database } from '../src/db/database.js';
import type { FormLinkRow } from '../src/db/repositories/form-links.js';
import type { FormRecord, ProjectRecord, WorkerRecord } from '../src/simulators/corfix/state.js';
import type { WebhookDelivery } from '../src/simulators/corfix/webhooks.js';
import type { SimProject, SimUser } from '../src/simulators/procore/state.js';
import { SyncStateKey } from '../src/temporal/search-attributes.js';
import type { ProcoreAdmin, SimulatorAdmin } from '../bench/stack.js';
import { CHAOS_ACCOUNT, type ChaosCompany } from './company.js';
import { expectedCorfix } from './expected.js';
import { OBSERVED_FORM_LINK_COLUMNS, type Observation, type ObservedFile, type ObservedWorkflow } from './invariants.js';
import type { ServiceApi } from './service-api.js';

export interface ObserveContext {
  procore: ProcoreAdmin;
  corfix: SimulatorAdmin;
  db: Database;
  client: Client;
  api: ServiceApi;
  company: ChaosCompany;
  integrationId: string;
  unexpectedExits: Observation['unexpectedExits'];
}

async function bytes(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${new URL(url).pathname} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

interface AdminFileView {
  id: number;
  project_id: number;
  name: string;
  is_deleted: boolean;
  versions: Array<{ number: number }>;
}

/**
 * The PDF's title: the Corfix simulator writes the form's template, date and
 * revision there (the page also shows the project's name, which a rename
 * changes, so the bytes of an old revision cannot be made again).
 */
async function pdfTitle(content: Buffer): Promise<string | null> {
  const pdf = await PDFDocument.load(content, { updateMetadata: false }).catch(() => undefined);
  return pdf?.getTitle() ?? null;
}

async function procoreFiles(procore: ProcoreAdmin, companyId: number): Promise<ObservedFile[]> {
  const files = await procore.get<AdminFileView[]>(`/companies/${companyId}/files`);
  const observed: ObservedFile[] = [];
  for (const file of files) {
    const versions = [];
    for (const v of file.versions) versions.push({ number: v.number, title: await pdfTitle(await bytes(`${procore.url}/__admin/files/${file.id}/versions/${v.number}/content`)) });
    observed.push({ id: file.id, project_id: file.project_id, name: file.name, is_deleted: file.is_deleted, versions });
  }
  return observed;
}

async function workflows(client: Client): Promise<ObservedWorkflow[]> {
  const seen: ObservedWorkflow[] = [];
  for await (const run of client.workflow.list()) {
    const syncState = run.typedSearchAttributes.get(SyncStateKey) ?? null;
    let currentDetails: string | null = null;
    if (run.status.name === 'RUNNING') {
      const metadata = await client.workflow
        .getHandle(run.workflowId, run.runId)
        .query<{ currentDetails?: string | null }>('__temporal_workflow_metadata')
        .catch(() => undefined);
      currentDetails = metadata?.currentDetails ?? null;
    }
    seen.push({ workflowId: run.workflowId, type: run.type, status: run.status.name, syncState, currentDetails });
  }
  return seen;
}

export async function observe(ctx: ObserveContext): Promise<Observation> {
  const { procore, corfix, db, company } = ctx;
  const companyId = company.companyId;
  const [users, projects] = await Promise.all([
    procore.get<SimUser[]>(`/companies/${companyId}/users`),
    procore.get<SimProject[]>(`/companies/${companyId}/projects`),
  ]);
  const expected = expectedCorfix(
    { companyId, serviceAccountUserId: company.serviceAccountUserId, users, projects, today: new Date().toISOString().slice(0, 10) },
    company.corfixBefore,
  );
  const state = await corfix.get<{ projects: ProjectRecord[]; workers: WorkerRecord[]; forms: FormRecord[] }>('/state');
  const mine = <T extends { account_id: string }>(records: T[]) => records.filter((r) => r.account_id === CHAOS_ACCOUNT);
  const forms = mine(state.forms);
  const { deliveries } = await corfix.get<{ deliveries: WebhookDelivery[] }>('/webhooks');
  const status = await ctx.api.status(CHAOS_ACCOUNT);
  const where = { integration_id: ctx.integrationId };
  return {
    companyId,
    integrationId: ctx.integrationId,
    expected,
    procoreUserIds: new Set(users.map((u) => String(u.id))),
    procoreProjectIds: new Set(projects.map((p) => String(p.id))),
    corfix: { projects: mine(state.projects), workers: mine(state.workers), forms },
    corfixBefore: company.corfixBefore,
    files: await procoreFiles(procore, companyId),
    links: {
      projects: await db('project_links').where(where).select('procore_project_id', 'corfix_project_id'),
      workers: await db('worker_links').where(where).select('procore_user_id', 'corfix_worker_id'),
      forms: await db<FormLinkRow>('form_links').where(where).select(...OBSERVED_FORM_LINK_COLUMNS),
    },
    deliveries: {
      failed: deliveries.filter((d) => d.state === 'failed').length,
      pending: deliveries.filter((d) => d.state !== 'failed' && d.state !== 'delivered').length,
    },
    integration: status
      ? {
          status: String(status['status']),
          syncState: String((status['sync_state'] as { state?: string } | undefined)?.state),
          formStates: ((status['forms'] as { states?: Record<string, number> } | undefined)?.states ?? {}) as Record<string, number>,
        }
      : null,
    workflows: await workflows(ctx.client),
    unexpectedExits: ctx.unexpectedExits,
  };
}
