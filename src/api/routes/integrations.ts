// /v1/integrations: connect a Corfix account to a Procore company, and read
// how its sync is going. Status is read from Postgres (not workflow queries)
// so it answers while every worker is down. The schemas are in
// ../schemas/integrations.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AlreadyConnectedError,
  closeFailedConnections,
  createIntegration,
  deleteIntegration,
  findIntegrationByAccount,
  findLiveIntegrationByCompany,
  type Integration,
} from '../../db/repositories/integrations.js';
import { appendAudit } from '../../db/repositories/audit-log.js';
import { countOutcomes, listOutcomes } from '../../db/repositories/sync-outcomes.js';
import { startConnectWorkflow } from '../../temporal/start-connect.js';
import { connectWorkflowId } from '../../temporal/workflow-ids.js';
import { checkCorfixAccount, checkProcoreCompany } from '../connect-preflight.js';
import {
  accountParams,
  connectAccepted,
  connectBody,
  errorSchema,
  integrationStatus,
  outcomesPage,
  outcomesQuery,
} from '../schemas/integrations.js';
import type { FullApiDependencies } from '../server.js';

/** Connected, or on its way: everything but disconnected and a failed first sync. */
const isLive = (i: Integration) => i.status !== 'disconnected' && !(i.status === 'error' && i.initialSyncState === 'failed');

const statusUrl = (accountId: string) => `/v1/integrations/${encodeURIComponent(accountId)}`;

const notConnected = (accountId: string) => ({
  error: { code: 'not_found', message: `Corfix account ${accountId} has never been connected` },
});

function progressOf(integration: Integration) {
  const p = (integration.initialSyncProgress ?? {}) as {
    phase?: 'projects' | 'users' | 'done';
    projects?: { pages_done: number; entities_done: number };
    users?: { pages_done: number; entities_done: number };
  };
  const none = { pages_done: 0, entities_done: 0 };
  return { phase: p.phase ?? null, projects: p.projects ?? none, users: p.users ?? none };
}

export const integrationRoutes: FastifyPluginAsyncZod<FullApiDependencies> = async (app, deps) => {
  app.post(
    '/v1/integrations',
    {
      schema: {
        summary: 'Connect a Corfix account to a Procore company and start the initial sync',
        body: connectBody,
        response: { 202: connectAccepted, 400: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const account = body.corfix_account_id;
      const company = body.procore_company_id;

      const existing = await findIntegrationByAccount(deps.db, account);
      if (existing && isLive(existing)) {
        return reply.code(409).send({
          error: { code: 'already_connected', message: new AlreadyConnectedError('account').message },
        });
      }
      const companyIntegration = await findLiveIntegrationByCompany(deps.db, company);
      if (companyIntegration && isLive(companyIntegration)) {
        return reply.code(409).send({
          error: { code: 'already_connected', message: new AlreadyConnectedError('company').message },
        });
      }

      for (const check of [() => checkCorfixAccount(deps.clients, account), () => checkProcoreCompany(deps.clients, company)]) {
        const result = await check();
        if (!result.ok) {
          if (result.status === 503 && result.retryAfterSeconds !== undefined) {
            reply.header('retry-after', String(result.retryAfterSeconds));
          }
          return reply.code(result.status).send({ error: { code: result.code, message: result.message } });
        }
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
        integration = await createIntegration(deps.db, {
          corfixAccountId: account,
          procoreCompanyId: company,
          syncEmployeesOnly: body.sync_employees_only,
          autoActivateWorkers: body.auto_activate_workers,
          syncForms: body.sync_forms,
        });
      } catch (error) {
        if (error instanceof AlreadyConnectedError) {
          return reply.code(409).send({ error: { code: 'already_connected', message: error.message } });
        }
        throw error;
      }

      try {
        await startConnectWorkflow(deps.temporal, deps.taskQueue, integration);
      } catch (error) {
        // Nothing half made: without its workflow the integration row goes, so
        // the same request can simply be sent again.
        await deleteIntegration(deps.db, integration.id);
        request.log.error({ err: error, integrationId: integration.id }, 'could not start the connect workflow');
        return reply.code(503).send({
          error: {
            code: 'temporal_unavailable',
            message: 'the sync could not be started (Temporal did not answer); nothing was saved, send the same request again',
          },
        });
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
      return reply.code(202).send({
        integration_id: integration.id,
        workflow_id: connectWorkflowId(integration.id),
        status: 'connecting' as const,
        status_url: statusUrl(account),
      });
    },
  );

  app.get(
    '/v1/integrations/:corfix_account_id',
    {
      schema: {
        summary: "The account's integration: status, initial sync progress, outcome counts, last error",
        params: accountParams,
        response: { 200: integrationStatus, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const integration = await findIntegrationByAccount(deps.db, request.params.corfix_account_id);
      if (!integration) return reply.code(404).send(notConnected(request.params.corfix_account_id));
      const counts = await countOutcomes(deps.db, integration.id);
      const outcomes = { project: {} as Record<string, number>, user: {} as Record<string, number> };
      for (const c of counts) outcomes[c.entity][c.reason] = c.count;
      return {
        integration_id: integration.id,
        corfix_account_id: integration.corfixAccountId,
        procore_company_id: integration.procoreCompanyId,
        generation: integration.generation,
        status: integration.status,
        settings: {
          sync_employees_only: integration.syncEmployeesOnly,
          auto_activate_workers: integration.autoActivateWorkers,
          sync_forms: integration.syncForms,
        },
        initial_sync: { state: integration.initialSyncState, ...progressOf(integration), outcomes },
        last_error:
          integration.lastError && integration.lastErrorAt
            ? { message: integration.lastError, at: integration.lastErrorAt.toISOString() }
            : null,
        workflow_id: connectWorkflowId(integration.id),
        created_at: integration.createdAt.toISOString(),
        updated_at: integration.updatedAt.toISOString(),
      };
    },
  );

  app.get(
    '/v1/integrations/:corfix_account_id/outcomes',
    {
      schema: {
        summary: 'The sync report: the latest decision per Procore project and user',
        params: accountParams,
        querystring: outcomesQuery,
        response: { 200: outcomesPage, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const integration = await findIntegrationByAccount(deps.db, request.params.corfix_account_id);
      if (!integration) return reply.code(404).send(notConnected(request.params.corfix_account_id));
      const q = request.query;
      const { outcomes, total } = await listOutcomes(
        deps.db,
        integration.id,
        { ...(q.entity ? { entity: q.entity } : {}), ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.reason ? { reason: q.reason } : {}) },
        { page: q.page, perPage: q.per_page },
      );
      return {
        data: outcomes.map((o) => ({
          entity: o.entity,
          procore_id: o.procoreId,
          outcome: o.outcome,
          reason: o.reason,
          field: o.field,
          corfix_id: o.corfixId,
          decided_at: o.decidedAt,
        })),
        page: q.page,
        per_page: q.per_page,
        total,
      };
    },
  );
};
