// The initial sync's activities: one call per Procore page, never per
// entity (entity-page.ts walks the page). Every step is safe to repeat:
// creates carry an Idempotency-Key and an external_ref, links and report rows
// are upserts.
import { ApplicationFailure } from '@temporalio/common';
import type { CorfixProject, CorfixWorker } from '../corfix/schemas.js';
import type { Database } from '../db/database.js';
import {
  failInitialSyncOf,
  findIntegration,
  recordInitialSyncProgress,
  recordSyncRecovered,
  recordSyncRetrying,
  rememberProcorePageSize,
  updateIntegration,
  type Integration,
  type ProcoreList,
} from '../db/repositories/integrations.js';
import { findProjectLinks, findWorkerLinks, saveProjectLink, saveWorkerLink } from '../db/repositories/links.js';
import { countOutcomesOf, recordOutcomes, recordUnreadableRecords } from '../db/repositories/sync-outcomes.js';
import { utcCalendarDate } from '../domain/calendar-date.js';
import { idempotencyKey, procoreProjectExternalRef, procoreUserExternalRef } from '../domain/external-ref.js';
import { emailKey, projectNameKey, projectNumberKey } from '../domain/matching-keys.js';
import { decideProject, type ProjectDecision } from '../domain/project-decision.js';
import { projectNumberOf } from '../domain/project-fields.js';
import { presentText } from '../domain/text.js';
import { decideWorker, type WorkerDecision } from '../domain/worker-decision.js';
import { workerEmail } from '../domain/worker-fields.js';
import { UnavailableError } from '../http/errors.js';
import { PAGE_SIZES } from '../procore/client.js';
import { halvedPageSize, pageAtSize, PROCORE_DEFAULT_PER_PAGE, type Page } from '../procore/pagination.js';
import type { ProcoreProject, ProcoreUser } from '../procore/schemas.js';
import { withHeartbeats, type ActivityDependencies } from './activity-support.js';
import { syncEntityPage } from './entity-page.js';
import type { PageInput, PageResult, SyncStart, UserPageInput } from './initial-sync-types.js';

async function loadIntegration(db: Database, integrationId: string): Promise<Integration> {
  const integration = await findIntegration(db, integrationId);
  if (!integration) {
    throw ApplicationFailure.nonRetryable(`integration ${integrationId} no longer exists`, 'IntegrationGone');
  }
  return integration;
}

/** Where a retried page picks up: after the last entity the failed attempt finished. */
function remainingAfter<T extends { id: string }>(items: T[], resumeAfterId: string | null | undefined): T[] {
  if (!resumeAfterId) return items;
  const at = items.findIndex((item) => item.id === resumeAfterId);
  // The page changed since (records moved): doing it all again is safe, every step is idempotent.
  return at === -1 ? items : items.slice(at + 1);
}

function nextPageOf(page: Page<unknown>): number | null {
  return page.hasNext ? (page.nextPage ?? page.page + 1) : null;
}

const LARGEST_PAGE: Record<ProcoreList, number> = {
  projects: PAGE_SIZES.projects,
  active: PAGE_SIZES.activeUsers,
  inactive: PAGE_SIZES.inactiveUsers,
};

export function createInitialSyncActivities(deps: ActivityDependencies) {
  const { db, clients, logger } = deps;
  const workerStopping = () => deps.workerStopping?.() ?? false;

  /**
   * The page of `input` at the size the integration can be answered in: the
   * size `input.page` counts in, or the smaller one remembered for the list.
   * A 408 on a page above Procore's default size halves the size (the page
   * number recomputed so that no record is skipped), remembers it for the
   * integration and asks again; at the default size a 408 is an ordinary
   * retryable failure.
   */
  async function fetchProcorePage<T>(
    integration: Integration,
    list: ProcoreList,
    input: PageInput,
    fetch: (page: number, perPage: number) => Promise<Page<T>>,
  ): Promise<Page<T>> {
    const countedIn = input.perPage ?? LARGEST_PAGE[list];
    let perPage = Math.min(countedIn, integration.procorePageSizes[list] ?? LARGEST_PAGE[list]);
    let page = pageAtSize(input.page, countedIn, perPage);
    for (;;) {
      try {
        return await fetch(page, perPage);
      } catch (error) {
        if (!(error instanceof UnavailableError && error.status === 408) || perPage <= PROCORE_DEFAULT_PER_PAGE) throw error;
        const smaller = halvedPageSize(perPage);
        page = pageAtSize(page, perPage, smaller);
        perPage = smaller;
        await rememberProcorePageSize(db, integration.id, list, perPage);
        logger.warn({ integrationId: integration.id, list, perPage, page }, 'Procore timed out on a large page; asking smaller pages');
      }
    }
  }

  /** Every page of a Corfix list; each page answered is progress. */
  async function allOf<T>(pages: AsyncIterable<{ data: T[] }>, progressed: () => void): Promise<T[]> {
    const all: T[] = [];
    for await (const page of pages) {
      all.push(...page.data);
      progressed();
    }
    return all;
  }

  /**
   * Records Procore could send but the client could not read: with an id,
   * an `invalid_record` report row naming the field; without, a count (and a
   * log line: place, field and zod's words, never a value).
   */
  async function reportUnreadable(
    integrationId: string,
    entity: 'project' | 'user',
    list: 'projects' | 'active_users' | 'inactive_users',
    page: Page<unknown>,
  ): Promise<void> {
    const withId = page.unreadable.flatMap((r) => (r.id === null ? [] : [{ ...r, id: r.id }]));
    await recordOutcomes(
      db,
      integrationId,
      withId.map((r) => ({ entity, procoreId: r.id, outcome: 'skipped', reason: 'invalid_record', field: r.field, corfixId: null })),
    );
    const withoutId = page.unreadable.filter((r) => r.id === null);
    for (const r of withoutId) {
      logger.warn(
        { integrationId, list, page: page.page, position: r.index, field: r.field, problem: r.problem },
        'a Procore record without a readable id was left out of the sync',
      );
    }
    await recordUnreadableRecords(
      db,
      integrationId,
      withoutId.map((r) => ({ entity, list, page: page.page, position: r.index, field: r.field, problem: r.problem })),
    );
  }

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
    return { nextPage: nextPageOf(page), perPage: page.perPage, entitiesInPage: page.items.length, entitiesDone, created };
  }

  return {
    /** Marks the sync running and learns the app's own Procore user (never synced). */
    async beginInitialSync(input: { integrationId: string }): Promise<SyncStart> {
      const integration = await loadIntegration(db, input.integrationId);
      return withHeartbeats(
        () => null,
        async () => {
          const me = await clients.procore(integration.procoreCompanyId).me();
          await updateIntegration(db, integration.id, { status: 'initial_sync', initialSyncState: 'running' });
          await recordInitialSyncProgress(db, integration.id, 'projects');
          return { serviceAccountUserId: me.id };
        },
      );
    },

    /** One page of Procore projects (all statuses, templates included: each gets its report row). */
    async syncProjectPage(input: PageInput): Promise<PageResult> {
      const integration = await loadIntegration(db, input.integrationId);
      const account = integration.corfixAccountId;
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
          const existing = await allOf(clients.corfix.projectPages(account), activity.heartbeat);
          const numbers = new Set(existing.flatMap((p) => (p.project_number ? [projectNumberKey(p.project_number)] : [])));
          const names = new Set(existing.map((p) => projectNameKey(p.name)));
          const byRef = new Map(existing.flatMap((p) => (p.external_ref ? [[p.external_ref, p] as const] : [])));
          const links = await findProjectLinks(db, integration.id, page.items.map((p) => p.id));
          const today = utcCalendarDate(new Date());

          const { created } = await syncEntityPage<ProcoreProject, CorfixProject, Extract<ProjectDecision, { outcome: 'created' }>>(
            db,
            integration.id,
            remainingAfter(page.items, input.resumeAfterId),
            {
              entity: 'project',
              externalRef: (project) => procoreProjectExternalRef(company, project.id),
              collisionKeys: (project) => {
                const number = projectNumberOf(project);
                const name = presentText(project.name);
                return [...(number ? [`number:${projectNumberKey(number)}`] : []), ...(name ? [`name:${projectNameKey(name)}`] : [])];
              },
              linkedCorfixId: (project) => links.get(project.id)?.corfixProjectId,
              madeEarlier: (project) => byRef.get(procoreProjectExternalRef(company, project.id)),
              decide: (project, linked) =>
                decideProject(project, {
                  companyId: company,
                  today,
                  linked,
                  corfixHasProjectNumber: (key) => numbers.has(key),
                  corfixHasProjectName: (key) => names.has(key),
                }),
              create: (project, decision) =>
                clients.corfix.createProject(account, decision.fields, {
                  idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: project.id, operation: 'project.create' }),
                }),
              findByExternalRef: (ref) => clients.corfix.findProjectByExternalRef(account, ref),
              saveLink: async (project, corfix) => {
                await saveProjectLink(db, {
                  integrationId: integration.id,
                  procoreProjectId: project.id,
                  corfixProjectId: corfix.id,
                  lastProcoreActive: project.active,
                  lastProcoreUpdatedAt: project.updatedAt,
                  lastCorfixStatus: corfix.status,
                });
              },
              remember: (decision) => {
                if (decision.numberKey) numbers.add(decision.numberKey);
                names.add(decision.nameKey);
              },
              refusalReason: () => undefined,
            },
            (id) => {
              lastDone = id;
              activity.heartbeat();
            },
            activity.stopRequested,
          );

          return finishPage(integration.id, 'project', input, page, created);
        },
        workerStopping,
      );
    },

    /** One page of Procore users, active or inactive (each gets its report row). */
    async syncUserPage(input: UserPageInput): Promise<PageResult> {
      const integration = await loadIntegration(db, input.integrationId);
      const account = integration.corfixAccountId;
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
          const existing = await allOf(clients.corfix.workerPages(account), activity.heartbeat);
          const emails = new Set(existing.flatMap((w) => (w.email ? [emailKey(w.email)] : [])));
          const byRef = new Map(existing.flatMap((w) => (w.external_ref ? [[w.external_ref, w] as const] : [])));
          const links = await findWorkerLinks(db, integration.id, page.items.map((u) => u.id));

          const { created } = await syncEntityPage<ProcoreUser, CorfixWorker, Extract<WorkerDecision, { outcome: 'created' }>>(
            db,
            integration.id,
            remainingAfter(page.items, input.resumeAfterId),
            {
              entity: 'user',
              externalRef: (user) => procoreUserExternalRef(company, user.id),
              collisionKeys: (user) => {
                const email = workerEmail(user);
                return email ? [`email:${emailKey(email)}`] : [];
              },
              linkedCorfixId: (user) => links.get(user.id)?.corfixWorkerId,
              madeEarlier: (user) => byRef.get(procoreUserExternalRef(company, user.id)),
              decide: (user, linked) =>
                decideWorker(user, {
                  companyId: company,
                  linked,
                  serviceAccountUserId: input.serviceAccountUserId,
                  syncEmployeesOnly: integration.syncEmployeesOnly,
                  automaticallyActivateWorkers: integration.autoActivateWorkers,
                  corfixHasEmail: (key) => emails.has(key),
                }),
              create: (user, decision) =>
                clients.corfix.createWorker(account, decision.fields, {
                  idempotencyKey: idempotencyKey({ integrationId: integration.id, procoreId: user.id, operation: 'worker.create' }),
                  activate: decision.activate,
                }),
              findByExternalRef: (ref) => clients.corfix.findWorkerByExternalRef(account, ref),
              saveLink: async (user, worker) => {
                await saveWorkerLink(db, {
                  integrationId: integration.id,
                  procoreUserId: user.id,
                  corfixWorkerId: worker.id,
                  lastProcoreIsActive: user.isActive,
                  lastProcoreIsEmployee: user.isEmployee,
                  lastProcoreUpdatedAt: user.updatedAt,
                  lastCorfixStatus: worker.status,
                });
              },
              remember: (decision) => {
                if (decision.emailKey) emails.add(decision.emailKey);
              },
              // Someone added a worker with this email in Corfix since the page began.
              refusalReason: (error) => (error.code === 'email_taken' ? { reason: 'email_exists', field: null } : undefined),
            },
            (id) => {
              lastDone = id;
              activity.heartbeat();
            },
            activity.stopRequested,
          );

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
    },

    async failInitialSync(input: { integrationId: string; message: string }): Promise<void> {
      await failInitialSyncOf(db, input.integrationId, input.message);
    },

    /** ConnectIntegration's last step: the initial sync is done and the integration is live. */
    async markIntegrationActive(input: { integrationId: string }): Promise<void> {
      await updateIntegration(db, input.integrationId, { status: 'active' });
    },
  };
}

export type InitialSyncActivities = ReturnType<typeof createInitialSyncActivities>;
