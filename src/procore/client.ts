// The Procore REST API as the service uses it, for one company. Every call
// carries the service account's token and the Procore-Company-Id header,
// waits its turn on the company's request budget, and fails with one of the
// shared API errors. Calls that are safe to repeat (reads, the token) are
// retried briefly on network failures and 5xx; calls that create something
// are not, because a lost answer may hide a success: the caller re-finds
// before trying again.
import { z } from 'zod';
import { ACCESS_RETRY_MS, RequestRejectedError } from '../http/errors.js';
import { type ProcoreLogger, silentLogger } from './logger.js';
import { InMemoryRatePacer, type RatePacer } from './pacing.js';
import { type Page, walkPages } from './pagination.js';
import {
  companySchema,
  fileSchema,
  folderSchema,
  folderSummarySchema,
  hookSchema,
  meSchema,
  type ProcoreCompany,
  type ProcoreFile,
  type ProcoreFolder,
  type ProcoreFolderSummary,
  type ProcoreHook,
  type ProcoreMe,
  type ProcoreProject,
  type ProcoreTrigger,
  type ProcoreUpload,
  type ProcoreUser,
  projectSchema,
  triggerSchema,
  uploadSchema,
  userSchema,
} from './schemas.js';
import { type FileContent, ProcoreSession } from './session.js';
import type { ActiveUserListFilter, ProjectListFilter, UpdatedAtRange, WebhookEvent, WebhookResource } from './list-filters.js';
import { defaultRetrySettings, type RetrySettings } from './transport.js';

export type { FileContent } from './session.js';

export interface ProcoreClientOptions {
  apiBaseUrl: string;
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** the Procore company this client works for (one client per company) */
  companyId: string;
  /** share one pacer between the clients of a process; each company has its own budget in it */
  pacer?: RatePacer;
  logger?: ProcoreLogger;
  retry?: Partial<RetrySettings>;
  /** per HTTP request; default 30 s */
  timeoutMs?: number;
  now?: () => number;
  /** how often a refusal someone can fix (a permission not granted yet, credentials rotated) is tried again; default 5 min */
  accessRetryMs?: number;
}

/**
 * Largest page each list accepts; Procore clamps larger requests and says so
 * in Per-Page. The page methods ask this size unless told another (smaller
 * after a 408); a 408 on a page above Procore's default size is not repeated
 * by the client, so the caller can ask a smaller page.
 */
export const PAGE_SIZES = { projects: 300, activeUsers: 1000, inactiveUsers: 1000 } as const;

export class ProcoreClient {
  readonly companyId: string;
  private readonly session: ProcoreSession;

  constructor(options: ProcoreClientOptions) {
    if (!/^\d+$/.test(options.companyId)) {
      throw new Error('ProcoreClient: companyId must be the digits of a Procore company id');
    }
    this.companyId = options.companyId;
    const logger = options.logger ?? silentLogger;
    const now = options.now ?? Date.now;
    this.session = new ProcoreSession({
      apiBaseUrl: options.apiBaseUrl,
      authBaseUrl: options.authBaseUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      companyId: options.companyId,
      pacer: options.pacer ?? new InMemoryRatePacer({ logger, now }),
      logger,
      retry: { ...defaultRetrySettings, ...options.retry },
      timeoutMs: options.timeoutMs ?? 30_000,
      now,
      accessRetryMs: options.accessRetryMs ?? ACCESS_RETRY_MS,
    });
  }

  // --- who am I, which companies -------------------------------------------

  /** The service account's own user (also in the company directory; never synced). */
  async me(): Promise<ProcoreMe> {
    return this.session.read({ method: 'GET', path: 'rest/v1.0/me', idempotent: true }, meSchema);
  }

  /** Companies the app is installed in. */
  async listCompanies(): Promise<ProcoreCompany[]> {
    return this.session.read({ method: 'GET', path: 'rest/v1.0/companies', idempotent: true }, z.array(companySchema));
  }

  // --- projects --------------------------------------------------------------

  /** One page of projects (extended view: description and public notes included). */
  async projectsPage(filter: ProjectListFilter, page: number, perPage: number = PAGE_SIZES.projects): Promise<Page<ProcoreProject>> {
    return this.session.listPage(
      {
        method: 'GET',
        path: 'rest/v1.1/projects',
        query: {
          company_id: this.companyId,
          view: 'extended',
          'filters[by_status]': filter.status ?? 'Active',
          'filters[updated_at]': filter.updatedAt ? rangeText(filter.updatedAt) : undefined,
          'filters[template]': filter.template,
        },
        idempotent: true,
      },
      page,
      perPage,
      projectSchema,
    );
  }

  projectPages(filter: ProjectListFilter, startPage = 1): AsyncGenerator<Page<ProcoreProject>> {
    return walkPages((page) => this.projectsPage(filter, page), startPage);
  }

  async getProject(projectId: string): Promise<ProcoreProject> {
    return this.session.read(
      {
        method: 'GET',
        path: `rest/v1.0/projects/${idSegment(projectId)}`,
        query: { company_id: this.companyId },
        idempotent: true,
      },
      projectSchema,
    );
  }

  // --- company directory -----------------------------------------------------

  /** One page of the company's ACTIVE users (v1.3). */
  async activeUsersPage(
    filter: ActiveUserListFilter,
    page: number,
    perPage: number = PAGE_SIZES.activeUsers,
  ): Promise<Page<ProcoreUser>> {
    return this.session.listPage(
      {
        method: 'GET',
        path: `rest/v1.3/companies/${this.companyId}/users`,
        query: { 'filters[updated_at]': filter.updatedAt ? rangeText(filter.updatedAt) : undefined },
        idempotent: true,
      },
      page,
      perPage,
      userSchema,
    );
  }

  activeUserPages(filter: ActiveUserListFilter, startPage = 1): AsyncGenerator<Page<ProcoreUser>> {
    return walkPages((page) => this.activeUsersPage(filter, page), startPage);
  }

  /** One page of the company's inactive users (v1.0; this list has no updated_at filter). */
  async inactiveUsersPage(page: number, perPage: number = PAGE_SIZES.inactiveUsers): Promise<Page<ProcoreUser>> {
    return this.session.listPage(
      { method: 'GET', path: `rest/v1.0/companies/${this.companyId}/users/inactive`, idempotent: true },
      page,
      perPage,
      userSchema,
    );
  }

  inactiveUserPages(startPage = 1): AsyncGenerator<Page<ProcoreUser>> {
    return walkPages((page) => this.inactiveUsersPage(page), startPage);
  }

  // --- documents: folders ----------------------------------------------------

  /** The project's Documents root, with its direct children. */
  async rootFolder(projectId: string): Promise<ProcoreFolder> {
    return this.session.read(
      { method: 'GET', path: 'rest/v1.0/folders', query: { project_id: projectId }, idempotent: true },
      folderSchema,
    );
  }

  async folder(projectId: string, folderId: string): Promise<ProcoreFolder> {
    return this.session.read(
      {
        method: 'GET',
        path: `rest/v1.0/folders/${idSegment(folderId)}`,
        query: { project_id: projectId },
        idempotent: true,
      },
      folderSchema,
    );
  }

  /**
   * Creates a folder under `parentId` (the root when absent). When the name
   * is already taken there (someone else, or our own earlier attempt whose
   * answer was lost, got there first), answers that existing folder instead.
   */
  async createFolder(projectId: string, folder: { name: string; parentId?: string }): Promise<ProcoreFolderSummary> {
    try {
      return await this.session.read(
        {
          method: 'POST',
          path: 'rest/v1.0/folders',
          query: { project_id: projectId },
          json: { folder: { name: folder.name, ...(folder.parentId ? { parent_id: folder.parentId } : {}) } },
          idempotent: false,
        },
        folderSummarySchema,
      );
    } catch (error) {
      if (!(error instanceof RequestRejectedError && error.code === 'name_taken')) throw error;
      const parent = folder.parentId ? await this.folder(projectId, folder.parentId) : await this.rootFolder(projectId);
      const existing = findByName(
        parent.folders.filter((f) => !f.isDeleted && !f.isRecycleBin),
        folder.name,
      );
      if (!existing) throw error;
      this.session.logger.info({ projectId, folderId: existing.id }, 'Procore folder name already taken; using the existing folder');
      return existing;
    }
  }

  // --- documents: uploads and files ----------------------------------------------

  /** Step 1 of an upload: where to send the bytes. */
  async createUpload(projectId: string, file: { filename: string; contentType: string }): Promise<ProcoreUpload> {
    return this.session.read(
      {
        method: 'POST',
        path: `rest/v1.1/projects/${idSegment(projectId)}/uploads`,
        json: { response_filename: file.filename, response_content_type: file.contentType },
        idempotent: false,
      },
      uploadSchema,
    );
  }

  /**
   * Step 2: the bytes go to storage, with every field Procore gave unchanged
   * and the file last (storage ignores what follows it). Storage is not
   * Procore: neither the token nor the company header goes there. Sending
   * the same upload twice overwrites one object, so this is retried.
   */
  async sendToStorage(upload: ProcoreUpload, content: FileContent): Promise<void> {
    await this.session.sendToStorage(upload, content);
  }

  /** Steps 1 and 2 together; answers the upload uuid to name in createFile / addFileVersion. */
  async uploadContent(projectId: string, content: FileContent): Promise<string> {
    const upload = await this.createUpload(projectId, { filename: content.filename, contentType: content.contentType });
    await this.sendToStorage(upload, content);
    return upload.uuid;
  }

  /**
   * Step 3: the file in its folder. A name already taken there is renamed by
   * Procore (`name (1).pdf`): read the name back from the answer.
   */
  async createFile(projectId: string, file: { parentId: string; name: string; uploadUuid: string }): Promise<ProcoreFile> {
    return this.session.read(
      {
        method: 'POST',
        path: 'rest/v1.0/files',
        query: { project_id: projectId },
        form: () => {
          const body = new FormData();
          body.append('file[name]', file.name);
          body.append('file[parent_id]', file.parentId);
          body.append('file[upload_uuid]', file.uploadUuid);
          body.append('file[unique_name]', 'true');
          return body;
        },
        idempotent: false,
      },
      fileSchema,
    );
  }

  /** One file with its versions; a file deleted in Procore answers 404 (RequestRejectedError). */
  async getFile(projectId: string, fileId: string): Promise<ProcoreFile> {
    return this.session.read(
      {
        method: 'GET',
        path: `rest/v1.0/files/${idSegment(fileId)}`,
        query: { project_id: projectId },
        idempotent: true,
      },
      fileSchema,
    );
  }

  /** A new version of an existing file, from an upload already sent to storage. */
  async addFileVersion(projectId: string, fileId: string, uploadUuid: string): Promise<ProcoreFile> {
    return this.session.read(
      {
        method: 'PATCH',
        path: `rest/v1.0/files/${idSegment(fileId)}`,
        query: { project_id: projectId },
        form: () => {
          const body = new FormData();
          body.append('file[upload_uuid]', uploadUuid);
          return body;
        },
        idempotent: false,
      },
      fileSchema,
    );
  }

  // --- webhooks ------------------------------------------------------------------

  async listHooks(namespace?: string): Promise<ProcoreHook[]> {
    return this.session.read(
      {
        method: 'GET',
        path: 'rest/v1.0/webhooks/hooks',
        query: { company_id: this.companyId, namespace },
        idempotent: true,
      },
      z.array(hookSchema),
    );
  }

  /**
   * Registers where Procore sends events. `authorization` is the whole
   * Authorization header value Procore will send back with each delivery.
   */
  async createHook(hook: { namespace: string; destinationUrl: string; authorization: string }): Promise<ProcoreHook> {
    return this.session.read(
      {
        method: 'POST',
        path: 'rest/v1.0/webhooks/hooks',
        json: {
          company_id: this.companyId,
          hook: {
            api_version: 'v2',
            namespace: hook.namespace,
            destination_url: hook.destinationUrl,
            destination_headers: { Authorization: hook.authorization },
          },
        },
        idempotent: false,
      },
      hookSchema,
    );
  }

  /** Removes a hook; one already gone counts as removed. */
  async deleteHook(hookId: string): Promise<void> {
    try {
      await this.session.call({
        method: 'DELETE',
        path: `rest/v1.0/webhooks/hooks/${idSegment(hookId)}`,
        query: { company_id: this.companyId },
        idempotent: true,
      });
    } catch (error) {
      if (error instanceof RequestRejectedError && error.status === 404) return;
      throw error;
    }
  }

  async listTriggers(hookId: string): Promise<ProcoreTrigger[]> {
    return this.session.read(
      {
        method: 'GET',
        path: `rest/v1.0/webhooks/hooks/${idSegment(hookId)}/triggers`,
        query: { company_id: this.companyId },
        idempotent: true,
      },
      z.array(triggerSchema),
    );
  }

  /** Subscribes a hook to one resource and event; an existing identical trigger is answered as is. */
  async createTrigger(
    hookId: string,
    trigger: { resourceName: WebhookResource; eventType: WebhookEvent },
  ): Promise<ProcoreTrigger> {
    try {
      return await this.session.read(
        {
          method: 'POST',
          path: `rest/v1.0/webhooks/hooks/${idSegment(hookId)}/triggers`,
          json: {
            company_id: this.companyId,
            api_version: 'v2',
            trigger: { resource_name: trigger.resourceName, event_type: trigger.eventType },
          },
          idempotent: false,
        },
        triggerSchema,
      );
    } catch (error) {
      if (!(error instanceof RequestRejectedError && error.status === 422)) throw error;
      const existing = (await this.listTriggers(hookId)).find(
        (t) => t.resourceName === trigger.resourceName && t.eventType === trigger.eventType,
      );
      if (!existing) throw error;
      return existing;
    }
  }
}

function rangeText(range: UpdatedAtRange): string {
  const iso = (v: string | Date): string => (v instanceof Date ? v.toISOString() : v);
  return `${iso(range.from)}...${iso(range.to)}`;
}

/** Ids go into paths; anything but digits would change the path. */
function idSegment(id: string): string {
  if (!/^\d+$/.test(id)) throw new RangeError(`a Procore id is digits only (got "${id}")`);
  return id;
}

function findByName<T extends { name: string }>(candidates: T[], name: string): T | undefined {
  const wanted = name.trim().toLowerCase();
  return candidates.find((c) => c.name.trim().toLowerCase() === wanted);
}
