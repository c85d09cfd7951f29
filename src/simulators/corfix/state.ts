// The Corfix simulator's memory: accounts, projects, workers, forms, the
// idempotency store and the webhook events. The rules of contracts/corfix-api.yaml that
// are about data (uniqueness, the worker status machine, form revisions) live
// here, so that the HTTP routes and the admin API (and tests holding this
// object) all go through the same checks.

export const WORKER_STATUSES = [
  'pending_account_activation',
  'pending_email_verification',
  'active',
  'active_for_kiosk',
  'blocked',
] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];
export const PROJECT_STATUSES = ['active', 'upcoming', 'completed'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

/** An answer in the contract's error format: `{ error: { code, message } }` with `status`. */
export class CorfixSimError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export interface AccountRecord {
  id: string;
  name: string;
}

export interface ProjectFields {
  name: string;
  project_number: string | null;
  private_description: string | null;
  public_info: string | null;
  street_address: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  zip: string | null;
  status: ProjectStatus;
  external_ref: string | null;
}
export type ProjectRecord = ProjectFields & { id: string; account_id: string; created_at: string; updated_at: string };

export interface WorkerFields {
  first_name: string;
  last_name: string;
  email: string | null;
  phone_number: string | null;
  employee_number: string | null;
  external_ref: string | null;
}
export type WorkerRecord = WorkerFields & {
  id: string;
  account_id: string;
  status: WorkerStatus;
  created_at: string;
  updated_at: string;
};

export interface FormRecord {
  id: string;
  account_id: string;
  project_id: string;
  template_name: string;
  status: 'draft' | 'completed';
  revision: number;
  form_date: string;
  completed_at: string | null;
  updated_at: string;
}

export interface FormEvent {
  event_id: string;
  event_type: 'form.completed' | 'form.updated';
  account_id: string;
  form_id: string;
  project_id: string;
  revision: number;
  occurred_at: string;
}

export interface StoredAnswer {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: unknown;
  storedAt: number;
}

export interface ListQuery {
  page: number;
  per_page: number;
}

export interface ListPage<T> {
  data: T[];
  page: number;
  per_page: number;
  total: number;
}

export const MAX_PER_PAGE = 500;
const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** All fields in the contract's order, absent ones as null. */
function projectFields(input: Partial<ProjectFields> & Pick<ProjectFields, 'name' | 'status'>): ProjectFields {
  return {
    name: input.name,
    project_number: input.project_number ?? null,
    private_description: input.private_description ?? null,
    public_info: input.public_info ?? null,
    street_address: input.street_address ?? null,
    city: input.city ?? null,
    state: input.state ?? null,
    country: input.country ?? null,
    zip: input.zip ?? null,
    status: input.status,
    external_ref: input.external_ref ?? null,
  };
}

export interface CorfixStateOptions {
  /** the simulator's clock (tests move it to expire idempotency keys) */
  clock?: () => Date;
}

export class CorfixState {
  readonly accounts = new Map<string, AccountRecord>();
  readonly projects = new Map<string, ProjectRecord>();
  readonly workers = new Map<string, WorkerRecord>();
  /**
   * Per account, a worker's email (lowered) and external_ref -> its id, as
   * Corfix's unique indexes would find them: a create checks them without
   * reading every worker (with 50,000 workers a scan per create would make
   * the simulator, not the service, what a bench measures).
   */
  private readonly workerIdByKey = new Map<string, string>();
  /** the status a blocked worker returns to on unblock */
  readonly statusBeforeBlock = new Map<string, WorkerStatus>();
  readonly forms = new Map<string, FormRecord>();
  /** every form event raised, in order, whether or not a webhook URL was set */
  readonly events: FormEvent[] = [];
  /** per account, where form events are POSTed */
  readonly webhookUrls = new Map<string, string>();
  readonly idempotency = new Map<string, StoredAnswer>();
  /** per account and external_ref: the refusal a create carrying that external_ref gets (a test plants it) */
  readonly plantedRefusals = new Map<string, { status: number; code: string }>();

  private readonly clock: () => Date;
  private lastTimestampMs = 0;
  private nextId = 1;
  private readonly eventListeners: Array<(event: FormEvent) => void> = [];

  constructor(options: CorfixStateOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The clock's time, never equal to or before a timestamp already handed out, so `updated_at` always moves. */
  timestamp(): string {
    const ms = Math.max(this.clock().getTime(), this.lastTimestampMs + 1);
    this.lastTimestampMs = ms;
    return new Date(ms).toISOString();
  }

  nowMs(): number {
    return this.clock().getTime();
  }

  onFormEvent(listener: (event: FormEvent) => void): void {
    this.eventListeners.push(listener);
  }

  reset(): void {
    this.accounts.clear();
    this.projects.clear();
    this.workers.clear();
    this.workerIdByKey.clear();
    this.statusBeforeBlock.clear();
    this.forms.clear();
    this.events.length = 0;
    this.webhookUrls.clear();
    this.idempotency.clear();
    this.plantedRefusals.clear();
  }

  /**
   * From now on, a create (project or worker) carrying `externalRef` in this
   * account is refused with `status` and `code`, as Corfix might refuse one
   * record for a reason of its own (an undocumented 409 or 422). It is an
   * answer of the endpoint, so its Idempotency-Key remembers it.
   */
  plantRefusal(accountId: string, externalRef: string, refusal: { status: number; code: string }): void {
    this.plantedRefusals.set(idempotencyId(accountId, externalRef), refusal);
  }

  private checkPlantedRefusal(accountId: string, externalRef: string | null | undefined): void {
    if (externalRef === null || externalRef === undefined) return;
    const refusal = this.plantedRefusals.get(idempotencyId(accountId, externalRef));
    if (refusal) throw new CorfixSimError(refusal.status, refusal.code, 'this record was refused (planted refusal)');
  }

  private newId(prefix: string): string {
    const id = `${prefix}_${String(this.nextId).padStart(6, '0')}`;
    this.nextId += 1;
    return id;
  }

  // ---- accounts ----------------------------------------------------------

  addAccount(input: { id?: string; name: string }): AccountRecord {
    const id = input.id ?? this.newId('acc');
    if (this.accounts.has(id)) throw new CorfixSimError(409, 'conflict', `account ${id} already exists`);
    const account = { id, name: input.name };
    this.accounts.set(id, account);
    return { ...account };
  }

  getAccount(accountId: string): AccountRecord {
    const account = this.accounts.get(accountId);
    if (!account) throw notFound('account', accountId);
    return { ...account };
  }

  // ---- projects ----------------------------------------------------------

  listProjects(
    accountId: string,
    filter: { project_number?: string; name?: string; external_ref?: string },
    query: ListQuery,
  ): ListPage<ProjectRecord> {
    this.getAccount(accountId);
    const name = filter.name?.toLowerCase();
    const matching = [...this.projects.values()].filter(
      (p) =>
        p.account_id === accountId &&
        (filter.project_number === undefined || p.project_number === filter.project_number) &&
        (name === undefined || p.name.toLowerCase() === name) &&
        (filter.external_ref === undefined || p.external_ref === filter.external_ref),
    );
    return paginate(matching, query);
  }

  getProject(accountId: string, projectId: string): ProjectRecord {
    const project = this.projects.get(projectId);
    if (!project || project.account_id !== accountId) throw notFound('project', projectId);
    return { ...project };
  }

  /**
   * A new project. `seed` lets the admin API place pre-existing records with
   * their own id and timestamps.
   */
  createProject(
    accountId: string,
    input: Partial<ProjectFields> & Pick<ProjectFields, 'name' | 'status'>,
    seed: { id?: string; created_at?: string; updated_at?: string } = {},
  ): ProjectRecord {
    this.getAccount(accountId);
    const fields = projectFields(input);
    this.checkPlantedRefusal(accountId, fields.external_ref);
    this.checkProjectExternalRef(accountId, fields.external_ref, null);
    const id = seed.id ?? this.newId('prj');
    if (this.projects.has(id)) throw new CorfixSimError(409, 'conflict', `project ${id} already exists`);
    const now = this.timestamp();
    const project: ProjectRecord = {
      id,
      account_id: accountId,
      ...fields,
      created_at: seed.created_at ?? now,
      updated_at: seed.updated_at ?? seed.created_at ?? now,
    };
    this.projects.set(id, project);
    return { ...project };
  }

  updateProject(accountId: string, projectId: string, changes: Partial<ProjectFields>): ProjectRecord {
    const project = this.getProject(accountId, projectId);
    if (changes.external_ref !== undefined) this.checkProjectExternalRef(accountId, changes.external_ref, projectId);
    const applied = definedOnly(changes);
    if (!changesSomething(project, applied)) return project;
    const updated: ProjectRecord = { ...project, ...applied, updated_at: this.timestamp() };
    this.projects.set(projectId, updated);
    return { ...updated };
  }

  private checkProjectExternalRef(accountId: string, externalRef: string | null, selfId: string | null): void {
    if (externalRef === null) return;
    for (const p of this.projects.values()) {
      if (p.account_id === accountId && p.id !== selfId && p.external_ref === externalRef) {
        throw new CorfixSimError(409, 'external_ref_taken', `external_ref is already used by project ${p.id}`);
      }
    }
  }

  // ---- workers -----------------------------------------------------------

  listWorkers(
    accountId: string,
    filter: { email?: string; external_ref?: string; status?: string },
    query: ListQuery,
  ): ListPage<WorkerRecord> {
    this.getAccount(accountId);
    const email = filter.email?.toLowerCase();
    const matching = [...this.workers.values()].filter(
      (w) =>
        w.account_id === accountId &&
        (email === undefined || w.email?.toLowerCase() === email) &&
        (filter.external_ref === undefined || w.external_ref === filter.external_ref) &&
        (filter.status === undefined || w.status === filter.status),
    );
    return paginate(matching, query);
  }

  getWorker(accountId: string, workerId: string): WorkerRecord {
    const worker = this.workers.get(workerId);
    if (!worker || worker.account_id !== accountId) throw notFound('worker', workerId);
    return { ...worker };
  }

  /** POST .../workers: the status follows from `activate` and the email. */
  createWorker(accountId: string, input: Partial<WorkerFields> & Pick<WorkerFields, 'first_name' | 'last_name'>, activate: boolean): WorkerRecord {
    const email = input.email ?? null;
    const status: WorkerStatus = activate ? statusOnActivation(email) : 'pending_account_activation';
    this.checkPlantedRefusal(accountId, input.external_ref);
    return this.seedWorker(accountId, { ...input, status });
  }

  /**
   * A worker in any status, as the admin API places pre-existing Corfix
   * records. A blocked worker returns to `status_before_block` (default
   * active) when unblocked.
   */
  seedWorker(
    accountId: string,
    input: Partial<WorkerFields> &
      Pick<WorkerFields, 'first_name' | 'last_name'> & {
        status: WorkerStatus;
        status_before_block?: Exclude<WorkerStatus, 'blocked'>;
        id?: string;
        created_at?: string;
        updated_at?: string;
      },
  ): WorkerRecord {
    this.getAccount(accountId);
    const fields: WorkerFields = {
      first_name: input.first_name,
      last_name: input.last_name,
      email: input.email ?? null,
      phone_number: input.phone_number ?? null,
      employee_number: input.employee_number ?? null,
      external_ref: input.external_ref ?? null,
    };
    this.checkWorkerUniqueness(accountId, fields.email, fields.external_ref, null);
    const id = input.id ?? this.newId('wkr');
    if (this.workers.has(id)) throw new CorfixSimError(409, 'conflict', `worker ${id} already exists`);
    const now = this.timestamp();
    const worker: WorkerRecord = {
      id,
      account_id: accountId,
      ...fields,
      status: input.status,
      created_at: input.created_at ?? now,
      updated_at: input.updated_at ?? input.created_at ?? now,
    };
    this.storeWorker(worker);
    if (input.status === 'blocked') this.statusBeforeBlock.set(id, input.status_before_block ?? 'active');
    return { ...worker };
  }

  /** PATCH .../workers/{id}: fields only; the status moves through the transitions. */
  updateWorker(accountId: string, workerId: string, changes: Partial<WorkerFields>): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    this.checkWorkerUniqueness(
      accountId,
      changes.email === undefined ? null : changes.email,
      changes.external_ref === undefined ? null : changes.external_ref,
      workerId,
    );
    const applied = definedOnly(changes);
    if (!changesSomething(worker, applied)) return worker;
    const updated: WorkerRecord = { ...worker, ...applied, updated_at: this.timestamp() };
    this.storeWorker(updated);
    return { ...updated };
  }

  /** The admin's way to put a worker in any status, bypassing the status machine. */
  forceWorkerStatus(accountId: string, workerId: string, status: WorkerStatus, statusBeforeBlock?: WorkerStatus): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    if (status === 'blocked') {
      this.statusBeforeBlock.set(workerId, statusBeforeBlock ?? (worker.status === 'blocked' ? 'active' : worker.status));
    } else {
      this.statusBeforeBlock.delete(workerId);
    }
    return this.setStatus(worker, status);
  }

  activateWorker(accountId: string, workerId: string): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    if (worker.status !== 'pending_account_activation') throw illegal('activate', worker.status);
    return this.setStatus(worker, statusOnActivation(worker.email));
  }

  blockWorker(accountId: string, workerId: string): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    if (worker.status === 'pending_account_activation' || worker.status === 'blocked') throw illegal('block', worker.status);
    this.statusBeforeBlock.set(workerId, worker.status);
    return this.setStatus(worker, 'blocked');
  }

  unblockWorker(accountId: string, workerId: string): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    if (worker.status !== 'blocked') throw illegal('unblock', worker.status);
    const previous = this.statusBeforeBlock.get(workerId) ?? 'active';
    this.statusBeforeBlock.delete(workerId);
    return this.setStatus(worker, previous);
  }

  /** The worker followed the emailed link: pending_email_verification -> active. */
  verifyWorkerEmail(accountId: string, workerId: string): WorkerRecord {
    const worker = this.getWorker(accountId, workerId);
    if (worker.status !== 'pending_email_verification') throw illegal('verify the email of', worker.status);
    return this.setStatus(worker, 'active');
  }

  private setStatus(worker: WorkerRecord, status: WorkerStatus): WorkerRecord {
    const updated: WorkerRecord = { ...worker, status, updated_at: this.timestamp() };
    this.storeWorker(updated);
    return { ...updated };
  }

  private static workerKeys(worker: Pick<WorkerRecord, 'account_id' | 'email' | 'external_ref'>): string[] {
    return [
      ...(worker.email !== null ? [`${worker.account_id}\u0000email:${worker.email.toLowerCase()}`] : []),
      ...(worker.external_ref !== null ? [`${worker.account_id}\u0000ref:${worker.external_ref}`] : []),
    ];
  }

  /** Saves the worker and its unique keys (the keys it no longer has are dropped). */
  private storeWorker(worker: WorkerRecord): void {
    const previous = this.workers.get(worker.id);
    if (previous) for (const key of CorfixState.workerKeys(previous)) this.workerIdByKey.delete(key);
    this.workers.set(worker.id, worker);
    for (const key of CorfixState.workerKeys(worker)) this.workerIdByKey.set(key, worker.id);
  }

  /** The other worker of the account holding this key, if any (one deleted by a test is gone from `workers`, and so here). */
  private workerHolding(key: string, selfId: string | null, holds: (w: WorkerRecord) => boolean): WorkerRecord | undefined {
    const id = this.workerIdByKey.get(key);
    const worker = id === undefined ? undefined : this.workers.get(id);
    return worker && worker.id !== selfId && holds(worker) ? worker : undefined;
  }

  private checkWorkerUniqueness(accountId: string, email: string | null, externalRef: string | null, selfId: string | null): void {
    const lowered = email?.toLowerCase();
    if (lowered !== undefined) {
      const holder = this.workerHolding(`${accountId}\u0000email:${lowered}`, selfId, (w) => w.email?.toLowerCase() === lowered);
      if (holder) throw new CorfixSimError(409, 'email_taken', `email is already used by worker ${holder.id}`);
    }
    if (externalRef !== null) {
      const holder = this.workerHolding(`${accountId}\u0000ref:${externalRef}`, selfId, (w) => w.external_ref === externalRef);
      if (holder) throw new CorfixSimError(409, 'external_ref_taken', `external_ref is already used by worker ${holder.id}`);
    }
  }

  // ---- forms -------------------------------------------------------------

  getForm(accountId: string, formId: string): FormRecord {
    const form = this.forms.get(formId);
    if (!form || form.account_id !== accountId) throw notFound('form', formId);
    return { ...form };
  }

  /** A form filled in on site: a draft at revision 1, or already completed (which raises form.completed). */
  createForm(
    accountId: string,
    input: { project_id: string; template_name: string; form_date: string; status?: 'draft' | 'completed'; id?: string },
  ): FormRecord {
    this.getAccount(accountId);
    this.getProject(accountId, input.project_id);
    const id = input.id ?? this.newId('frm');
    if (this.forms.has(id)) throw new CorfixSimError(409, 'conflict', `form ${id} already exists`);
    const now = this.timestamp();
    const completed = input.status === 'completed';
    const form: FormRecord = {
      id,
      account_id: accountId,
      project_id: input.project_id,
      template_name: input.template_name,
      status: completed ? 'completed' : 'draft',
      revision: 1,
      form_date: input.form_date,
      completed_at: completed ? now : null,
      updated_at: now,
    };
    this.forms.set(id, form);
    if (completed) this.raise('form.completed', form);
    return { ...form };
  }

  /** The last signature is added: draft -> completed, one revision more. */
  completeForm(accountId: string, formId: string): FormRecord {
    const form = this.getForm(accountId, formId);
    if (form.status === 'completed') throw new CorfixSimError(422, 'illegal_transition', `form ${formId} is already completed`);
    const now = this.timestamp();
    const updated: FormRecord = { ...form, status: 'completed', revision: form.revision + 1, completed_at: now, updated_at: now };
    this.forms.set(formId, updated);
    this.raise('form.completed', updated);
    return { ...updated };
  }

  /**
   * A change to the form (a signature added, a submission edited): one
   * revision more; form.updated when the form is completed.
   */
  editForm(accountId: string, formId: string, changes: { template_name?: string; form_date?: string }): FormRecord {
    const form = this.getForm(accountId, formId);
    const updated: FormRecord = {
      ...form,
      ...definedOnly(changes),
      revision: form.revision + 1,
      updated_at: this.timestamp(),
    };
    this.forms.set(formId, updated);
    if (updated.status === 'completed') this.raise('form.updated', updated);
    return { ...updated };
  }

  private raise(type: FormEvent['event_type'], form: FormRecord): void {
    const event: FormEvent = {
      event_id: this.newId('evt'),
      event_type: type,
      account_id: form.account_id,
      form_id: form.id,
      project_id: form.project_id,
      revision: form.revision,
      occurred_at: form.updated_at,
    };
    this.events.push(event);
    for (const listener of this.eventListeners) listener(event);
  }

  // ---- idempotency -------------------------------------------------------

  /** The first answer to this key in this account, if it is younger than 24 h. */
  recallAnswer(accountId: string, key: string): StoredAnswer | undefined {
    const id = idempotencyId(accountId, key);
    const stored = this.idempotency.get(id);
    if (stored && this.nowMs() - stored.storedAt > IDEMPOTENCY_WINDOW_MS) {
      this.idempotency.delete(id);
      return undefined;
    }
    return stored;
  }

  rememberAnswer(accountId: string, key: string, answer: Omit<StoredAnswer, 'storedAt'>): void {
    this.idempotency.set(idempotencyId(accountId, key), { ...answer, storedAt: this.nowMs() });
  }

  /** Everything, for the admin API's inspection. */
  snapshot(): {
    accounts: AccountRecord[];
    projects: ProjectRecord[];
    workers: Array<WorkerRecord & { status_before_block: WorkerStatus | null }>;
    forms: FormRecord[];
    events: FormEvent[];
    webhook_urls: Record<string, string>;
    idempotency_keys: number;
  } {
    return {
      accounts: [...this.accounts.values()],
      projects: [...this.projects.values()],
      workers: [...this.workers.values()].map((w) => ({ ...w, status_before_block: this.statusBeforeBlock.get(w.id) ?? null })),
      forms: [...this.forms.values()],
      events: [...this.events],
      webhook_urls: Object.fromEntries(this.webhookUrls),
      idempotency_keys: this.idempotency.size,
    };
  }
}

export function statusOnActivation(email: string | null): WorkerStatus {
  return email ? 'pending_email_verification' : 'active_for_kiosk';
}

function paginate<T>(items: T[], query: ListQuery): ListPage<T> {
  const perPage = Math.min(query.per_page, MAX_PER_PAGE);
  const start = (query.page - 1) * perPage;
  return {
    data: items.slice(start, start + perPage).map((item) => ({ ...item })),
    page: query.page,
    per_page: perPage,
    total: items.length,
  };
}

function notFound(kind: string, id: string): CorfixSimError {
  return new CorfixSimError(404, 'not_found', `${kind} ${id} not found`);
}

function illegal(action: string, status: WorkerStatus): CorfixSimError {
  return new CorfixSimError(422, 'illegal_transition', `cannot ${action} a worker that is ${status}`);
}

function idempotencyId(accountId: string, key: string): string {
  return `${accountId}\u0000${key}`;
}

/** A PATCH that sets every field to the value it has leaves `updated_at` alone, as a change-tracking store would. */
function changesSomething(record: object, changes: object): boolean {
  return Object.entries(changes).some(([key, value]) => (record as Record<string, unknown>)[key] !== value);
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as Partial<T>;
}
