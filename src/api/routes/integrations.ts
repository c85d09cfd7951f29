// /v1/integrations: connect a Corfix account to a Procore company, read how
// its sync is going, and control it (settings, pause, resume, resync,
// disconnect). Status is read from Postgres (not workflow queries) so it
// answers while every worker is down. The schemas are in
// ../schemas/integrations.ts, the decisions of a connect in
// ../connect-integration.ts, those of the controls in ../integration-controls.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { findIntegrationByAccount, type Integration } from '../../db/repositories/integrations.js';
import { listOutcomes } from '../../db/repositories/sync-outcomes.js';
import { connectWorkflowId } from '../../temporal/workflow-ids.js';
import { connectIntegration } from '../connect-integration.js';
import { sendRefusal } from '../errors.js';
import { outcomeOf, readIntegrationStatus } from '../integration-overview.js';
import {
  changeSettings,
  disconnectIntegration,
  neverConnected,
  pauseIntegration,
  resumeIntegration,
  resyncIntegration,
  type ControlResult,
} from '../integration-controls.js';
import {
  accountParams,
  connectAccepted,
  connectBody,
  controlAnswer,
  errorSchema,
  integrationStatus,
  newIntegrationOf,
  outcomesPage,
  outcomesQuery,
  settingsBody,
  settingsChangeOf,
} from '../schemas/integrations.js';
import type { FullApiDependencies } from '../server.js';
import { noteRequestIntegration } from '../../observability/log-context.js';

const statusUrl = (accountId: string) => `/v1/integrations/${encodeURIComponent(accountId)}`;

const acceptedOf = (integration: Integration) => ({
  integration_id: integration.id,
  workflow_id: connectWorkflowId(integration.id),
  status: 'connecting' as const,
  status_url: statusUrl(integration.corfixAccountId),
});

export const integrationRoutes: FastifyPluginAsyncZod<FullApiDependencies> = async (app, deps) => {
  /** What a control needs: the API's dependencies, its request's logger, and the actor the audit log records. */
  const controlDeps = (request: FastifyRequest) => ({ ...deps, logger: request.log, actor: 'api' as const });
  const statusFor = (integration: Integration) => readIntegrationStatus(deps.db, integration);
  /** A control's answer: the refusal, or the status after it and whether Temporal was told. */
  const answer = async (reply: FastifyReply, result: ControlResult, status: 200 | 202) => {
    if (!result.ok) return sendRefusal(reply, result);
    return reply.code(status).send({ ...(await statusFor(result.integration)), signalled: result.signalled });
  };
  const refusals = { 404: errorSchema, 409: errorSchema } as const;

  app.post(
    '/v1/integrations',
    {
      schema: {
        operationId: 'connectIntegration',
        summary: 'Connect a Corfix account to a Procore company and start the initial sync, without a Procore sign-in',
        description:
          'Refused (403) while CONNECT_REQUIRE_PROCORE_SIGNIN is true (the default): then connects go through ' +
          'POST /v1/integrations/authorizations, which proves that the person connecting belongs to the Procore company.',
        body: connectBody,
        response: { 202: connectAccepted, 400: errorSchema, 403: errorSchema, 409: errorSchema, 422: errorSchema, 503: errorSchema },
      },
      preValidation: async (_request, reply) => {
        if (!deps.requireProcoreSignin) return undefined;
        return reply.code(403).send({
          error: {
            code: 'procore_signin_required',
            message:
              'connecting without a Procore sign-in is turned off (CONNECT_REQUIRE_PROCORE_SIGNIN is true): ' +
              'start with POST /v1/integrations/authorizations and have a user of the Procore company sign in',
          },
        });
      },
    },
    async (request, reply) => {
      const result = await connectIntegration({ ...deps, logger: request.log }, newIntegrationOf(request.body));
      if (!result.ok) return sendRefusal(reply, result);
      noteRequestIntegration(result.integration.id);
      return reply.code(202).send(acceptedOf(result.integration));
    },
  );

  app.get(
    '/v1/integrations/:corfix_account_id',
    {
      schema: {
        operationId: 'getIntegration',
        summary: "The account's integration: status, initial sync progress, outcome counts, last error",
        params: accountParams,
        response: { 200: integrationStatus, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const integration = await findIntegrationByAccount(deps.db, request.params.corfix_account_id);
      if (!integration) return sendRefusal(reply, neverConnected(request.params.corfix_account_id));
      noteRequestIntegration(integration.id);
      return statusFor(integration);
    },
  );

  app.get(
    '/v1/integrations/:corfix_account_id/outcomes',
    {
      schema: {
        operationId: 'listOutcomes',
        summary: 'The sync report: the latest decision per Procore project and user, and per Corfix form',
        params: accountParams,
        querystring: outcomesQuery,
        response: { 200: outcomesPage, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const integration = await findIntegrationByAccount(deps.db, request.params.corfix_account_id);
      if (!integration) return sendRefusal(reply, neverConnected(request.params.corfix_account_id));
      noteRequestIntegration(integration.id);
      const q = request.query;
      const { outcomes, total } = await listOutcomes(
        deps.db,
        integration.id,
        { ...(q.entity ? { entity: q.entity } : {}), ...(q.outcome ? { outcome: q.outcome } : {}), ...(q.reason ? { reason: q.reason } : {}) },
        { page: q.page, perPage: q.per_page },
      );
      return { data: outcomes.map(outcomeOf), page: q.page, per_page: q.per_page, total };
    },
  );

  app.patch(
    '/v1/integrations/:corfix_account_id',
    {
      schema: {
        operationId: 'changeSettings',
        summary: "Change the integration's toggles or project selection (those sent); the continuous syncs apply them from their next decision",
        description:
          'A new project_selection also makes the next cycles full reconciliations (as POST .../resync): a project newly included ' +
          'is created then, one left out is no longer written to (nothing is deleted in Corfix), and its forms are not filed.',
        params: accountParams,
        body: settingsBody,
        response: { 200: controlAnswer, 400: errorSchema, ...refusals },
      },
    },
    async (request, reply) => {
      const change = settingsChangeOf(request.body);
      return answer(reply, await changeSettings(controlDeps(request), request.params.corfix_account_id, change), 200);
    },
  );

  app.post(
    '/v1/integrations/:corfix_account_id/pause',
    {
      schema: {
        operationId: 'pauseIntegration',
        summary: 'Pause the continuous syncs (from active, or error after a completed first sync); idempotent',
        params: accountParams,
        response: { 200: controlAnswer, ...refusals },
      },
    },
    async (request, reply) => answer(reply, await pauseIntegration(controlDeps(request), request.params.corfix_account_id), 200),
  );

  app.post(
    '/v1/integrations/:corfix_account_id/resume',
    {
      schema: {
        operationId: 'resumeIntegration',
        summary: 'Resume (from paused, or from error once its cause is fixed), clearing the last error; idempotent',
        params: accountParams,
        response: { 200: controlAnswer, ...refusals },
      },
    },
    async (request, reply) => answer(reply, await resumeIntegration(controlDeps(request), request.params.corfix_account_id), 200),
  );

  app.post(
    '/v1/integrations/:corfix_account_id/resync',
    {
      schema: {
        operationId: 'resyncIntegration',
        summary: 'Reconcile every Procore project and user now (active integrations only)',
        params: accountParams,
        response: { 202: controlAnswer, ...refusals },
      },
    },
    async (request, reply) => answer(reply, await resyncIntegration(controlDeps(request), request.params.corfix_account_id), 202),
  );

  app.delete(
    '/v1/integrations/:corfix_account_id',
    {
      schema: {
        operationId: 'disconnectIntegration',
        summary: 'Disconnect: the syncs stop and the Procore hook is removed; links are kept for a later connect; idempotent',
        params: accountParams,
        response: { 200: controlAnswer, 404: errorSchema },
      },
    },
    async (request, reply) =>
      answer(reply, await disconnectIntegration(controlDeps(request), request.params.corfix_account_id), 200),
  );
};
