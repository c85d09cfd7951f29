// Connect: the decisions behind POST /v1/integrations, in the order they are
// taken. Refuse what is already connected, ask both APIs (preflight), close a
// connection whose first sync had failed, save the integration, start its
// workflow (and delete the row again if Temporal does not answer, so nothing
// is left half made), and record it. Knows nothing of HTTP beyond the status
// each refusal maps to.
import type { Client } from '@temporalio/client';
import type { Database } from '../db/database.js';
import { appendAudit } from '../db/repositories/audit-log.js';
import {
  AlreadyConnectedError,
  closeFailedConnections,
  createIntegration,
  deleteIntegration,
  findIntegrationByAccount,
  findLiveIntegrationByCompany,
  type Integration,
  type NewIntegration,
} from '../db/repositories/integrations.js';
import type { ExternalApiClients } from '../external-api-clients.js';
import { startConnect } from '../client.js';
import { checkCorfixAccount, checkProcoreCompany, type PreflightResult } from './connect-preflight.js';

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

const alreadyConnected = (error: AlreadyConnectedError): ConnectResult => ({
  ok: false,
  status: 409,
  code: 'already_connected',
  message: error.message,
});

export async function connectIntegration(deps: ConnectDependencies, request: NewIntegration): Promise<ConnectResult> {
  const account = request.corfixAccountId;
  const company = request.procoreCompanyId;

  const existing = await findIntegrationByAccount(deps.db, account);
  if (existing && isLive(existing)) return alreadyConnected(new AlreadyConnectedError('account'));
  const companyIntegration = await findLiveIntegrationByCompany(deps.db, company);
  if (companyIntegration && isLive(companyIntegration)) return alreadyConnected(new AlreadyConnectedError('company'));

  for (const check of [() => checkCorfixAccount(deps.clients, account), () => checkProcoreCompany(deps.clients, company)]) {
    const result = await check();
    if (!result.ok) return result;
  }

  for (const closed of await closeFailedConnections(deps.db, { corfixAccountId: account, procoreCompanyId: company })) {
    await appendAudit(deps.db, {
      integrationId: closed,
      actor: 'api',
      action: 'close_failed_connection',
      details: { reason: 'a new connect replaced a connection whose initial sync had failed' },
    });
  }
  let integration: Integration;
  try {
    integration = await createIntegration(deps.db, request);
  } catch (error) {
    if (error instanceof AlreadyConnectedError) return alreadyConnected(error);
    throw error;
  }

  try {
    await startConnect(deps.temporal, deps.taskQueue, integration);
  } catch (error) {
    // Nothing half made: without its workflow the integration row goes, so
    // the same request can simply be sent again.
    await deleteIntegration(deps.db, integration.id);
    deps.logger.error({ err: error, integrationId: integration.id }, 'could not start the connect workflow');
    return {
      ok: false,
      status: 503,
      code: 'temporal_unavailable',
      message: 'the sync could not be started (Temporal did not answer); nothing was saved, send the same request again',
    };
  }
  await appendAudit(deps.db, {
    integrationId: integration.id,
    actor: 'api',
    action: 'connect',
    details: {
      generation: integration.generation,
      sync_employees_only: integration.syncEmployeesOnly,
      auto_activate_workers: integration.autoActivateWorkers,
      sync_forms: integration.syncForms,
    },
  });
  return { ok: true, integration };
}
