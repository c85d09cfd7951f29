// The Corfix API as the service uses it: one method an endpoint, each saying
// what to call and whether the call may be repeated. How a call is sent,
// repeated and classified is in transport.ts; list paging in pagination.ts.
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
import { InvalidResponseError, type ApiErrorDetails } from '../http/errors.js';
import { CorfixIllegalTransitionError, CorfixRequestRejectedError } from './errors.js';
import { CORFIX_MAX_PER_PAGE, collect, onlyOne, pages } from './pagination.js';
import {
  accountSchema,
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
import { CorfixTransport, type CorfixClientOptions } from './transport.js';

export { CORFIX_MAX_PER_PAGE } from './pagination.js';
export type { CorfixClientLogger, CorfixClientOptions, CorfixRetrySettings } from './transport.js';

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

type Transition = 'activate' | 'block' | 'unblock';

const TRANSITION_REACHED: Record<Transition, (status: WorkerStatus) => boolean> = {
  // Activation leads to pending_email_verification or active_for_kiosk, and
  // the former becomes active once the worker follows the emailed link.
  activate: (s) => s === 'pending_email_verification' || s === 'active_for_kiosk' || s === 'active',
  block: (s) => s === 'blocked',
  unblock: (s) => s !== 'blocked',
};

export class CorfixClient {
  readonly #transport: CorfixTransport;

  constructor(options: CorfixClientOptions) {
    this.#transport = new CorfixTransport(options);
  }

  // ---- account -----------------------------------------------------------

  /** The account; also the way to check that the token may use it. */
  async getAccount(accountId: string): Promise<CorfixAccount> {
    return this.#transport.call({ method: 'GET', path: accountPath(accountId), repeatable: true, schema: accountSchema });
  }

  // ---- projects ----------------------------------------------------------

  async listProjects(accountId: string, filter: ProjectFilter & PageRequest = {}): Promise<CorfixPage<CorfixProject>> {
    return this.#transport.call({
      method: 'GET',
      path: `${accountPath(accountId)}/projects`,
      searchParams: definedParams(filter),
      repeatable: true,
      schema: listSchema(projectSchema),
    });
  }

  /** Every page of projects matching `filter`, 500 at a time, from page `first`. */
  projectPages(accountId: string, filter: ProjectFilter = {}, first = 1): AsyncGenerator<CorfixPage<CorfixProject>> {
    return pages((page) => this.listProjects(accountId, { ...filter, page, per_page: CORFIX_MAX_PER_PAGE }), first);
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
    return this.#transport.call({
      method: 'POST',
      path: `${accountPath(accountId)}/projects`,
      json: input,
      idempotencyKey: options.idempotencyKey,
      repeatable: options.idempotencyKey !== undefined,
      schema: projectSchema,
    });
  }

  async getProject(accountId: string, projectId: string): Promise<CorfixProject> {
    return this.#transport.call({ method: 'GET', path: projectPath(accountId, projectId), repeatable: true, schema: projectSchema });
  }

  /** Changes the given fields (status included); others stay as they are. */
  async updateProject(
    accountId: string,
    projectId: string,
    changes: Partial<CorfixProjectInput>,
  ): Promise<CorfixProject> {
    return this.#transport.call({
      method: 'PATCH',
      path: projectPath(accountId, projectId),
      json: changes,
      repeatable: true,
      schema: projectSchema,
    });
  }

  // ---- workers -----------------------------------------------------------

  async listWorkers(accountId: string, filter: WorkerFilter & PageRequest = {}): Promise<CorfixPage<CorfixWorker>> {
    return this.#transport.call({
      method: 'GET',
      path: `${accountPath(accountId)}/workers`,
      searchParams: definedParams(filter),
      repeatable: true,
      schema: listSchema(workerSchema),
    });
  }

  /** Every page of workers matching `filter`, 500 at a time, from page `first`. */
  workerPages(accountId: string, filter: WorkerFilter = {}, first = 1): AsyncGenerator<CorfixPage<CorfixWorker>> {
    return pages((page) => this.listWorkers(accountId, { ...filter, page, per_page: CORFIX_MAX_PER_PAGE }), first);
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
    return this.#transport.call({
      method: 'POST',
      path: `${accountPath(accountId)}/workers`,
      json: { ...input, activate: options.activate ?? false },
      idempotencyKey: options.idempotencyKey,
      repeatable: options.idempotencyKey !== undefined,
      schema: workerSchema,
    });
  }

  async getWorker(accountId: string, workerId: string): Promise<CorfixWorker> {
    return this.#transport.call({ method: 'GET', path: workerPath(accountId, workerId), repeatable: true, schema: workerSchema });
  }

  /** Changes the given fields; the status moves only through activate/block/unblock. */
  async updateWorker(
    accountId: string,
    workerId: string,
    changes: Partial<CorfixWorkerInput>,
  ): Promise<CorfixWorker> {
    return this.#transport.call({
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
    return this.#transport.call({ method: 'GET', path: formPath(accountId, formId), repeatable: true, schema: formSchema });
  }

  /** The completed form as PDF at its current revision; a draft is 409 `form_not_completed`. */
  async getFormPdf(accountId: string, formId: string): Promise<CorfixFormPdf> {
    const path = `${formPath(accountId, formId)}/pdf`;
    const operation = `GET ${path}`;
    const response = await this.#transport.send({ method: 'GET', path, repeatable: true }, { accept: 'application/pdf' });
    const details: ApiErrorDetails = { api: 'Corfix', operation, status: response.statusCode };
    const contentType = String(response.headers['content-type'] ?? '');
    if (!contentType.toLowerCase().startsWith('application/pdf')) {
      throw new InvalidResponseError(details, 'header `Content-Type` is not application/pdf');
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

  // ---- worker transitions ------------------------------------------------

  async #transition(accountId: string, workerId: string, transition: Transition): Promise<CorfixWorker> {
    const path = `${workerPath(accountId, workerId)}/${transition}`;
    try {
      return await this.#transport.call({ method: 'POST', path, repeatable: true, schema: workerSchema });
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
}

function definedParams(values: object): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(values)) {
    if (typeof value === 'string' || typeof value === 'number') out[key] = value;
  }
  return out;
}

const seg = encodeURIComponent;
const accountPath = (accountId: string) => `/v1/accounts/${seg(accountId)}`;
const projectPath = (accountId: string, projectId: string) => `${accountPath(accountId)}/projects/${seg(projectId)}`;
const workerPath = (accountId: string, workerId: string) => `${accountPath(accountId)}/workers/${seg(workerId)}`;
const formPath = (accountId: string, formId: string) => `${accountPath(accountId)}/forms/${seg(formId)}`;
