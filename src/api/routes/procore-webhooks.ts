// POST /webhooks/procore: Procore's deliveries for the hooks registered on
// connected companies. Procore signs nothing: the only proof is the
// Authorization header set on the hook, checked before the body is read, in
// constant time (the bearer check of /v1, with the webhook secret). The
// decisions are in ../procore-webhook-events.ts, the schemas in
// ../schemas/procore-webhooks.ts. Served only when PROCORE_WEBHOOK_SECRET is set.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { bearerAuth } from '../auth.js';
import { receiveProcoreEvent, type ProcoreWebhookSettings } from '../procore-webhook-events.js';
import { errorSchema } from '../schemas/integrations.js';
import { procoreWebhookAnswer, procoreWebhookBody } from '../schemas/procore-webhooks.js';
import type { FullApiDependencies } from '../server.js';
import { countWebhookDeliveries, resultOfAnswer } from '../webhook-metrics.js';

export const procoreWebhookRoutes: FastifyPluginAsyncZod<FullApiDependencies & { procoreWebhooks: ProcoreWebhookSettings }> = async (
  app,
  deps,
) => {
  app.addHook('onRequest', bearerAuth([deps.procoreWebhooks.secret]));
  const deliveries = countWebhookDeliveries(app, 'procore');
  app.post(
    '/webhooks/procore',
    {
      schema: {
        operationId: 'receiveProcoreWebhook',
        summary: 'A Procore webhook delivery (v2): recorded in the inbox once per ulid, answered at once',
        description:
          'Authorization: Bearer <PROCORE_WEBHOOK_SECRET>, as set on the hook. Events for companies without a live ' +
          'integration, for resources other than Company Users and Projects, or caused by this app, are answered and ignored.',
        security: [{ procoreWebhook: [] }],
        body: procoreWebhookBody,
        response: { 200: procoreWebhookAnswer, 400: errorSchema, 401: errorSchema },
      },
    },
    async (request) => {
      const answer = await receiveProcoreEvent(
        { db: deps.db, temporal: deps.temporal, settings: deps.procoreWebhooks, logger: request.log },
        request.body,
      );
      deliveries.note(request, resultOfAnswer(answer));
      return answer;
    },
  );
};
