// Inputs and results of the initial-sync activities: ids, page numbers and
// counts only, never records (they would land in workflow history).

export interface PageInput {
  integrationId: string;
  page: number;
  /**
   * the page size `page` counts in (page numbers depend on it); absent or
   * null: the list's largest size. The activity may ask smaller pages (the
   * integration's remembered size, or half after a 408) and says which.
   */
  perPage?: number | null;
  /** pages of this entity finished before this one (for the progress report) */
  pagesDoneBefore: number;
  /** from a failed attempt: the last Procore id of this page that was finished */
  resumeAfterId?: string | null;
  /**
   * the Corfix snapshot the sync took (takeCorfixSnapshot); absent for a sync
   * that began before snapshots existed: the page uses the integration's newest
   */
  snapshotGeneration?: number | null;
}

export interface UserPageInput extends PageInput {
  list: 'active' | 'inactive';
  /** the app's own Procore user (GET /me), never synced */
  serviceAccountUserId: string;
}

export interface PageResult {
  /** the next page of the same list, or null at the end */
  nextPage: number | null;
  /** the page size `nextPage` counts in */
  perPage: number;
  /** how many pages the list has at this page size, when Procore said (its Total header) */
  totalPages?: number | null;
  entitiesInPage: number;
  /** outcomes recorded so far for this entity */
  entitiesDone: number;
  created: number;
}

/** What a failed page attempt reports to resume from (heartbeat details, failure details). */
export interface PageResume {
  page: number;
  resumeAfterId: string | null;
}

export interface SyncStart {
  serviceAccountUserId: string;
}

/** Where a snapshot's listing got (heartbeat details, failure details); the generation is the snapshot's. */
export interface SnapshotResume {
  generation: number;
}
