import { randomUUID } from 'node:crypto';
import { ALL_PROJECTS, type ProjectSelection } from '../../domain/project-selection.js';
import type { Database } from '../database.js';
import { isUniqueViolation } from '../unique-violation.js';

export const INTEGRATION_STATUSES = ['connecting', 'initial_sync', 'active', 'paused', 'error', 'disconnected'] as const;
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];
export type InitialSyncState = 'running' | 'completed' | 'failed';
export type SyncState = 'ok' | 'retrying' | 'failed';

export interface SyncToggles {
  syncEmployeesOnly: boolean;
  autoActivateWorkers: boolean;
  syncForms: boolean;
  /** link a Procore record matching exactly one free Corfix record to it, instead of skipping it */
  adoptExisting: boolean;
}

/** What an operator may change on a connected integration (PATCH): the toggles, the project selection. */
export interface SettingsChange extends Partial<SyncToggles> {
  projectSelection?: ProjectSelection;
}

/** A Procore list the initial sync walks. */
export type ProcoreList = 'projects' | 'active' | 'inactive';

/** Who connected an integration, as proven by their Procore sign-in. */
export interface ConnectedBy {
  procoreUserId: string;
  procoreLogin: string | null;
}

export interface Integration extends SyncToggles {
  id: string;
  /** which Procore projects it syncs: all (the default), only those listed, or all but those listed */
  projectSelection: ProjectSelection;
  corfixAccountId: string;
  procoreCompanyId: string;
  generation: number;
  status: IntegrationStatus;
  initialSyncState: InitialSyncState | null;
  initialSyncProgress: Record<string, unknown> | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  syncState: SyncState;
  /** when it began retrying, or failed */
  syncStateSince: Date | null;
  /** while retrying: when the next attempt is due */
  nextTryAt: Date | null;
  /** page sizes that a Procore list answered in time after timing out (408) on larger ones */
  procorePageSizes: Partial<Record<ProcoreList, number>>;
  /** null for a connect without a Procore sign-in (CONNECT_REQUIRE_PROCORE_SIGNIN=false) */
  connectedBy: ConnectedBy | null;
  /** the app's own Procore user (never synced), learnt at the initial sync */
  serviceAccountUserId: string | null;
  /** the continuous syncs' cursors: Procore changes up to these moments have reached Corfix */
  projectsSyncedUntil: Date | null;
  usersSyncedUntil: Date | null;
  /** the continuous syncs' last full reconciliations */
  projectsReconciledAt: Date | null;
  usersReconciledAt: Date | null;
  /** the Procore webhook hook registered for this integration; null: none (polling alone) */
  procoreHookId: string | null;
  createdAt: Date;
  updatedAt: Date;
  disconnectedAt: Date | null;
}

interface IntegrationRow {
  id: string;
  corfix_account_id: string;
  procore_company_id: string;
  generation: number;
  sync_employees_only: boolean;
  auto_activate_workers: boolean;
  sync_forms: boolean;
  adopt_existing: boolean;
  project_selection: ProjectSelection['mode'];
  project_selection_ids: string[];
  status: IntegrationStatus;
  initial_sync_state: InitialSyncState | null;
  initial_sync_progress: Record<string, unknown> | null;
  last_error: string | null;
  last_error_at: Date | null;
  sync_state: SyncState;
  sync_state_since: Date | null;
  next_try_at: Date | null;
  procore_page_sizes: Partial<Record<ProcoreList, number>>;
  connected_by_procore_user_id: string | null;
  connected_by_procore_login: string | null;
  service_account_user_id: string | null;
  projects_synced_until: Date | null;
  users_synced_until: Date | null;
  projects_reconciled_at: Date | null;
  users_reconciled_at: Date | null;
  procore_hook_id: string | null;
  created_at: Date;
  updated_at: Date;
  disconnected_at: Date | null;
}

const selectionOfRow = (r: Pick<IntegrationRow, 'project_selection' | 'project_selection_ids'>): ProjectSelection =>
  r.project_selection === 'all' ? ALL_PROJECTS : { mode: r.project_selection, projectIds: r.project_selection_ids };

/** The columns of a selection (the table's check: no ids with 'all'). */
const selectionColumns = (selection: ProjectSelection) => ({
  project_selection: selection.mode,
  project_selection_ids: selection.mode === 'all' ? [] : [...selection.projectIds],
});

const toIntegration = (r: IntegrationRow): Integration => ({
  id: r.id,
  corfixAccountId: r.corfix_account_id,
  procoreCompanyId: String(r.procore_company_id),
  generation: r.generation,
  syncEmployeesOnly: r.sync_employees_only,
  autoActivateWorkers: r.auto_activate_workers,
  syncForms: r.sync_forms,
  adoptExisting: r.adopt_existing,
  projectSelection: selectionOfRow(r),
  status: r.status,
  initialSyncState: r.initial_sync_state,
  initialSyncProgress: r.initial_sync_progress,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  syncState: r.sync_state,
  syncStateSince: r.sync_state_since,
  nextTryAt: r.next_try_at,
  procorePageSizes: r.procore_page_sizes ?? {},
  connectedBy:
    r.connected_by_procore_user_id === null
      ? null
      : { procoreUserId: String(r.connected_by_procore_user_id), procoreLogin: r.connected_by_procore_login },
  serviceAccountUserId: r.service_account_user_id === null ? null : String(r.service_account_user_id),
  projectsSyncedUntil: r.projects_synced_until,
  usersSyncedUntil: r.users_synced_until,
  projectsReconciledAt: r.projects_reconciled_at,
  usersReconciledAt: r.users_reconciled_at,
  procoreHookId: r.procore_hook_id === null ? null : String(r.procore_hook_id),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  disconnectedAt: r.disconnected_at,
});

/** The account, or the company, already has a live (not disconnected) integration. */
export class AlreadyConnectedError extends Error {
  constructor(readonly side: 'account' | 'company') {
    super(
      side === 'account'
        ? 'this Corfix account is already connected to a Procore company'
        : 'this Procore company is already connected to a Corfix account',
    );
    this.name = 'AlreadyConnectedError';
  }
}

export interface NewIntegration extends Omit<SyncToggles, 'adoptExisting'> {
  /** off unless asked (the seed's rule skips what Corfix holds) */
  adoptExisting?: boolean;
  corfixAccountId: string;
  procoreCompanyId: string;
  /** the Procore user whose sign-in proved they belong to the company */
  connectedBy?: ConnectedBy;
  /** absent: every project (the seed's rule) */
  projectSelection?: ProjectSelection;
}

/**
 * Saves a new integration in `connecting`, one generation after the account's
 * last one. The partial unique indexes refuse a second live integration of the
 * account or of the company, even when two requests race.
 */
export async function createIntegration(db: Database, input: NewIntegration): Promise<Integration> {
  try {
    return await db.transaction(async (trx) => {
      const last = await trx('integrations')
        .where({ corfix_account_id: input.corfixAccountId })
        .max<{ max: number | null }>('generation as max')
        .first();
      const [row] = await trx('integrations')
        .insert({
          id: randomUUID(),
          corfix_account_id: input.corfixAccountId,
          procore_company_id: input.procoreCompanyId,
          generation: (last?.max ?? 0) + 1,
          sync_employees_only: input.syncEmployeesOnly,
          auto_activate_workers: input.autoActivateWorkers,
          sync_forms: input.syncForms,
          adopt_existing: input.adoptExisting ?? false,
          ...selectionColumns(input.projectSelection ?? ALL_PROJECTS),
          status: 'connecting',
          connected_by_procore_user_id: input.connectedBy?.procoreUserId ?? null,
          connected_by_procore_login: input.connectedBy?.procoreLogin ?? null,
        })
        .returning('*');
      return toIntegration(row as IntegrationRow);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'integrations_one_live_per_account')) throw new AlreadyConnectedError('account');
    // Two racing connects of one account may also meet on (account, generation).
    if (isUniqueViolation(error, 'integrations_corfix_account_id_generation_unique')) {
      throw new AlreadyConnectedError('account');
    }
    if (isUniqueViolation(error, 'integrations_one_live_per_company')) throw new AlreadyConnectedError('company');
    throw error;
  }
}

export async function findIntegration(db: Database, id: string): Promise<Integration | undefined> {
  const row = await db<IntegrationRow>('integrations').where({ id }).first();
  return row ? toIntegration(row) : undefined;
}

/** The account's current integration: the live one, else its latest generation. */
export async function findIntegrationByAccount(db: Database, corfixAccountId: string): Promise<Integration | undefined> {
  const row = await db<IntegrationRow>('integrations')
    .where({ corfix_account_id: corfixAccountId })
    .orderBy('generation', 'desc')
    .first();
  return row ? toIntegration(row) : undefined;
}

/**
 * The integration's row, locked until the transaction `trx` ends: a status
 * change decided on what it read cannot race another one.
 */
export async function lockIntegration(trx: Database, id: string): Promise<Integration | undefined> {
  const row = await trx<IntegrationRow>('integrations').where({ id }).forUpdate().first();
  return row ? toIntegration(row) : undefined;
}

/** One of the partial unique indexes allows at most one live (not disconnected) integration per account and per company. */
async function findLiveIntegration(db: Database, where: Partial<Pick<IntegrationRow, 'procore_company_id' | 'corfix_account_id'>>) {
  const row = await db<IntegrationRow>('integrations').where(where).whereNot({ status: 'disconnected' }).first();
  return row ? toIntegration(row) : undefined;
}

export const findLiveIntegrationByCompany = (db: Database, procoreCompanyId: string): Promise<Integration | undefined> =>
  findLiveIntegration(db, { procore_company_id: procoreCompanyId });

export const findLiveIntegrationByAccount = (db: Database, corfixAccountId: string): Promise<Integration | undefined> =>
  findLiveIntegration(db, { corfix_account_id: corfixAccountId });

/** Every account's current integration (the live one, else its latest generation, as findIntegrationByAccount), by account. */
export async function listCurrentIntegrations(db: Database): Promise<Integration[]> {
  const rows = await db<IntegrationRow>('integrations')
    .distinctOn('corfix_account_id')
    .orderBy([{ column: 'corfix_account_id' }, { column: 'generation', order: 'desc' }]);
  return rows.map(toIntegration);
}

export async function listIntegrationsInStatus(db: Database, statuses: readonly IntegrationStatus[]): Promise<Integration[]> {
  const rows = await db<IntegrationRow>('integrations').whereIn('status', statuses).orderBy('created_at');
  return rows.map(toIntegration);
}

export interface IntegrationChange {
  status?: IntegrationStatus;
  initialSyncState?: InitialSyncState;
  initialSyncProgress?: Record<string, unknown>;
  /** null clears it */
  lastError?: string | null;
  /** the toggles given; the others stay */
  toggles?: Partial<SyncToggles>;
  projectSelection?: ProjectSelection;
}

const TOGGLE_COLUMNS: Record<keyof SyncToggles, string> = {
  syncEmployeesOnly: 'sync_employees_only',
  autoActivateWorkers: 'auto_activate_workers',
  syncForms: 'sync_forms',
  adoptExisting: 'adopt_existing',
};

/**
 * A disconnected integration stays disconnected: a change of status is not
 * applied to it (only a connect's own undo, reopenFailedConnections, takes a
 * disconnect back). A workflow that finishes after an operator disconnected
 * (a cancelled connect records its failure, a completed one marks itself
 * active) must not bring the integration back to life.
 */
export async function updateIntegration(db: Database, id: string, change: IntegrationChange): Promise<void> {
  const patch: Record<string, unknown> = { updated_at: db.fn.now() };
  if (change.status !== undefined) {
    patch['status'] = change.status;
    if (change.status === 'disconnected') patch['disconnected_at'] = db.fn.now();
  }
  if (change.initialSyncState !== undefined) patch['initial_sync_state'] = change.initialSyncState;
  if (change.initialSyncProgress !== undefined) patch['initial_sync_progress'] = JSON.stringify(change.initialSyncProgress);
  if (change.lastError !== undefined) {
    patch['last_error'] = change.lastError;
    patch['last_error_at'] = change.lastError === null ? null : db.fn.now();
  }
  for (const [toggle, column] of Object.entries(TOGGLE_COLUMNS) as Array<[keyof SyncToggles, string]>) {
    const value = change.toggles?.[toggle];
    if (value !== undefined) patch[column] = value;
  }
  if (change.projectSelection !== undefined) Object.assign(patch, selectionColumns(change.projectSelection));
  const query = db('integrations').where({ id });
  if (change.status !== undefined && change.status !== 'disconnected') query.whereNot({ status: 'disconnected' });
  await query.update(patch);
}

/** The hook is gone from Procore: forgets it, unless another hook was registered meanwhile. */
export async function forgetProcoreHook(db: Database, id: string, hookId: string): Promise<void> {
  await db('integrations').where({ id, procore_hook_id: hookId }).update({ procore_hook_id: null, updated_at: db.fn.now() });
}

/** Remembers a smaller page size for one Procore list of the integration (it only ever shrinks). */
export async function rememberProcorePageSize(db: Database, id: string, list: ProcoreList, perPage: number): Promise<void> {
  await rememberSmallerPageSize(db, 'integrations', id, list, perPage);
}

/** A Procore list answered in time only at this page size: kept for the integration or preview `id`, never growing again. */
export async function rememberSmallerPageSize(
  db: Database,
  table: 'integrations' | 'integration_previews',
  id: string,
  list: ProcoreList,
  perPage: number,
): Promise<void> {
  await db(table)
    .where({ id })
    .update({
      procore_page_sizes: db.raw(
        `procore_page_sizes || jsonb_build_object(?::text, least(?::int, coalesce((procore_page_sizes ->> ?)::int, ?::int)))`,
        [list, perPage, list, perPage],
      ),
      updated_at: db.fn.now(),
    });
}

/** A sync stopped for good: in error with the sentence, and since when. */
const failedSync = (db: Database, message: string) => ({
  status: 'error',
  sync_state: 'failed',
  sync_state_since: db.fn.now(),
  next_try_at: null,
  last_error: message,
  last_error_at: db.fn.now(),
  updated_at: db.fn.now(),
});

/** The initial sync stopped for good: the account may connect again. */
const failedInitialSync = (db: Database, message: string) => ({ ...failedSync(db, message), initial_sync_state: 'failed' });

/** A continuous sync stopped on a failure no retry fixes: in error until resumed (a disconnected one stays disconnected). */
export async function failContinuousSyncOf(db: Database, id: string, message: string): Promise<void> {
  await db('integrations').where({ id }).whereIn('status', ['active', 'paused', 'error']).update(failedSync(db, message));
}

/**
 * A continuous sync goes on after a failure someone fixed (a resume): the
 * integration is live again. Only `error` is undone: a pause or a
 * disconnect made since is left as it is.
 */
export async function resumeContinuousSyncOf(db: Database, id: string): Promise<void> {
  await db('integrations').where({ id, status: 'error' }).update({ status: 'active', updated_at: db.fn.now() });
}

/** Not for a disconnected integration: a connect cancelled by a disconnect ends disconnected, not in error. */
export async function failInitialSyncOf(db: Database, id: string, message: string): Promise<void> {
  await db('integrations').where({ id }).whereNot({ status: 'disconnected' }).update(failedInitialSync(db, message));
}

/**
 * A connect whose workflow closed without recording why ends the same way.
 * Only a row still connecting is changed: one that moved on meanwhile is left alone.
 */
export async function endStalledConnect(db: Database, id: string, message: string): Promise<void> {
  await db('integrations').where({ id }).whereIn('status', ['connecting', 'initial_sync']).update(failedInitialSync(db, message));
}

/** The sync waits to try again: why, since when (the first failure of this spell), and until when. */
export async function recordSyncRetrying(db: Database, id: string, retry: { message: string; nextTryAt: Date }): Promise<void> {
  await db('integrations')
    .where({ id })
    .update({
      sync_state: 'retrying',
      sync_state_since: db.raw(`CASE WHEN sync_state = 'retrying' THEN sync_state_since ELSE now() END`),
      next_try_at: retry.nextTryAt,
      last_error: retry.message,
      last_error_at: db.fn.now(),
      updated_at: db.fn.now(),
    });
}

/** The sync is well again: the problem it waited on is gone from the status. */
export async function recordSyncRecovered(db: Database, id: string): Promise<void> {
  await db('integrations').where({ id }).update({
    sync_state: 'ok',
    sync_state_since: null,
    next_try_at: null,
    last_error: null,
    last_error_at: null,
    updated_at: db.fn.now(),
  });
}

/** Removes an integration that never started (its workflow could not be started). */
export async function deleteIntegration(db: Database, id: string): Promise<void> {
  await db('integrations').where({ id }).delete();
}

export type SyncPhase = 'projects' | 'users' | 'done';

export interface EntityProgress {
  pages_done: number;
  entities_done: number;
}

/** Merges one phase's progress into the integration's progress document. */
export async function recordInitialSyncProgress(
  db: Database,
  id: string,
  phase: SyncPhase,
  entity?: { name: 'projects' | 'users'; progress: EntityProgress },
): Promise<void> {
  const patch: Record<string, unknown> = { phase };
  if (entity) patch[entity.name] = entity.progress;
  await db('integrations')
    .where({ id })
    .update({
      initial_sync_progress: db.raw(`coalesce(initial_sync_progress, '{}'::jsonb) || ?::jsonb`, [JSON.stringify(patch)]),
      updated_at: db.fn.now(),
    });
}
