// Connect: the decisions behind POST /v1/integrations, in the order they are
// taken. Refuse what is already connected, ask both APIs (preflight), then in
// one transaction close a connection whose first sync had failed, save the
// integration and audit all of it; start its workflow last. The row and its
// audit are committed before the start, so no workflow ever runs without
// them, and an API that dies right after the commit leaves a row the
// reconciler starts. If Temporal does not answer, that transaction is undone
// (the row and audit rows deleted, the failed connection reopened), so a 503
// leaves nothing changed. Knows nothing of HTTP beyond the status each
// refusal maps to.
import type { Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import { appendAudit, deleteAuditEntries } from '../db/repositories/audit-log.js';
import { closeFailedConnections, reopenFailedConnections, type ClosedConnection } from '../db/repositories/failed-connections.js';
import {
  AlreadyConnectedError,
  createIntegration,
  deleteIntegration,
  findIntegrationByAccount,
  findLiveIntegrationByCompany,
  type Integration,
  type NewIntegration,
} from '../db/repositories/integrations.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { startConnect } from '../client.js';
import { preflightConnect, type PreflightResult } from './connect-preflight.js';
import { settingsOf } from './integration-overview.js';

export interface ConnectDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  clients: ExternalApiClients;
  /** where a failed workflow start is reported */
  logger: { error(details: object, message: string): void };
}

export type ConnectResult =
  | { ok: true; integration: Integration }
  /** the account or the company already has a live integration (409) */
  | { ok: false; status: 409; code: 'already_connected'; message: string }
  /** preflight: the request can never succeed as sent (422), or an API is down or limiting us (503) */
  | Exclude<PreflightResult, { ok: true }>
  /** Temporal did not answer; nothing was saved (503) */
  | { ok: false; status: 503; code: 'temporal_unavailable'; message: string };

/** Connected, or on its way: everything but disconnected and a failed first sync. */
const isLive = (i: Integration) => i.status !== 'disconnected' && !(i.status === 'error' && i.initialSyncState === 'failed');

const alreadyConnected = (error: AlreadyConnectedError): Extract<ConnectResult, { status: 409 }> => ({
  ok: false,
  status: 409,
  code: 'already_connected',
  message: error.message,
});

type AlreadyConnected = Extract<ConnectResult, { status: 409 }>;

/** 409 when the account or the company already has a live integration; undefined when neither has. */
export async function refuseIfConnected(db: Database, request: NewIntegration): Promise<AlreadyConnected | undefined> {
  const existing = await findIntegrationByAccount(db, request.corfixAccountId);
  if (existing && isLive(existing)) return alreadyConnected(new AlreadyConnectedError('account'));
  const companyIntegration = await findLiveIntegrationByCompany(db, request.procoreCompanyId);
  if (companyIntegration && isLive(companyIntegration)) return alreadyConnected(new AlreadyConnectedError('company'));
  return undefined;
}

export async function connectIntegration(deps: ConnectDependencies, request: NewIntegration): Promise<ConnectResult> {
  const connected = await refuseIfConnected(deps.db, request);
  if (connected) return connected;

  const preflight = await preflightConnect(deps.clients, request);
  if (!preflight.ok) return preflight;

  let saved: SavedConnection;
  try {
    saved = await deps.db.transaction((trx) => saveConnection(trx, request));
  } catch (error) {
    if (error instanceof AlreadyConnectedError) return alreadyConnected(error);
    throw error;
  }

  try {
    await startConnect(deps.temporal, deps.taskQueue, saved.integration);
  } catch (error) {
    // Nothing half made: without its workflow the connect is undone, so the
    // same request can simply be sent again.
    await deps.db.transaction((trx) => undoConnection(trx, saved));
    deps.logger.error({ err: error, integrationId: saved.integration.id }, 'could not start the connect workflow');
    return {
      ok: false,
      status: 503,
      code: 'temporal_unavailable',
      message: 'the sync could not be started (Temporal did not answer); nothing was saved, send the same request again',
    };
  }
  return { ok: true, integration: saved.integration };
}

/** What saveConnection wrote, so that undoConnection can take exactly that back. */
interface SavedConnection {
  integration: Integration;
  /** failed connections closed, each with the id of the audit row saying so */
  closed: Array<{ connection: ClosedConnection; auditId: string }>;
  connectAuditId: string;
}

/** Run in one transaction: all of it is saved, or none. */
async function saveConnection(trx: Database, request: NewIntegration): Promise<SavedConnection> {
  const closed: SavedConnection['closed'] = [];
  const sides = { corfixAccountId: request.corfixAccountId, procoreCompanyId: request.procoreCompanyId };
  for (const connection of await closeFailedConnections(trx, sides)) {
    const auditId = await appendAudit(trx, {
      integrationId: connection.id,
      actor: 'api',
      action: 'close_failed_connection',
      details: { reason: 'a new connect replaced a connection whose initial sync had failed' },
    });
    closed.push({ connection, auditId });
  }
  const integration = await createIntegration(trx, request);
  const connectAuditId = await appendAudit(trx, {
    integrationId: integration.id,
    actor: 'api',
    action: 'connect',
    details: {
      generation: integration.generation,
      ...settingsOf(integration),
      // who proved, by signing in to Procore, that they belong to the company (absent for a direct connect)
      ...(integration.connectedBy
        ? { procore_user_id: integration.connectedBy.procoreUserId, procore_login: integration.connectedBy.procoreLogin }
        : {}),
    },
  });
  return { integration, closed, connectAuditId };
}

/**
 * Run in one transaction: takes back what saveConnection wrote. A closed
 * connection whose account or company connected again meanwhile stays
 * closed, and so does the audit row that says so.
 */
async function undoConnection(trx: Database, saved: SavedConnection): Promise<void> {
  await deleteAuditEntries(trx, [saved.connectAuditId]);
  await deleteIntegration(trx, saved.integration.id);
  const reopened = new Set(await reopenFailedConnections(trx, saved.closed.map((c) => c.connection)));
  await deleteAuditEntries(trx, saved.closed.filter((c) => reopened.has(c.connection.id)).map((c) => c.auditId));
}
