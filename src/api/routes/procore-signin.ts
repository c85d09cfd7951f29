// Connect through a Procore sign-in: POST /v1/integrations/authorizations
// (bearer token) answers the authorize URL, and Procore sends the browser
// back to GET /v1/oauth/procore/callback (no bearer token: the browser has
// none; the signed single-use state is what authorizes it), which ends on
// CONNECT_RETURN_URL with the result. The decisions are in ../connect-signin.ts.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../db/repositories/audit-log.js';
import { connectWorkflowId } from '../../temporal/workflow-ids.js';
import { finishSignin, startSignin, type SigninSettings } from '../connect-signin.js';
import { sendRefusal } from '../errors.js';
import { MAX_STATE_LENGTH } from '../connect-state.js';
import { authorizationCreated, callbackQuery, connectBody, errorSchema, newIntegrationOf } from '../schemas/integrations.js';
import type { FullApiDependencies } from '../server.js';
import { noteRequestIntegration } from '../../observability/log-context.js';

export const CALLBACK_PATH = '/v1/oauth/procore/callback';

type SigninRouteDependencies = FullApiDependencies & { signin: SigninSettings };

export const authorizationRoutes: FastifyPluginAsyncZod<SigninRouteDependencies> = async (app, deps) => {
  app.post(
    '/v1/integrations/authorizations',
    {
      schema: {
        operationId: 'startProcoreSignin',
        summary: 'Start a connect through a Procore sign-in: the authorize URL to send the user to',
        description:
          "Takes the same body as POST /v1/integrations. The URL carries a signed, single-use state that binds these fields and expires in 10 minutes. After the user signs in, Procore sends the browser to the callback, which connects only if that user belongs to the Procore company, and then redirects to CONNECT_RETURN_URL with the result. " +
          `A project_selection whose ids do not fit in the state (${MAX_STATE_LENGTH} characters) is refused (400): connect with fewer, then PATCH the whole list.`,
        body: connectBody,
        response: { 201: authorizationCreated, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const result = await startSignin({ ...deps, logger: request.log }, deps.signin, newIntegrationOf(request.body));
      if (!result.ok) return sendRefusal(reply, result);
      return reply.code(201).send({ authorize_url: result.authorizeUrl, expires_at: result.expiresAt.toISOString() });
    },
  );
};

/** The callback's query names each bad field, never its value (a code or a state is a secret). */
function problemsOf(validation: ReadonlyArray<{ instancePath: string; message?: string }>): string {
  return validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'query'}: ${v.message ?? 'is invalid'}`).join('; ');
}

export const callbackRoutes: FastifyPluginAsyncZod<SigninRouteDependencies> = async (app, deps) => {
  const returnTo = (result: Record<string, string | undefined>) => {
    const url = new URL(deps.signin.returnUrl);
    for (const [name, value] of Object.entries(result)) if (value !== undefined) url.searchParams.set(name, value);
    return url.toString();
  };

  app.get(
    CALLBACK_PATH,
    {
      schema: {
        operationId: 'finishProcoreSignin',
        summary: "Procore's redirect after the sign-in (the browser's, not an API client's)",
        description:
          'No bearer token: the signed single-use state authorizes it. Always answers 303 to CONNECT_RETURN_URL with ' +
          '`result=connected` (and `corfix_account_id`, `integration_id`, `workflow_id`) or `result=refused` ' +
          '(and `reason`, `message` in words, and `corfix_account_id` when the state was genuine).',
        security: [],
        querystring: callbackQuery,
        response: { 303: z.null().describe('to CONNECT_RETURN_URL with the result') },
      },
      attachValidation: true,
      // The URL holds the code and the state: the request log keeps the path only.
      logSerializers: { req: (req: { method: string }) => ({ method: req.method, url: CALLBACK_PATH }) },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      if (request.validationError) {
        const message = `the sign-in came back malformed (${problemsOf(request.validationError.validation ?? [])}); start the connect again`;
        await appendAudit(deps.db, {
          integrationId: null,
          actor: 'procore_signin',
          action: 'connect_refused',
          details: { reason: 'invalid_callback' },
        });
        return reply.redirect(returnTo({ result: 'refused', reason: 'invalid_callback', message }), 303);
      }
      const q = request.query;
      const outcome = await finishSignin({ ...deps, logger: request.log }, deps.signin, {
        state: q.state,
        ...(q.code !== undefined ? { code: q.code } : {}),
        ...(q.error !== undefined ? { error: q.error } : {}),
      });
      if (!outcome.ok) {
        request.log.info({ reason: outcome.reason, corfixAccountId: outcome.corfixAccountId }, 'a connect through the Procore sign-in was refused');
        return reply.redirect(
          returnTo({ result: 'refused', reason: outcome.reason, message: outcome.message, corfix_account_id: outcome.corfixAccountId }),
          303,
        );
      }
      const i = outcome.integration;
      noteRequestIntegration(i.id);
      request.log.info({ integrationId: i.id, procoreUserId: outcome.user.id }, 'connected through the Procore sign-in');
      return reply.redirect(
        returnTo({ result: 'connected', corfix_account_id: i.corfixAccountId, integration_id: i.id, workflow_id: connectWorkflowId(i.id) }),
        303,
      );
    },
  );
};
