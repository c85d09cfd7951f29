// An operator's controls on a connected integration: change its toggles,
// pause, resume, resync, disconnect. The decisions behind the routes of
// /v1/integrations/{account}, in the order they are taken:
// 1. in one transaction, the integration's row is locked, the change decided
//    on what it holds, written, and audited (actor `api` for the API's routes,
//    `ops` for the operator CLI: both call these same use cases);
// 2. then Temporal is told, bounded in time (bounded-calls.ts).
// Postgres is the source of truth: the continuous syncs read the status there
// at each run and the reconciler restarts what should run, so a Temporal that
// does not answer leaves the change saved, logged, and answered with
// `signalled: false` (sending the same request again repeats the message).
// Knows nothing of HTTP beyond the status each refusal maps to.
import type { Client } from '@temporalio/client';
import { cancelConnect, signalContinuousSyncs, startContinuousSyncs } from '../client.js';
import type { Database } from '../db/database.js';
import { appendAudit } from '../db/repositories/audit-log.js';
import { requestResync } from '../db/repositories/continuous-syncs.js';
import {
  findIntegration,
  findIntegrationByAccount,
  forgetProcoreHook,
  lockIntegration,
  recordSyncRecovered,
  updateIntegration,
  type Integration,
  type IntegrationStatus,
  type SettingsChange,
  type SyncToggles,
} from '../db/repositories/integrations.js';
import { sameProjectSelection } from '../domain/project-selection.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { CONTROL_TEMPORAL_MS, settleWithin, tellTemporal, type WarnLog } from './bounded-calls.js';
import { noteRequestIntegration } from '../observability/log-context.js';
import { namedToggles } from './integration-overview.js';
import { namedProjectSelection } from './schemas/integrations.js';

/** Who asked, as the audit log records it: the HTTP API, or the operator CLI (`npm run ops`). */
export type ControlActor = 'api' | 'ops';

export interface ControlDependencies {
  actor: ControlActor;
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: WarnLog;
}

/** A disconnect also removes the integration's Procore hook. */
export interface DisconnectDependencies extends ControlDependencies {
  clients: Pick<ExternalApiClients, 'procore'>;
}

export type Refusal =
  | { ok: false; status: 404; code: 'not_found'; message: string }
  | { ok: false; status: 409; code: 'integration_disconnected' | 'invalid_status' | 'initial_sync_failed'; message: string };

export type ControlResult = { ok: true; integration: Integration; signalled: boolean } | Refusal;

/** How long a disconnect waits for Procore to remove the hook; the removal goes on after the answer. */
const HOOK_REMOVAL_MS = 5_000;

export const neverConnected = (accountId: string): Refusal => ({
  ok: false,
  status: 404,
  code: 'not_found',
  message: `Corfix account ${accountId} has never been connected`,
});

export const disconnected = (i: Integration): Refusal => ({
  ok: false,
  status: 409,
  code: 'integration_disconnected',
  message: `the integration of Corfix account ${i.corfixAccountId} is disconnected; connect again to sync it`,
});

function refuseStatus(i: Integration, action: string, allowed: readonly IntegrationStatus[]): Refusal | undefined {
  if (allowed.includes(i.status)) return undefined;
  if (i.status === 'disconnected') return disconnected(i);
  return {
    ok: false,
    status: 409,
    code: 'invalid_status',
    message: `cannot ${action} an integration that is ${i.status}: only ${allowed.join(' or ')} ones can be`,
  };
}

/**
 * A first sync that failed leaves nothing to pause or resume; the account
 * connects again instead (a connect closes such an integration only while it
 * is still in error, so pausing it would also block that).
 */
const refuseFailedInitialSync = (i: Integration): Refusal | undefined =>
  i.initialSyncState === 'completed'
    ? undefined
    : {
        ok: false,
        status: 409,
        code: 'initial_sync_failed',
        message: 'the initial sync of this integration did not complete: an integration whose initial sync failed must connect again',
      };

/** A change decided on the locked row: written and audited in the same transaction. */
interface Change {
  action: string;
  details: Record<string, unknown>;
  write?: (trx: Database, id: string) => Promise<void>;
}

/** A refusal, nothing to write (the request is repeated: idempotent), or a change. */
type Decision = Refusal | { ok: true; change?: Change };
const unchanged: Decision = { ok: true };
const change = (c: Change): Decision => ({ ok: true, change: c });

async function decideAndSave(
  deps: ControlDependencies,
  accountId: string,
  decide: (current: Integration) => Decision,
): Promise<{ ok: true; integration: Integration } | Refusal> {
  const found = await findIntegrationByAccount(deps.db, accountId);
  if (!found) return neverConnected(accountId);
  noteRequestIntegration(found.id);
  return deps.db.transaction(async (trx) => {
    const current = await lockIntegration(trx, found.id);
    // Deleted meanwhile: a connect whose workflow could not start is undone.
    if (!current) return neverConnected(accountId);
    const decision = decide(current);
    if (!decision.ok) return decision;
    if (decision.change) {
      await decision.change.write?.(trx, current.id);
      await appendAudit(trx, { integrationId: current.id, actor: deps.actor, action: decision.change.action, details: decision.change.details });
    }
    return { ok: true, integration: (await findIntegration(trx, current.id)) ?? current };
  });
}

/** Tells Temporal after the change is committed; false (logged) when it did not answer in time. */
const tell = (deps: ControlDependencies, integration: Integration, action: string, calls: () => Promise<unknown>) =>
  tellTemporal(
    deps.temporal,
    deps.logger,
    {
      ms: CONTROL_TEMPORAL_MS,
      context: { integrationId: integration.id, action },
      message: `could not tell Temporal of the ${action}: the continuous syncs read the status from Postgres at their next run; repeat the request to tell them now`,
    },
    calls,
  );

/**
 * PATCH: the settings given change; the loops apply them from their next
 * decision on. A new project selection also asks for a full reconciliation
 * (kept in Postgres, as a resync): a project newly included is created in the
 * next cycle although nothing of it changed in Procore since the cursor.
 */
export async function changeSettings(deps: ControlDependencies, accountId: string, toggles: SettingsChange): Promise<ControlResult> {
  let selectionChanged = false;
  const saved = await decideAndSave(deps, accountId, (i) => {
    if (i.status === 'disconnected') return disconnected(i);
    const next: SyncToggles = {
      syncEmployeesOnly: toggles.syncEmployeesOnly ?? i.syncEmployeesOnly,
      autoActivateWorkers: toggles.autoActivateWorkers ?? i.autoActivateWorkers,
      syncForms: toggles.syncForms ?? i.syncForms,
      adoptExisting: toggles.adoptExisting ?? i.adoptExisting,
    };
    const selection = toggles.projectSelection ?? i.projectSelection;
    selectionChanged = !sameProjectSelection(selection, i.projectSelection);
    const before = namedToggles(i);
    const after = namedToggles(next);
    if (JSON.stringify(after) === JSON.stringify(before) && !selectionChanged) return unchanged;
    const projectSelection = selectionChanged
      ? { project_selection: { before: namedProjectSelection(i.projectSelection), after: namedProjectSelection(selection) }, resync_requested: true }
      : {};
    return change({
      action: 'change_settings',
      details: { before, after, ...projectSelection },
      write: async (trx, id) => {
        await updateIntegration(trx, id, { toggles: next, ...(selectionChanged ? { projectSelection: selection } : {}) });
        if (selectionChanged) await requestResync(trx, id);
      },
    });
  });
  if (!saved.ok) return saved;
  const signalled = await tell(deps, saved.integration, 'change_settings', () =>
    signalContinuousSyncs(deps.temporal, saved.integration.id, selectionChanged ? 'resync' : 'settingsChanged'),
  );
  return { ...saved, signalled };
}

/** Stops syncing (from active, or from error after the first sync completed) until resumed. */
export async function pauseIntegration(deps: ControlDependencies, accountId: string): Promise<ControlResult> {
  const saved = await decideAndSave(deps, accountId, (i) => {
    if (i.status === 'paused') return unchanged;
    const refusal = refuseStatus(i, 'pause', ['active', 'error']) ?? refuseFailedInitialSync(i);
    if (refusal) return refusal;
    return change({ action: 'pause', details: { from: i.status }, write: (trx, id) => updateIntegration(trx, id, { status: 'paused' }) });
  });
  if (!saved.ok) return saved;
  const signalled = await tell(deps, saved.integration, 'pause', () => signalContinuousSyncs(deps.temporal, saved.integration.id, 'pause'));
  return { ...saved, signalled };
}

/**
 * Back to active (from paused, or from error once someone fixed the cause),
 * with the old problem cleared from the status; the loops are started if they
 * are not running (they ended on a failure, or were never started).
 */
export async function resumeIntegration(deps: ControlDependencies, accountId: string): Promise<ControlResult> {
  const saved = await decideAndSave(deps, accountId, (i) => {
    if (i.status === 'active') return unchanged;
    const refusal = refuseStatus(i, 'resume', ['paused', 'error']) ?? refuseFailedInitialSync(i);
    if (refusal) return refusal;
    return change({
      action: 'resume',
      details: { from: i.status },
      write: async (trx, id) => {
        await updateIntegration(trx, id, { status: 'active' });
        await recordSyncRecovered(trx, id);
      },
    });
  });
  if (!saved.ok) return saved;
  const { integration } = saved;
  const signalled = await tell(deps, integration, 'resume', async () => {
    await startContinuousSyncs(deps.temporal, deps.taskQueue, integration);
    await signalContinuousSyncs(deps.temporal, integration.id, 'resume');
  });
  return { ...saved, signalled };
}

/**
 * A full reconciliation now (active integrations only), kept in Postgres with
 * its audit row: a loop whose signal is lost (Temporal did not answer) owes
 * it all the same, and makes it at its next run.
 */
export async function resyncIntegration(deps: ControlDependencies, accountId: string): Promise<ControlResult> {
  const saved = await decideAndSave(
    deps,
    accountId,
    (i) => refuseStatus(i, 'resync', ['active']) ?? change({ action: 'resync', details: {}, write: (trx, id) => requestResync(trx, id) }),
  );
  if (!saved.ok) return saved;
  const { integration } = saved;
  const signalled = await tell(deps, integration, 'resync', async () => {
    await startContinuousSyncs(deps.temporal, deps.taskQueue, integration);
    await signalContinuousSyncs(deps.temporal, integration.id, 'resync');
  });
  return { ...saved, signalled };
}

/**
 * Disconnects: the loops end, a connect still under way is cancelled, and
 * Procore's hook is removed (best effort: a hook left behind only sends
 * events the webhook route ignores). Links stay, so connecting again finds
 * what was made. Repeating it repeats what may have failed.
 */
export async function disconnectIntegration(deps: DisconnectDependencies, accountId: string): Promise<ControlResult> {
  const saved = await decideAndSave(deps, accountId, (i) =>
    i.status === 'disconnected'
      ? unchanged
      : change({ action: 'disconnect', details: { from: i.status }, write: (trx, id) => updateIntegration(trx, id, { status: 'disconnected' }) }),
  );
  if (!saved.ok) return saved;
  const { integration } = saved;
  const signalled = await tell(deps, integration, 'disconnect', async () => {
    await signalContinuousSyncs(deps.temporal, integration.id, 'disconnect');
    await cancelConnect(deps.temporal, integration.id);
  });
  await removeProcoreHook(deps, integration);
  return { ok: true, integration: (await findIntegration(deps.db, integration.id)) ?? integration, signalled };
}

async function removeProcoreHook(deps: DisconnectDependencies, integration: Integration): Promise<void> {
  const hookId = integration.procoreHookId;
  if (hookId === null) return;
  const context = { integrationId: integration.id, hookId };
  const removal = deps.clients
    .procore(integration.procoreCompanyId)
    .deleteHook(hookId)
    .then(() => forgetProcoreHook(deps.db, integration.id, hookId))
    .catch((error: unknown) =>
      deps.logger.warn({ ...context, err: error }, 'could not remove the Procore hook of a disconnected integration; DELETE again to retry'),
    );
  const settled = await settleWithin(removal, HOOK_REMOVAL_MS);
  if (settled.outcome === 'late') deps.logger.warn(context, 'removing the Procore hook is taking long; answering without waiting for it');
}
