// The Procore client's public surface.
export {
  ProcoreClient,
  PAGE_SIZES,
  type ProcoreClientOptions,
  type ProjectStatus,
  type ProjectListFilter,
  type ActiveUserListFilter,
  type UpdatedAtRange,
  type WebhookResource,
  type WebhookEvent,
  type FileContent,
} from './client.js';
export { InMemoryRatePacer, type InMemoryRatePacerOptions, type RatePacer, type RatePermit, type RateLimitSnapshot } from './pacing.js';
export type { Page } from './pagination.js';
export type { ProcoreLogger } from './logger.js';
export type { RetrySettings } from './transport.js';
export type {
  ProcoreCompany,
  ProcoreFile,
  ProcoreFolder,
  ProcoreFolderSummary,
  ProcoreHook,
  ProcoreMe,
  ProcoreProject,
  ProcoreTrigger,
  ProcoreUpload,
  ProcoreUser,
} from './schemas.js';
