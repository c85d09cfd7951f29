// The one place that talks HTTP to Corfix. Every answer is classified here,
// once: callers see a parsed record or one of the typed errors, and only decide
// "retry later (and when)" or "stop and say why".
//
// Retries inside the client are short and bounded, and only for calls whose
// repetition cannot do anything twice:
// - GET and PATCH (a PATCH sets fields to values; sending it again sets the same);
// - POST creates that carry an Idempotency-Key (Corfix does not remember a 5xx
//   answer, and replays any other first answer for the same key);
// - the worker transitions activate/block/unblock. A transition cannot apply
//   twice: a repeat after one that landed is a 422 `illegal_transition`,
//   because the worker has left the state the transition starts from. The
//   client then reads the worker and throws CorfixIllegalTransitionError with
//   `alreadyInTargetState`, so the caller tells "it is where I wanted it"
//   from a real conflict, whether the repeat was the client's or an activity's.
// A create without an Idempotency-Key is never repeated here: a lost answer
// would leave it unknown whether Corfix created the record.
import got, { RequestError, type Got, type Response } from 'got';
import type { z } from 'zod';
import {
  InvalidResponseError,
  RateLimitedError,
  UnavailableError,
  type ApiErrorDetails,
} from '../http/errors.js';
import {
  CorfixAccessDeniedError,
  CorfixIllegalTransitionError,
  CorfixNotFoundError,
  CorfixRequestRejectedError,
  type CorfixRejectionDetails,
} from './errors.js';
import {
  accountSchema,
  describeIssues,
  errorBodySchema,
  formSchema,
  listSchema,
  projectSchema,
  workerSchema,
  type CorfixAccount,
  type CorfixForm,
  type CorfixPage,
  type CorfixProject,
  type CorfixProjectInput,
  type CorfixWorker,
  type CorfixWorkerInput,
  type WorkerStatus,
} from './schemas.js';

/** Structurally a subset of pino's Logger. */
export interface CorfixClientLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CorfixRetrySettings {
  /** attempts in all, the first included (default 3) */
  attempts?: number;
  /** delay before the first repeat; doubles each time (default 250 ms) */
  baseDelayMs?: number;
  /** cap of one delay (default 2000 ms) */
  maxDelayMs?: number;
}

export interface CorfixClientOptions {
  /** e.g. http://127.0.0.1:4020; paths of the contract hang off it */
  baseUrl: string;
  token: string;
  logger?: CorfixClientLogger;
  retry?: CorfixRetrySettings;
  /** per attempt (default 30 s) */
  timeoutMs?: number;
  /** the got instance to build on (custom agents, proxies, observing responses) */
  got?: Got;
}

export interface ProjectFilter {
  project_number?: string;
  /** exact, case-insensitive */
  name?: string;
  external_ref?: string;
}

export interface WorkerFilter {
  /** exact, case-insensitive */
  email?: string;
  external_ref?: string;
  status?: WorkerStatus;
}

export interface PageRequest {
  page?: number;
  /** Corfix clamps values above 500 */
  per_page?: number;
}

export interface CreateOptions {
  /** makes the create safe to repeat (and lets the client repeat it on a 5xx) */
  idempotencyKey?: string;
}

export interface CreateWorkerOptions extends CreateOptions {
  /** invite the worker at once (default false: pending_account_activation) */
  activate?: boolean;
}

export interface CorfixFormPdf {
  bytes: Buffer;
  /** the form revision the PDF shows (Corfix-Form-Revision) */
  revision: number;
}

/** The largest page Corfix serves. */
export const CORFIX_MAX_PER_PAGE = 500;

/** Used for a 429 that came without Retry-After, which the contract does not foresee. */
const DEFAULT_RATE_LIMIT_DELAY_MS = 5_000;

type Transition = 'activate' | 'block' | 'unblock';

const TRANSITION_REACHED: Record<Transition, (status: WorkerStatus) => boolean> = {
  // Activation leads to pending_email_verification or active_for_kiosk, and
  // the former becomes active once the worker follows the emailed link.
  activate: (s) => s === 'pending_email_verification' || s === 'active_for_kiosk' || s === 'active',
  block: (s) => s === 'blocked',
  unblock: (s) => s !== 'blocked',
};

interface CallSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  searchParams?: Record<string, string | number>;
  json?: unknown;
  idempotencyKey?: string;
  /** may the client repeat this call on a network error or 5xx */
  repeatable: boolean;
  schema: S;
}

export class CorfixClient {
  readonly #http: Got;
  readonly #logger: CorfixClientLogger | undefined;
  readonly #attempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;

  constructor(options: CorfixClientOptions) {
    const baseUrl = new URL(options.baseUrl);
    if (!options.token) throw new Error('CorfixClient needs an API token');
    this.#logger = options.logger;
    this.#attempts = Math.max(1, Math.floor(options.retry?.attempts ?? 3));
    this.#baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 250);
    this.#maxDelayMs = Math.max(this.#baseDelayMs, options.retry?.maxDelayMs ?? 2_000);
    // The token lives only inside the got instance's headers, which no error
    // message or log line built here ever prints.
    this.#http = (options.got ?? got).extend({
      prefixUrl: baseUrl.href.endsWith('/') ? baseUrl.href : `${baseUrl.href}/`,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
      responseType: 'buffer',
      throwHttpErrors: false,
      retry: { limit: 0 },
      followRedirect: false,
      timeout: { request: options.timeoutMs ?? 30_000 },
    });
  }

  // ---- account -----------------------------------------------------------

  /** The account; also the way to check that the token may use it. */
  async getAccount(accountId: string): Promise<CorfixAccount> {
    return this.#call({ method: 'GET', path: accountPath(accountId), repeatable: true, schema: accountSchema });
  }

  // ---- projects ----------------------------------------------------------

  async listProjects(accountId: string, filter: ProjectFilter & PageRequest = {}): Promise<CorfixPage<CorfixProject>> {
    return this.#call({
      method: 'GET',
      path: `${accountPath(accountId)}/projects`,
      searchParams: definedParams(filter),
      repeatable: true,
      schema: listSchema(projectSchema),
    });
  }

  /** Every page of projects matching `filter`, 500 at a time. */
  projectPages(accountId: string, filter: ProjectFilter = {}): AsyncGenerator<CorfixPage<CorfixProject>> {
    return pages((page) => this.listProjects(accountId, { ...filter, page, per_page: CORFIX_MAX_PER_PAGE }));
  }

  /** The project this integration tagged with `externalRef`, if any (the ref is unique per account). */
  async findProjectByExternalRef(accountId: string, externalRef: string): Promise<CorfixProject | null> {
    const found = await collect(this.projectPages(accountId, { external_ref: externalRef }));
    return onlyOne(
      found.filter((p) => p.external_ref === externalRef),
      `GET ${accountPath(accountId)}/projects`,
      'projects share one external_ref',
    );
  }

  /** Projects with this project number (numbers are not unique in Corfix). */
  async findProjectsByNumber(accountId: string, projectNumber: string): Promise<CorfixProject[]> {
    const found = await collect(this.projectPages(accountId, { project_number: projectNumber }));
    return found.filter((p) => p.project_number === projectNumber);
  }

  /** Projects with this name, compared case-insensitively as Corfix does. */
  async findProjectsByName(accountId: string, name: string): Promise<CorfixProject[]> {
    const found = await collect(this.projectPages(accountId, { name }));
    const wanted = name.toLowerCase();
    return found.filter((p) => p.name.toLowerCase() === wanted);
  }

  async createProject(accountId: string, input: CorfixProjectInput, options: CreateOptions = {}): Promise<CorfixProject> {
    return this.#call({
      method: 'POST',
      path: `${accountPath(accountId)}/projects`,
      json: input,
      idempotencyKey: options.idempotencyKey,
      repeatable: options.idempotencyKey !== undefined,
      schema: projectSchema,
    });
  }

  async getProject(accountId: string, projectId: string): Promise<CorfixProject> {
    return this.#call({ method: 'GET', path: projectPath(accountId, projectId), repeatable: true, schema: projectSchema });
  }

  /** Changes the given fields (status included); others stay as they are. */
  async updateProject(
    accountId: string,
    projectId: string,
    changes: Partial<CorfixProjectInput>,
  ): Promise<CorfixProject> {
    return this.#call({
      method: 'PATCH',
      path: projectPath(accountId, projectId),
      json: changes,
      repeatable: true,
      schema: projectSchema,
    });
  }

  // ---- workers -----------------------------------------------------------

  async listWorkers(accountId: string, filter: WorkerFilter & PageRequest = {}): Promise<CorfixPage<CorfixWorker>> {
    return this.#call({
      method: 'GET',
      path: `${accountPath(accountId)}/workers`,
      searchParams: definedParams(filter),
      repeatable: true,
      schema: listSchema(workerSchema),
    });
  }

  /** Every page of workers matching `filter`, 500 at a time. */
  workerPages(accountId: string, filter: WorkerFilter = {}): AsyncGenerator<CorfixPage<CorfixWorker>> {
    return pages((page) => this.listWorkers(accountId, { ...filter, page, per_page: CORFIX_MAX_PER_PAGE }));
  }

  /** The worker with this email, compared case-insensitively (emails are unique per account). */
  async findWorkerByEmail(accountId: string, email: string): Promise<CorfixWorker | null> {
    const found = await collect(this.workerPages(accountId, { email }));
    const wanted = email.toLowerCase();
    return onlyOne(
      found.filter((w) => w.email?.toLowerCase() === wanted),
      `GET ${accountPath(accountId)}/workers`,
      'workers share one email',
    );
  }

  /** The worker this integration tagged with `externalRef`, if any. */
  async findWorkerByExternalRef(accountId: string, externalRef: string): Promise<CorfixWorker | null> {
    const found = await collect(this.workerPages(accountId, { external_ref: externalRef }));
    return onlyOne(
      found.filter((w) => w.external_ref === externalRef),
      `GET ${accountPath(accountId)}/workers`,
      'workers share one external_ref',
    );
  }

  async createWorker(
    accountId: string,
    input: CorfixWorkerInput,
    options: CreateWorkerOptions = {},
  ): Promise<CorfixWorker> {
    return this.#call({
      method: 'POST',
      path: `${accountPath(accountId)}/workers`,
      json: { ...input, activate: options.activate ?? false },
      idempotencyKey: options.idempotencyKey,
      repeatable: options.idempotencyKey !== undefined,
      schema: workerSchema,
    });
  }

  async getWorker(accountId: string, workerId: string): Promise<CorfixWorker> {
    return this.#call({ method: 'GET', path: workerPath(accountId, workerId), repeatable: true, schema: workerSchema });
  }

  /** Changes the given fields; the status moves only through activate/block/unblock. */
  async updateWorker(
    accountId: string,
    workerId: string,
    changes: Partial<CorfixWorkerInput>,
  ): Promise<CorfixWorker> {
    return this.#call({
      method: 'PATCH',
      path: workerPath(accountId, workerId),
      json: changes,
      repeatable: true,
      schema: workerSchema,
    });
  }

  /** pending_account_activation -> pending_email_verification (has an email) | active_for_kiosk. */
  activateWorker(accountId: string, workerId: string): Promise<CorfixWorker> {
    return this.#transition(accountId, workerId, 'activate');
  }

  /** active | active_for_kiosk | pending_email_verification -> blocked. */
  blockWorker(accountId: string, workerId: string): Promise<CorfixWorker> {
    return this.#transition(accountId, workerId, 'block');
  }

  /** blocked -> the status the worker had before the block. */
  unblockWorker(accountId: string, workerId: string): Promise<CorfixWorker> {
    return this.#transition(accountId, workerId, 'unblock');
  }

  // ---- forms -------------------------------------------------------------

  async getForm(accountId: string, formId: string): Promise<CorfixForm> {
    return this.#call({ method: 'GET', path: formPath(accountId, formId), repeatable: true, schema: formSchema });
  }

  /** The completed form as PDF at its current revision; a draft is 409 `form_not_completed`. */
  async getFormPdf(accountId: string, formId: string): Promise<CorfixFormPdf> {
    const path = `${formPath(accountId, formId)}/pdf`;
    const operation = `GET ${path}`;
    const response = await this.#send({ method: 'GET', path, repeatable: true }, { accept: 'application/pdf' });
    const details: ApiErrorDetails = { api: 'Corfix', operation, status: response.statusCode };
    const contentType = String(response.headers['content-type'] ?? '');
    if (!contentType.toLowerCase().startsWith('application/pdf')) {
      throw new InvalidResponseError(details, `header \`Content-Type\` is "${contentType}", expected application/pdf`);
    }
    const revisionHeader = response.headers['corfix-form-revision'];
    const revision = typeof revisionHeader === 'string' && /^\d+$/.test(revisionHeader) ? Number(revisionHeader) : NaN;
    if (!Number.isSafeInteger(revision) || revision < 1) {
      throw new InvalidResponseError(details, 'header `Corfix-Form-Revision` is missing or not a positive integer');
    }
    if (response.body.subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new InvalidResponseError(details, 'the body does not start with %PDF-');
    }
    return { bytes: response.body, revision };
  }

  // ---- plumbing ----------------------------------------------------------

  async #transition(accountId: string, workerId: string, transition: Transition): Promise<CorfixWorker> {
    const path = `${workerPath(accountId, workerId)}/${transition}`;
    try {
      return await this.#call({ method: 'POST', path, repeatable: true, schema: workerSchema });
    } catch (err) {
      if (!(err instanceof CorfixRequestRejectedError) || err.code !== 'illegal_transition') throw err;
      const worker = await this.getWorker(accountId, workerId);
      throw new CorfixIllegalTransitionError(
        { operation: err.operation, status: err.status ?? 422, serverCode: err.serverCode },
        `${transition} is not allowed from the worker's status`,
        worker,
        TRANSITION_REACHED[transition](worker.status),
      );
    }
  }

  async #call<S extends z.ZodType>(spec: CallSpec<S>): Promise<z.output<S>> {
    const response = await this.#send(spec);
    const operation = `${spec.method} ${spec.path}`;
    const details: ApiErrorDetails = { api: 'Corfix', operation, status: response.statusCode };
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new InvalidResponseError(details, 'the body is not JSON');
    }
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) throw new InvalidResponseError(details, describeIssues(parsed.error));
    return parsed.data;
  }

  /**
   * Sends the call, repeating it on a network error or a 5xx (without
   * Retry-After) when `repeatable`, and returns a 2xx response; anything
   * else becomes the typed error.
   */
  async #send(
    spec: Omit<CallSpec<z.ZodType>, 'schema'>,
    extraHeaders: Record<string, string> = {},
  ): Promise<Response<Buffer>> {
    const operation = `${spec.method} ${spec.path}`;
    const attempts = spec.repeatable ? this.#attempts : 1;
    const headers: Record<string, string> = { ...extraHeaders };
    if (spec.idempotencyKey !== undefined) headers['idempotency-key'] = spec.idempotencyKey;

    for (let attempt = 1; ; attempt += 1) {
      const last = attempt >= attempts;
      let response: Response<Buffer>;
      try {
        response = await this.#http(spec.path.replace(/^\//, ''), {
          method: spec.method,
          headers,
          searchParams: spec.searchParams,
          json: spec.json,
          responseType: 'buffer',
        });
      } catch (err) {
        if (!(err instanceof RequestError)) throw err;
        const cause = `network error ${err.code || err.name}`;
        if (last) throw new UnavailableError({ api: 'Corfix', operation }, cause);
        await this.#pause(attempt, operation, cause);
        continue;
      }

      const status = response.statusCode;
      this.#logger?.debug({ api: 'Corfix', operation, status, attempt }, `Corfix ${operation} answered ${status}`);
      if (status >= 200 && status < 300) return response;

      const { serverCode, serverMessage } = readErrorBody(response.body);
      const details: ApiErrorDetails = { api: 'Corfix', operation, status, code: serverCode };
      const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      if (status === 429) {
        throw new RateLimitedError(details, retryAfterMs ?? DEFAULT_RATE_LIMIT_DELAY_MS);
      }
      if (status === 503 && retryAfterMs !== undefined) {
        throw new RateLimitedError(details, retryAfterMs);
      }
      if (status >= 500) {
        const cause = `answered ${status}`;
        if (last) throw new UnavailableError(details, cause);
        await this.#pause(attempt, operation, cause);
        continue;
      }
      const reason = serverMessage === undefined ? `status ${status}` : truncate(serverMessage, 300);
      const rejectionDetails: CorfixRejectionDetails = { operation, status, serverCode };
      if (status === 401 || status === 403) throw new CorfixAccessDeniedError(rejectionDetails, reason);
      if (status === 404) throw new CorfixNotFoundError(rejectionDetails, reason);
      throw new CorfixRequestRejectedError(rejectionDetails, reason);
    }
  }

  async #pause(attempt: number, operation: string, cause: string): Promise<void> {
    const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    // Half fixed, half random: spreads out clients that failed together.
    const delayMs = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    this.#logger?.warn({ api: 'Corfix', operation, attempt, delayMs }, `Corfix ${operation} ${cause}; trying again`);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

/** The contract's `{ error: { code, message } }`, when the body is that. */
function readErrorBody(rawBody: Buffer): { serverCode?: string; serverMessage?: string } {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(rawBody.toString('utf8')));
    if (parsed.success) return { serverCode: parsed.data.error.code, serverMessage: parsed.data.error.message };
  } catch {
    // An error answer without the contract's body is still classified by its
    // status alone.
  }
  return {};
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

async function* pages<T>(fetchPage: (page: number) => Promise<CorfixPage<T>>): AsyncGenerator<CorfixPage<T>> {
  for (let page = 1; ; page += 1) {
    const current = await fetchPage(page);
    yield current;
    if (current.data.length === 0 || current.page * current.per_page >= current.total) return;
  }
}

async function collect<T>(source: AsyncGenerator<CorfixPage<T>>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of source) all.push(...page.data);
  return all;
}

function onlyOne<T>(found: T[], operation: string, problem: string): T | null {
  if (found.length > 1) {
    throw new InvalidResponseError({ api: 'Corfix', operation, status: 200 }, `${found.length} ${problem}, which the contract rules out`);
  }
  return found[0] ?? null;
}

function definedParams(values: object): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const seg = encodeURIComponent;
const accountPath = (accountId: string) => `/v1/accounts/${seg(accountId)}`;
const projectPath = (accountId: string, projectId: string) => `${accountPath(accountId)}/projects/${seg(projectId)}`;
const workerPath = (accountId: string, workerId: string) => `${accountPath(accountId)}/workers/${seg(workerId)}`;
const formPath = (accountId: string, formId: string) => `${accountPath(accountId)}/forms/${seg(formId)}`;
