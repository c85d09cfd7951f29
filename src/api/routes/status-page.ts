// The status page: GET / (every integration, and the newest previews of a
// connect), GET /status/{account} (one, with its previews; an account not
// connected but previewed shows its previews) and GET /status/previews/{id},
// server-rendered HTML read from Postgres (integration-overview.ts and
// preview-overview.ts, the read models the status API and the operator CLI
// share). It shows every
// customer's integrations, so it sits behind HTTP Basic (server.ts); it
// holds ids, states, counts and our own sentences, never a person's name or
// email. The HTML is built in ../status-page/, every value escaped.
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { WebUi } from '../../temporal/web-ui.js';
import { listIntegrationOverviews, readIntegrationDetail } from '../integration-overview.js';
import { readPreviewDetail, readPreviewsOfAccount, readRecentPreviews } from '../preview-overview.js';
import { accountParams, errorSchema } from '../schemas/integrations.js';
import { previewPageQuery, previewParams } from '../schemas/previews.js';
import type { FullApiDependencies } from '../server.js';
import { INTEGRATION_STATUS_ROUTE, PREVIEW_STATUS_ROUTE, STATUS_PAGE_PATH } from '../status-page-paths.js';
import { integrationPage, notConnectedPage, previewsOnlyPage } from '../status-page/integration-page.js';
import { previewPage, unknownPreviewPage } from '../status-page/preview-page.js';
import { integrationsPage } from '../status-page/integrations-page.js';

/** The page has no script, loads nothing, and is not framed or kept in caches. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const htmlPage = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const unauthorized = {
  description: 'no or a wrong API token: WWW-Authenticate: Basic realm="corfix-procore status"',
  content: { 'text/plain': { schema: z.string() } },
};

/** How many previews the pages list (the newest). */
const PREVIEWS_ON_PAGE = 10;

const send = (reply: FastifyReply, code: 200 | 404, body: string) => reply.code(code).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(body);

export const statusPageRoutes: FastifyPluginAsyncZod<FullApiDependencies> = async (app, deps) => {
  const webUi: WebUi | undefined =
    deps.temporalWebUiUrl === undefined ? undefined : { url: deps.temporalWebUiUrl, namespace: deps.temporal.options.namespace };
  const security = [{ basic: [] }];

  app.get(
    STATUS_PAGE_PATH,
    {
      schema: {
        operationId: 'statusPage',
        summary: 'The status page: every integration, its state, counts and last error (HTML; Basic auth, an API token as the password)',
        security,
        response: { 200: htmlPage('the page'), 401: unauthorized },
      },
    },
    async (_request, reply) => {
      const [integrations, previews] = await Promise.all([listIntegrationOverviews(deps.db), readRecentPreviews(deps.db, PREVIEWS_ON_PAGE)]);
      return send(reply, 200, integrationsPage(integrations, previews, webUi));
    },
  );

  app.get(
    INTEGRATION_STATUS_ROUTE,
    {
      schema: {
        operationId: 'integrationStatusPage',
        summary: "One account's status page: its integration's progress, recent decisions, failures, Web UI links, and its previews (HTML; Basic auth)",
        security,
        params: accountParams,
        response: {
          200: htmlPage('the page (an account not connected but previewed: its previews)'),
          400: errorSchema,
          401: unauthorized,
          404: htmlPage('the account was never connected nor previewed'),
        },
      },
    },
    async (request, reply) => {
      const accountId = request.params.corfix_account_id;
      const [detail, previews] = await Promise.all([readIntegrationDetail(deps.db, accountId), readPreviewsOfAccount(deps.db, accountId, PREVIEWS_ON_PAGE)]);
      if (detail) return send(reply, 200, integrationPage(detail, previews, webUi));
      if (previews.length > 0) return send(reply, 200, previewsOnlyPage(accountId, previews));
      return send(reply, 404, notConnectedPage(accountId));
    },
  );

  app.get(
    PREVIEW_STATUS_ROUTE,
    {
      schema: {
        operationId: 'previewStatusPage',
        summary: "One preview's status page: settings, state, counts by reason, what Adopt existing the other way changes, collisions and adoptions (HTML; Basic auth)",
        security,
        params: previewParams,
        querystring: previewPageQuery,
        response: { 200: htmlPage('the page'), 400: errorSchema, 401: unauthorized, 404: htmlPage('no such preview') },
      },
    },
    async (request, reply) => {
      const detail = await readPreviewDetail(deps.db, request.params.preview_id, request.query.page);
      if (!detail) return send(reply, 404, unknownPreviewPage(request.params.preview_id));
      return send(reply, 200, previewPage(detail, webUi));
    },
  );
};
