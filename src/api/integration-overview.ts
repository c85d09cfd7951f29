// How integrations stand, read from Postgres (so it answers while every
// worker and Temporal are down): one read model for the status API
// (GET /v1/integrations/{account}), the status page (GET /, GET /status/{account})
// and the operator CLI (`npm run ops -- list|show`). The page and the CLI show
// ids, states, counts and our own sentences only: who connected (a Procore
// login can be an email) is left to the API.
import type { z } from 'zod';
import {
  countFormStates,
  countFormStatesOfIntegrations,
  listFormsInTrouble,
  noFormStates,
  type FormLink,
  type FormState,
} from '../db/repositories/form-links.js';
import type { Database } from '../db/database.js';
import { findIntegrationByAccount, listCurrentIntegrations, type Integration, type NewIntegration } from '../db/repositories/integrations.js';
import {
  countOutcomes,
  countOutcomesOfIntegrations,
  listRecentOutcomes,
  listUnreadableRecords,
  type OutcomeCount,
  type RecordedOutcome,
} from '../db/repositories/sync-outcomes.js';
import { ALL_PROJECTS } from '../domain/project-selection.js';
import { connectWorkflowId, formUploadWorkflowId } from '../temporal/workflow-ids.js';
import { namedProjectSelection, type integrationStatus, type settings } from './schemas/integrations.js';

/** The status API's answer for one integration. */
export type IntegrationStatusView = z.input<typeof integrationStatus>;

const iso = (at: Date | null) => at?.toISOString() ?? null;

function progressOf(integration: Integration) {
  const p = (integration.initialSyncProgress ?? {}) as {
    phase?: 'projects' | 'users' | 'done';
    projects?: { pages_done: number; entities_done: number };
    users?: { pages_done: number; entities_done: number };
  };
  const none = { pages_done: 0, entities_done: 0 };
  return { phase: p.phase ?? null, projects: p.projects ?? none, users: p.users ?? none };
}

type Toggles = Pick<NewIntegration, 'syncEmployeesOnly' | 'autoActivateWorkers' | 'syncForms' | 'adoptExisting'>;

/** The four toggles as the API and the audit log name them: an integration's, or those a preview was asked with (NewIntegration). */
export const namedToggles = (toggles: Toggles) => ({
  sync_employees_only: toggles.syncEmployeesOnly,
  auto_activate_workers: toggles.autoActivateWorkers,
  sync_forms: toggles.syncForms,
  adopt_existing: toggles.adoptExisting ?? false,
});

/** The settings in the connect body's words: the toggles and the project selection. */
export const settingsOf = (toggles: Toggles & Pick<NewIntegration, 'projectSelection'>): z.input<typeof settings> => ({
  ...namedToggles(toggles),
  project_selection: namedProjectSelection(toggles.projectSelection ?? ALL_PROJECTS),
});

/** The integration's status from its row, its report's counts by reason and its forms' counts by state. */
export function statusOf(
  integration: Integration,
  counts: readonly OutcomeCount[],
  formStates: Record<FormState, number>,
): IntegrationStatusView {
  const outcomes = { project: {} as Record<string, number>, user: {} as Record<string, number> };
  const formOutcomes: Record<string, number> = {};
  for (const c of counts) {
    if (c.entity === 'form') formOutcomes[c.reason] = c.count;
    else outcomes[c.entity][c.reason] = c.count;
  }
  return {
    integration_id: integration.id,
    corfix_account_id: integration.corfixAccountId,
    procore_company_id: integration.procoreCompanyId,
    generation: integration.generation,
    status: integration.status,
    settings: settingsOf(integration),
    initial_sync: { state: integration.initialSyncState, ...progressOf(integration), outcomes },
    sync_state: { state: integration.syncState, since: iso(integration.syncStateSince), next_try_at: iso(integration.nextTryAt) },
    last_error:
      integration.lastError && integration.lastErrorAt
        ? { message: integration.lastError, at: integration.lastErrorAt.toISOString() }
        : null,
    connected_by: integration.connectedBy
      ? { procore_user_id: integration.connectedBy.procoreUserId, procore_login: integration.connectedBy.procoreLogin }
      : null,
    workflow_id: connectWorkflowId(integration.id),
    continuous: {
      users: { synced_until: iso(integration.usersSyncedUntil), reconciled_at: iso(integration.usersReconciledAt) },
      projects: { synced_until: iso(integration.projectsSyncedUntil), reconciled_at: iso(integration.projectsReconciledAt) },
    },
    webhooks: { registered: integration.procoreHookId !== null },
    forms: { states: formStates, outcomes: formOutcomes },
    created_at: integration.createdAt.toISOString(),
    updated_at: integration.updatedAt.toISOString(),
  };
}

/** GET /v1/integrations/{account}: the status of one integration. */
export async function readIntegrationStatus(db: Database, integration: Integration): Promise<IntegrationStatusView> {
  const [counts, formStates] = await Promise.all([countOutcomes(db, integration.id), countFormStates(db, integration.id)]);
  return statusOf(integration, counts, formStates);
}

/** A row of the sync report, as the API (and the page and the CLI) name its fields. */
export const outcomeOf = (o: RecordedOutcome) => ({
  entity: o.entity,
  procore_id: o.procoreId,
  outcome: o.outcome,
  reason: o.reason,
  field: o.field,
  corfix_id: o.corfixId,
  decided_at: o.decidedAt,
});
export type OutcomeView = ReturnType<typeof outcomeOf>;

/** One form's upload, as GET .../forms/{form_id} answers it. */
export const formUploadOf = (link: FormLink) => ({
  form_id: link.corfixFormId,
  state: link.state,
  latest_revision: link.latestRevision,
  uploaded_revision: link.uploadedRevision,
  procore: {
    project_id: link.procoreProjectId,
    folder_id: link.procoreFolderId,
    file_id: link.procoreFileId,
    file_name: link.procoreFileName,
    versions: link.procoreVersionCount,
  },
  last_error: link.lastError,
  next_try_at: link.nextTryAt,
  failed_at: link.failedAt,
  workflow_id: formUploadWorkflowId(link.integrationId, link.corfixFormId),
  updated_at: link.updatedAt,
});
export type FormUploadView = ReturnType<typeof formUploadOf>;

/** The status as the page and the CLI show it: without who connected. */
export type IntegrationOverview = Omit<IntegrationStatusView, 'connected_by'>;

const overviewOf = ({ connected_by: _, ...overview }: IntegrationStatusView): IntegrationOverview => overview;

/** One integration as the page and the CLI show it (the CLI, after a control). */
export const readIntegrationOverview = async (db: Database, integration: Integration): Promise<IntegrationOverview> =>
  overviewOf(await readIntegrationStatus(db, integration));

/** Every account's current integration, each with its counts; four queries whatever the number of integrations. */
export async function listIntegrationOverviews(db: Database): Promise<IntegrationOverview[]> {
  const integrations = await listCurrentIntegrations(db);
  const ids = integrations.map((i) => i.id);
  const [counts, formStates] = await Promise.all([countOutcomesOfIntegrations(db, ids), countFormStatesOfIntegrations(db, ids)]);
  return integrations.map((i) => overviewOf(statusOf(i, counts.get(i.id) ?? [], formStates.get(i.id) ?? noFormStates())));
}

/** How many recent decisions and failures of each kind the page and the CLI show. */
export const RECENT_ROWS = 20;

export interface IntegrationDetail {
  integration: IntegrationOverview;
  /** the latest rows of the sync report, newest first */
  recent_decisions: OutcomeView[];
  failures: {
    /** report rows of records the sync could not take (failed, invalid_record), newest first */
    records: OutcomeView[];
    /** Procore list records without a readable id: where they were and what was wrong, never their values */
    unreadable_records: Array<{ entity: string; list: string; page: number; position: number; field: string; problem: string; seen_at: string }>;
    /** forms whose upload failed or is retrying, with the last error */
    forms: FormUploadView[];
  };
}

/** One account's integration in detail; undefined when the account was never connected. */
export async function readIntegrationDetail(db: Database, accountId: string, rows = RECENT_ROWS): Promise<IntegrationDetail | undefined> {
  const integration = await findIntegrationByAccount(db, accountId);
  if (!integration) return undefined;
  const [status, recent, failedRecords, unreadable, forms] = await Promise.all([
    readIntegrationStatus(db, integration),
    listRecentOutcomes(db, integration.id, { limit: rows }),
    listRecentOutcomes(db, integration.id, { limit: rows, failuresOnly: true }),
    listUnreadableRecords(db, integration.id, rows),
    listFormsInTrouble(db, integration.id, rows),
  ]);
  return {
    integration: overviewOf(status),
    recent_decisions: recent.map(outcomeOf),
    failures: {
      records: failedRecords.map(outcomeOf),
      unreadable_records: unreadable.map(({ seenAt, ...r }) => ({ ...r, seen_at: seenAt })),
      forms: forms.map(formUploadOf),
    },
  };
}
