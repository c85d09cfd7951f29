// The initial sync's activities: one call per Procore page, never per
// entity (entity-page.ts walks the page). Every step is safe to repeat:
// creates carry an Idempotency-Key and an external_ref, links and report rows
// are upserts.
import { takeOverLinksOfPreviousIntegration, findProjectLinks, findWorkerLinks } from '../db/repositories/links.js';
import { saveServiceAccountUserId, startLoopsFrom } from '../db/repositories/continuous-syncs.js';
import {
  failInitialSyncOf,
  recordInitialSyncProgress,
  recordSyncRecovered,
  recordSyncRetrying,
  updateIntegration,
} from '../db/repositories/integrations.js';
import { dropSnapshots } from '../db/repositories/corfix-snapshots.js';
import { countOutcomesOf } from '../db/repositories/sync-outcomes.js';
import { utcCalendarDate } from '../domain/calendar-date.js';
import type { Page } from '../procore/pagination.js';
import { pauseWithHeartbeats, withHeartbeats, type ActivityDependencies, type ActivityProgress } from './activity-support.js';
import { corfixProjectsOfPage, corfixWorkersOfPage, snapshotOfPage, takeSnapshotWithHeartbeats } from './corfix-snapshot.js';
import { syncEntityPage, type EntityPageOptions } from './entity-page.js';
import { projectRules, workerRules } from './entity-rules.js';
import type { PageInput, PageResult, SnapshotResume, SyncStart, UserPageInput } from './initial-sync-types.js';
import { createProcorePageTools, loadIntegration, pageResultOf, remainingAfter } from './procore-pages.js';

export function createInitialSyncActivities(deps: ActivityDependencies) {
  const { db, clients } = deps;
  const workerStopping = () => deps.workerStopping?.() ?? false;
  const { fetchProcorePage, reportUnreadable } = createProcorePageTools(deps);

  /** How a page walks its entities: each one finished is progress (and the point a retry resumes after). */
  const pageOptions = (activity: ActivityProgress, finished: (id: string) => void): EntityPageOptions => ({
    onDone: (id) => {
      finished(id);
      activity.heartbeat();
    },
    stopRequested: activity.stopRequested,
    createsInFlight: deps.corfixCreateConcurrency,
    waitForRateLimit: (ms) => pauseWithHeartbeats(activity, ms),
  });

  /** The page is done: its progress goes where the API reads it, and the workflow learns what follows. */
  async function finishPage(
    integrationId: string,
    entity: 'project' | 'user',
    input: PageInput,
    page: Page<unknown>,
    created: number,
  ): Promise<PageResult> {
    const entitiesDone = await countOutcomesOf(db, integrationId, entity);
    await recordInitialSyncProgress(db, integrationId, entity === 'project' ? 'projects' : 'users', {
      name: entity === 'project' ? 'projects' : 'users',
      progress: { pages_done: input.pagesDoneBefore + 1, entities_done: entitiesDone },
    });
    return pageResultOf(page, entitiesDone, created);
  }

  return {
    /** Marks the sync running and learns the app's own Procore user (never synced). */
    async beginInitialSync(input: { integrationId: string }): Promise<SyncStart> {
      const integration = await loadIntegration(db, input.integrationId);
      return withHeartbeats(
        () => null,
        async () => {
          const me = await clients.procore(integration.procoreCompanyId).me();
          // A reconnect takes over what the integration before it made, so nothing is made twice.
          const takenOver = await takeOverLinksOfPreviousIntegration(db, integration);
          await saveServiceAccountUserId(db, integration.id, me.id);
          // The continuous syncs read what changed from the moment listing begins (a change during the sync is not lost).
          await startLoopsFrom(db, integration.id, new Date(), takenOver.projects + takenOver.workers === 0);
          await updateIntegration(db, integration.id, { status: 'initial_sync', initialSyncState: 'running' });
          await recordInitialSyncProgress(db, integration.id, 'projects');
          return { serviceAccountUserId: me.id };
        },
      );
    },

    /**
     * What the Corfix account holds, read once into Postgres (corfix-snapshot.ts):
     * every page of its projects and workers. A retry goes on with the generation
     * the failed attempt began, after the pages it kept.
     */
    async takeCorfixSnapshot(input: { integrationId: string; resume?: SnapshotResume | null }): Promise<SnapshotResume> {
      const integration = await loadIntegration(db, input.integrationId);
      return takeSnapshotWithHeartbeats(db, clients.corfix, integration, input.resume, workerStopping);
    },

    /** One page of Procore projects (all statuses, templates included: each gets its report row). */
    async syncProjectPage(input: PageInput): Promise<PageResult> {
      const integration = await loadIntegration(db, input.integrationId);
      const company = integration.procoreCompanyId;
      let lastDone = input.resumeAfterId ?? null;
      return withHeartbeats(
        () => ({ page: input.page, resumeAfterId: lastDone }),
        async (activity) => {
          const procore = clients.procore(company);
          const page = await fetchProcorePage(integration, 'projects', input, (number, perPage) =>
            procore.projectsPage({ status: 'All' }, number, perPage),
          );
          activity.heartbeat();
          await reportUnreadable(integration.id, 'project', 'projects', page);
          const items = remainingAfter(page.items, input.resumeAfterId);
          const generation = await snapshotOfPage(db, clients.corfix, integration, input.snapshotGeneration, activity.heartbeat);
          const known = await corfixProjectsOfPage(db, integration, generation, items);
          const links = await findProjectLinks(db, integration.id, items.map((p) => p.id));
          const rules = projectRules({ db, corfix: clients.corfix, integration, today: utcCalendarDate(new Date()), known, links });
          const { created } = await syncEntityPage(db, integration.id, items, rules, pageOptions(activity, (id) => (lastDone = id)));

          return finishPage(integration.id, 'project', input, page, created);
        },
        workerStopping,
      );
    },

    /** One page of Procore users, active or inactive (each gets its report row). */
    async syncUserPage(input: UserPageInput): Promise<PageResult> {
      const integration = await loadIntegration(db, input.integrationId);
      const company = integration.procoreCompanyId;
      let lastDone = input.resumeAfterId ?? null;
      return withHeartbeats(
        () => ({ page: input.page, resumeAfterId: lastDone }),
        async (activity) => {
          const procore = clients.procore(company);
          const page = await fetchProcorePage(integration, input.list, input, (number, perPage) =>
            input.list === 'active' ? procore.activeUsersPage({}, number, perPage) : procore.inactiveUsersPage(number, perPage),
          );
          activity.heartbeat();
          await reportUnreadable(integration.id, 'user', input.list === 'active' ? 'active_users' : 'inactive_users', page);
          const items = remainingAfter(page.items, input.resumeAfterId);
          const generation = await snapshotOfPage(db, clients.corfix, integration, input.snapshotGeneration, activity.heartbeat);
          const known = await corfixWorkersOfPage(db, integration, generation, items);
          const links = await findWorkerLinks(db, integration.id, items.map((u) => u.id));
          const rules = workerRules({ db, corfix: clients.corfix, integration, serviceAccountUserId: input.serviceAccountUserId, known, links });
          const { created } = await syncEntityPage(db, integration.id, items, rules, pageOptions(activity, (id) => (lastDone = id)));

          return finishPage(integration.id, 'user', input, page, created);
        },
        workerStopping,
      );
    },

    /** The sync is waiting to retry: say why, in words, and until when, where the API shows it. */
    async recordSyncProblem(input: { integrationId: string; message: string; nextTryAt: string }): Promise<void> {
      await recordSyncRetrying(db, input.integrationId, { message: input.message, nextTryAt: new Date(input.nextTryAt) });
    },

    /** The sync is well again: the problem leaves the status. */
    async recordSyncRecovered(input: { integrationId: string }): Promise<void> {
      await recordSyncRecovered(db, input.integrationId);
    },

    async completeInitialSync(input: { integrationId: string }): Promise<void> {
      await updateIntegration(db, input.integrationId, { initialSyncState: 'completed' });
      await recordInitialSyncProgress(db, input.integrationId, 'done');
      await dropSnapshots(db, input.integrationId);
    },

    async failInitialSync(input: { integrationId: string; message: string }): Promise<void> {
      await failInitialSyncOf(db, input.integrationId, input.message);
      await dropSnapshots(db, input.integrationId);
    },

    /** ConnectIntegration's last step: the initial sync is done and the integration is live. */
    async markIntegrationActive(input: { integrationId: string }): Promise<void> {
      await updateIntegration(db, input.integrationId, { status: 'active' });
    },
  };
}

export type InitialSyncActivities = ReturnType<typeof createInitialSyncActivities>;
