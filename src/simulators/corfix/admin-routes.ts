// The simulator's admin API under /__admin (see README.md beside this file):
// what a Corfix operator or a worker would do in Corfix's own UI, plus the
// knobs tests turn (webhook behaviour, rate limit). Faults and request counts
// come from the common kit. No authentication: it is a test double.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ADMIN_PREFIX } from '../common/faults.js';
import type { FixedWindowRateLimit } from './rate-limit.js';
import type { CorfixState } from './state.js';
import {
  adminAccountSchema,
  adminFormBulkSchema,
  adminFormEditSchema,
  adminFormSchema,
  adminProjectSchema,
  adminRateLimitSchema,
  adminRefusalSchema,
  adminTokenSchema,
  adminWebhookModeSchema,
  adminWebhookUrlSchema,
  adminWorkerPatchSchema,
  adminWorkerSchema,
  parseInput,
  projectPatchSchema,
} from './validation.js';
import type { WebhookDispatcher } from './webhooks.js';

export interface AdminContext {
  state: CorfixState;
  tokens: Map<string, Set<string>>;
  rateLimit: FixedWindowRateLimit;
  webhooks: WebhookDispatcher;
}

type P<T> = FastifyRequest<{ Params: T }>;
type Acc = { account_id: string };

export function registerAdminRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const { state, webhooks } = ctx;
  const A = ADMIN_PREFIX;

  app.get(`${A}/state`, async () => ({
    ...state.snapshot(),
    tokens: Object.fromEntries([...ctx.tokens].map(([token, accounts]) => [tokenLabel(token), [...accounts]])),
    rate_limit: ctx.rateLimit.current(),
    webhooks: { mode: webhooks.getMode(), held: webhooks.heldCount(), deliveries: webhooks.deliveries.length },
  }));

  app.post(`${A}/reset`, async () => {
    state.reset();
    ctx.rateLimit.clear();
    return { reset: true };
  });

  app.post(`${A}/tokens`, async (request, reply) => {
    const body = parseInput(adminTokenSchema, request.body);
    ctx.tokens.set(body.token, new Set(body.account_ids));
    return reply.code(201).send({ token: tokenLabel(body.token), account_ids: body.account_ids });
  });

  app.post(`${A}/accounts`, async (request, reply) =>
    reply.code(201).send(state.addAccount(parseInput(adminAccountSchema, request.body))),
  );

  // ---- projects and workers, as they already are in Corfix ---------------

  app.post(`${A}/accounts/:account_id/projects`, async (request: P<Acc>, reply) => {
    const { id, created_at, updated_at, ...fields } = parseInput(adminProjectSchema, request.body);
    return reply.code(201).send(state.createProject(request.params.account_id, fields, { id, created_at, updated_at }));
  });

  app.patch(`${A}/accounts/:account_id/projects/:project_id`, async (request: P<Acc & { project_id: string }>) =>
    state.updateProject(request.params.account_id, request.params.project_id, parseInput(projectPatchSchema, request.body)),
  );

  app.post(`${A}/accounts/:account_id/workers`, async (request: P<Acc>, reply) =>
    reply.code(201).send(state.seedWorker(request.params.account_id, parseInput(adminWorkerSchema, request.body))),
  );

  // A look at one worker without going through the API (no token, no injected latency, not counted).
  app.get(`${A}/accounts/:account_id/workers/:worker_id`, async (request: P<Acc & { worker_id: string }>) =>
    state.getWorker(request.params.account_id, request.params.worker_id),
  );

  app.patch(`${A}/accounts/:account_id/workers/:worker_id`, async (request: P<Acc & { worker_id: string }>) => {
    const { status, status_before_block, ...fields } = parseInput(adminWorkerPatchSchema, request.body);
    const { account_id, worker_id } = request.params;
    const updated = state.updateWorker(account_id, worker_id, fields);
    return status === undefined ? updated : state.forceWorkerStatus(account_id, worker_id, status, status_before_block);
  });

  app.post(`${A}/accounts/:account_id/workers/:worker_id/verify-email`, async (request: P<Acc & { worker_id: string }>) =>
    state.verifyWorkerEmail(request.params.account_id, request.params.worker_id),
  );

  // ---- forms ---------------------------------------------------------------

  app.post(`${A}/accounts/:account_id/forms`, async (request: P<Acc>, reply) =>
    reply.code(201).send(state.createForm(request.params.account_id, parseInput(adminFormSchema, request.body))),
  );

  // Many forms in one call, created one after another in one go: a burst that no HTTP round trips spread out.
  app.post(`${A}/accounts/:account_id/forms/bulk`, async (request: P<Acc>, reply) => {
    const { forms } = parseInput(adminFormBulkSchema, request.body);
    // All or nothing for the usual mistake: every project is checked before the first form is made.
    for (const form of forms) state.getProject(request.params.account_id, form.project_id);
    return reply.code(201).send({ forms: forms.map((form) => state.createForm(request.params.account_id, form)) });
  });

  app.post(`${A}/accounts/:account_id/forms/:form_id/complete`, async (request: P<Acc & { form_id: string }>) =>
    state.completeForm(request.params.account_id, request.params.form_id),
  );

  app.post(`${A}/accounts/:account_id/forms/:form_id/edit`, async (request: P<Acc & { form_id: string }>) =>
    state.editForm(
      request.params.account_id,
      request.params.form_id,
      parseInput(adminFormEditSchema, request.body ?? {}),
    ),
  );

  // ---- webhooks --------------------------------------------------------------

  app.put(`${A}/accounts/:account_id/webhook`, async (request: P<Acc>) => {
    state.getAccount(request.params.account_id);
    const { url } = parseInput(adminWebhookUrlSchema, request.body);
    state.webhookUrls.set(request.params.account_id, url);
    return { account_id: request.params.account_id, url };
  });

  app.delete(`${A}/accounts/:account_id/webhook`, async (request: P<Acc>) => {
    state.webhookUrls.delete(request.params.account_id);
    return { account_id: request.params.account_id, url: null };
  });

  app.get(`${A}/webhooks`, async () => ({
    mode: webhooks.getMode(),
    held: webhooks.heldCount(),
    deliveries: webhooks.deliveries,
  }));

  app.put(`${A}/webhooks/mode`, async (request) => webhooks.setMode(parseInput(adminWebhookModeSchema, request.body)));

  app.post(`${A}/webhooks/release`, async () => ({ released: webhooks.release() }));

  // ---- refusals of one record -------------------------------------------------

  app.post(`${A}/accounts/:account_id/refusals`, async (request: P<Acc>, reply) => {
    const body = parseInput(adminRefusalSchema, request.body);
    state.getAccount(request.params.account_id);
    state.plantRefusal(request.params.account_id, body.external_ref, { status: body.status, code: body.code });
    return reply.code(201).send(body);
  });

  // ---- rate limit ------------------------------------------------------------

  app.put(`${A}/rate-limit`, async (request) => {
    ctx.rateLimit.set(parseInput(adminRateLimitSchema, request.body));
    return { rate_limit: ctx.rateLimit.current() };
  });

  app.delete(`${A}/rate-limit`, async () => {
    ctx.rateLimit.clear();
    return { rate_limit: null };
  });
}

/** Tokens are shown by their last four characters only, even by a simulator. */
function tokenLabel(token: string): string {
  return token.length <= 4 ? '****' : `****${token.slice(-4)}`;
}
