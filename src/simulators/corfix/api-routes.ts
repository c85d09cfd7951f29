// The public API of contracts/corfix-api.yaml: every path, with bearer tokens mapped to
// the accounts they may use, Idempotency-Key on creates and the worker status
// machine (enforced in state.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { renderFormPdf } from './pdf.js';
import type { FixedWindowRateLimit } from './rate-limit.js';
import { CorfixSimError, type CorfixState } from './state.js';
import {
  idempotencyKeySchema,
  listQuerySchema,
  parseInput,
  projectFilterSchema,
  projectInputSchema,
  projectPatchSchema,
  workerCreateSchema,
  workerFilterSchema,
  workerPatchSchema,
} from './validation.js';

export interface ApiContext {
  state: CorfixState;
  /** bearer token -> the account ids it may use */
  tokens: Map<string, Set<string>>;
  rateLimit: FixedWindowRateLimit;
}

type AccountParams = { account_id: string };
type Req<P = AccountParams> = FastifyRequest<{ Params: P }>;

export function registerApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const { state } = ctx;

  app.register(async (api) => {
    api.addHook('onRequest', async (request, reply) => {
      const token = bearerToken(request.headers.authorization);
      const allowed = token === undefined ? undefined : ctx.tokens.get(token);
      if (!allowed) {
        return sendError(reply, new CorfixSimError(401, 'unauthorized', 'a valid bearer token is required'));
      }
      const accountId = (request.params as Partial<AccountParams>).account_id;
      if (accountId !== undefined && !allowed.has(accountId)) {
        return sendError(reply, new CorfixSimError(403, 'forbidden', `this token may not use account ${accountId}`));
      }
      const waitSeconds = ctx.rateLimit.take(state.nowMs());
      if (waitSeconds !== null) {
        reply.header('retry-after', String(waitSeconds));
        return sendError(reply, new CorfixSimError(429, 'rate_limited', `too many requests; try again in ${waitSeconds} s`));
      }
      return undefined;
    });

    api.get('/v1/accounts/:account_id', async (request: Req) => state.getAccount(request.params.account_id));

    // ---- projects --------------------------------------------------------

    api.get('/v1/accounts/:account_id/projects', async (request: Req) => {
      const query = request.query;
      return state.listProjects(
        request.params.account_id,
        parseInput(projectFilterSchema, query, 'query'),
        parseInput(listQuerySchema, query, 'query'),
      );
    });

    api.post('/v1/accounts/:account_id/projects', async (request: Req, reply) =>
      createOnce(state, request, reply, () => ({
        status: 201,
        body: state.createProject(request.params.account_id, stripUndefined(parseInput(projectInputSchema, request.body))),
      })),
    );

    api.get('/v1/accounts/:account_id/projects/:project_id', async (request: Req<AccountParams & { project_id: string }>) =>
      state.getProject(request.params.account_id, request.params.project_id),
    );

    api.patch(
      '/v1/accounts/:account_id/projects/:project_id',
      async (request: Req<AccountParams & { project_id: string }>) =>
        state.updateProject(
          request.params.account_id,
          request.params.project_id,
          stripUndefined(parseInput(projectPatchSchema, request.body)),
        ),
    );

    // ---- workers ---------------------------------------------------------

    api.get('/v1/accounts/:account_id/workers', async (request: Req) => {
      const query = request.query;
      return state.listWorkers(
        request.params.account_id,
        parseInput(workerFilterSchema, query, 'query'),
        parseInput(listQuerySchema, query, 'query'),
      );
    });

    api.post('/v1/accounts/:account_id/workers', async (request: Req, reply) =>
      createOnce(state, request, reply, () => {
        const { activate, ...fields } = parseInput(workerCreateSchema, request.body);
        return { status: 201, body: state.createWorker(request.params.account_id, stripUndefined(fields), activate ?? false) };
      }),
    );

    type WorkerParams = AccountParams & { worker_id: string };
    api.get('/v1/accounts/:account_id/workers/:worker_id', async (request: Req<WorkerParams>) =>
      state.getWorker(request.params.account_id, request.params.worker_id),
    );

    api.patch('/v1/accounts/:account_id/workers/:worker_id', async (request: Req<WorkerParams>) => {
      if (isObject(request.body) && 'status' in request.body) {
        throw new CorfixSimError(400, 'invalid_input', 'status: cannot be changed with PATCH; use activate, block or unblock');
      }
      return state.updateWorker(
        request.params.account_id,
        request.params.worker_id,
        stripUndefined(parseInput(workerPatchSchema, request.body)),
      );
    });

    api.post('/v1/accounts/:account_id/workers/:worker_id/activate', async (request: Req<WorkerParams>) =>
      state.activateWorker(request.params.account_id, request.params.worker_id),
    );
    api.post('/v1/accounts/:account_id/workers/:worker_id/block', async (request: Req<WorkerParams>) =>
      state.blockWorker(request.params.account_id, request.params.worker_id),
    );
    api.post('/v1/accounts/:account_id/workers/:worker_id/unblock', async (request: Req<WorkerParams>) =>
      state.unblockWorker(request.params.account_id, request.params.worker_id),
    );

    // ---- forms -----------------------------------------------------------

    type FormParams = AccountParams & { form_id: string };
    api.get('/v1/accounts/:account_id/forms/:form_id', async (request: Req<FormParams>) =>
      state.getForm(request.params.account_id, request.params.form_id),
    );

    api.get('/v1/accounts/:account_id/forms/:form_id/pdf', async (request: Req<FormParams>, reply) => {
      const form = state.getForm(request.params.account_id, request.params.form_id);
      if (form.status !== 'completed') {
        throw new CorfixSimError(409, 'form_not_completed', `form ${form.id} is a draft; only completed forms have a PDF`);
      }
      const project = state.getProject(form.account_id, form.project_id);
      const bytes = await renderFormPdf(form, project.name);
      return reply
        .header('content-type', 'application/pdf')
        .header('corfix-form-revision', String(form.revision))
        .send(Buffer.from(bytes));
    });
  });
}

/**
 * Runs a create under the contract's idempotency rule: the first non-5xx
 * answer to a key (per account, 24 h) is replayed for the same request, and
 * the key cannot be reused for another one. Requests stopped before reaching
 * the endpoint (401, 403, 429, injected faults) never touch the key.
 */
async function createOnce(
  state: CorfixState,
  request: Req,
  reply: FastifyReply,
  run: () => { status: number; body: unknown },
): Promise<FastifyReply> {
  const accountId = request.params.account_id;
  const header = request.headers['idempotency-key'];
  const key =
    header === undefined
      ? undefined
      : parseInput(idempotencyKeySchema, Array.isArray(header) ? header[0] : header, 'Idempotency-Key header');
  const path = request.url.split('?')[0] ?? request.url;
  const fingerprint = canonicalJson(request.body);

  if (key !== undefined) {
    const stored = state.recallAnswer(accountId, key);
    if (stored) {
      if (stored.method !== request.method || stored.path !== path || stored.fingerprint !== fingerprint) {
        throw new CorfixSimError(409, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
      }
      return reply.code(stored.status).send(stored.body);
    }
  }

  let answer: { status: number; body: unknown };
  try {
    answer = run();
  } catch (err) {
    if (!(err instanceof CorfixSimError)) throw err;
    answer = { status: err.status, body: err.body() };
  }
  if (key !== undefined && answer.status < 500) {
    state.rememberAnswer(accountId, key, { method: request.method, path, fingerprint, ...answer });
  }
  return reply.code(answer.status).send(answer.body);
}

export function sendError(reply: FastifyReply, error: CorfixSimError): FastifyReply {
  return reply.code(error.status).send(error.body());
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** The same JSON whatever the order of its keys, so that a re-serialised retry matches. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod leaves absent optional fields as undefined keys; the state treats absent and undefined alike, but not null. */
function stripUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
