// /v1/integrations/{account}/forms/{form_id}: how one Corfix form's upload to
// Procore stands (read from Postgres), and an operator's retry. The schemas
// are in ../schemas/forms.ts, the retry's decisions in ../form-controls.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findFormLink } from '../../db/repositories/form-links.js';
import { findIntegrationByAccount } from '../../db/repositories/integrations.js';
import { errorBody, sendRefusal } from '../errors.js';
import { retryForm } from '../form-controls.js';
import { formUploadOf } from '../integration-overview.js';
import { neverConnected } from '../integration-controls.js';
import { formParams, formRetryAccepted, formUpload } from '../schemas/forms.js';
import { errorSchema } from '../schemas/integrations.js';
import type { FullApiDependencies } from '../server.js';
import { noteRequestIntegration } from '../../observability/log-context.js';

export const formRoutes: FastifyPluginAsyncZod<FullApiDependencies> = async (app, deps) => {
  app.get(
    '/v1/integrations/:corfix_account_id/forms/:form_id',
    {
      schema: {
        operationId: 'getForm',
        summary: "One Corfix form's upload to Procore: its state, the file and the revision Procore holds, the last problem",
        params: formParams,
        response: { 200: formUpload, 404: errorSchema },
      },
    },
    async (request, reply) => {
      const { corfix_account_id: accountId, form_id: formId } = request.params;
      const integration = await findIntegrationByAccount(deps.db, accountId);
      if (!integration) return sendRefusal(reply, neverConnected(accountId));
      noteRequestIntegration(integration.id);
      const link = await findFormLink(deps.db, integration.id, formId);
      if (!link) return reply.code(404).send(errorBody('not_found', `form ${formId} has not been announced to this integration`));
      return formUploadOf(link);
    },
  );

  app.post(
    '/v1/integrations/:corfix_account_id/forms/:form_id/retry',
    {
      schema: {
        operationId: 'retryForm',
        summary: "Try the form's upload again now (after it failed, or when its webhook never came); audited",
        params: formParams,
        response: { 202: formRetryAccepted, 404: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { corfix_account_id: accountId, form_id: formId } = request.params;
      const result = await retryForm({ ...deps, logger: request.log, actor: 'api' }, accountId, formId);
      if (!result.ok) return sendRefusal(reply, result);
      return reply.code(202).send({ form_id: formId, workflow_id: result.workflowId, signalled: result.signalled });
    },
  );
};
