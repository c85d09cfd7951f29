// Inputs and results of the initial-sync activities: ids, page numbers and
// counts only, never records (they would land in workflow history).

export interface PageInput {
  integrationId: string;
  page: number;
  /** pages of this entity finished before this one (for the progress report) */
  pagesDoneBefore: number;
  /** from a failed attempt: the last Procore id of this page that was finished */
  resumeAfterId?: string | null;
}

export interface UserPageInput extends PageInput {
  list: 'active' | 'inactive';
  /** the app's own Procore user (GET /me), never synced */
  serviceAccountUserId: string;
}

export interface PageResult {
  /** the next page of the same list, or null at the end */
  nextPage: number | null;
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
