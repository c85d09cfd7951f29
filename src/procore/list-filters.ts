// What the Procore client's lists and webhook calls can be asked for: filters
// by status and by `updated_at`, and the hook triggers the service registers.

/** Procore's project list filter `filters[by_status]`: named apart from CorfixProjectStatus, another thing ('All' is no project's status). */
export type ProcoreProjectListStatus = 'Active' | 'Inactive' | 'All';

/** Inclusive range on `updated_at`, ISO 8601 timestamps. */
export interface UpdatedAtRange {
  from: string | Date;
  to: string | Date;
}

export interface ProjectListFilter {
  /** Procore's default is Active */
  status?: ProcoreProjectListStatus;
  updatedAt?: UpdatedAtRange;
  /** unset: Procore's default, which includes templates (check `template` on each project) */
  template?: boolean;
}

export interface ActiveUserListFilter {
  updatedAt?: UpdatedAtRange;
}

export type WebhookResource = 'Projects' | 'Company Users';
export type WebhookEvent = 'create' | 'update' | 'delete';
