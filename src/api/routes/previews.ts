// The previews of a connect: POST /v1/integrations/preview starts one (the
// connect body; what the initial sync would decide, nothing written), GET
// /v1/previews/{preview_id} and its /outcomes read it, GET
// /v1/integrations/{account}/previews lists an account's (connected or not).
// Read from Postgres. The schemas are in ../schemas/previews.ts, the
// decisions of a preview in ../preview-connect.ts, the read model in
// ../preview-overview.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findPreview, PREVIEW_KEPT_DAYS } from '../../db/repositories/previews.js';
import { previewWorkflowId } from '../../temporal/workflow-ids.js';
import { sendRefusal } from '../errors.js';
import { previewConnect } from '../preview-connect.js';
import { previewStatusPath, readPreview, readPreviewOutcomes, readPreviewsOfAccount } from '../preview-overview.js';
import { accountParams, connectBody, errorSchema, newIntegrationOf } from '../schemas/integrations.js';
import { previewAccepted, previewList, previewOutcomesPage, previewOutcomesQuery, previewParams, previewStatus } from '../schemas/previews.js';
import type { FullApiDependencies } from '../server.js';

const unknownPreview = (previewId: string) => ({
  error: { code: 'preview_not_found', message: `there is no preview ${previewId} (previews are kept ${PREVIEW_KEPT_DAYS} days)` },
});

export const previewRoutes: FastifyPluginAsyncZod<FullApiDependencies> = async (app, deps) => {
  app.post(
    '/v1/integrations/preview',
    {
      schema: {
        operationId: 'previewConnect',
        summary: 'Preview a connect: decide every Procore project and user as the initial sync would, writing nothing to Corfix, Procore or any integration',
        description:
          'The body of POST /v1/integrations. Refused as a connect would be (409 already connected, 422, 503). Runs as a ' +
          'workflow of its own; GET its status_url for the state and the counts. It needs no Procore sign-in, even while ' +
          'CONNECT_REQUIRE_PROCORE_SIGNIN is true: it writes nothing, and is behind the API token.',
        body: connectBody,
        response: { 202: previewAccepted, 409: errorSchema, 422: errorSchema, 503: errorSchema },
      },
    },
    async (request, reply) => {
      const result = await previewConnect({ ...deps, logger: request.log }, newIntegrationOf(request.body));
      if (!result.ok) return sendRefusal(reply, result);
      const id = result.preview.id;
      return reply.code(202).send({ preview_id: id, workflow_id: previewWorkflowId(id), state: 'running' as const, status_url: previewStatusPath(id) });
    },
  );

  app.get(
    '/v1/previews/:preview_id',
    {
      schema: {
        operationId: 'getPreview',
        summary: "A preview: its state and progress, counts by reason, and what adopt_existing the other way would change",
        params: previewParams,
        response: { 200: previewStatus, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const preview = await readPreview(deps.db, request.params.preview_id);
      return preview ?? reply.code(404).send(unknownPreview(request.params.preview_id));
    },
  );

  app.get(
    '/v1/previews/:preview_id/outcomes',
    {
      schema: {
        operationId: 'listPreviewOutcomes',
        summary: "A preview's lines: per Procore project and user the outcome, reason and the Corfix records it concerns; filterable, paged",
        params: previewParams,
        querystring: previewOutcomesQuery,
        response: { 200: previewOutcomesPage, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const preview = await findPreview(deps.db, request.params.preview_id);
      if (!preview) return reply.code(404).send(unknownPreview(request.params.preview_id));
      const q = request.query;
      const filter = {
        ...(q.entity ? { entity: q.entity } : {}),
        ...(q.outcome ? { outcome: q.outcome } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.changed_by_adopt ? { changedByAdopt: q.changed_by_adopt === 'true' } : {}),
      };
      const { data, total } = await readPreviewOutcomes(deps.db, preview, filter, { page: q.page, perPage: q.per_page });
      return { data, page: q.page, per_page: q.per_page, total };
    },
  );

  app.get(
    '/v1/integrations/:corfix_account_id/previews',
    {
      schema: {
        operationId: 'listPreviews',
        summary: "The account's previews, newest first (at most 20), with their counts; also for an account not connected",
        params: accountParams,
        response: { 200: previewList },
      },
    },
    async (request) => ({
      corfix_account_id: request.params.corfix_account_id,
      data: await readPreviewsOfAccount(deps.db, request.params.corfix_account_id),
    }),
  );
};
