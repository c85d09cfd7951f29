// The continuous syncs' activities: one call per Procore page, as at connect.
// A page's linked records get the change rules (linked-changes.ts; docs/rules.md,
// User changes and Project changes); records not linked yet get the connect's rules
// (entity-rules.ts), so a new user or project is decided as it would have
// been at connect. Each step is safe to repeat: a change is decided from the
// wanted state and the link's memory, and the memory is written after Corfix
// answered, so a repeat finds nothing left to do.
import type { Client } from '@temporalio/client';
import { startContinuousSyncs } from '../client.js';
import {
  findLoopPosition,
  saveLoopPosition,
  saveProcoreHookId,
  saveServiceAccountUserId,
  type LoopEntity,
} from '../db/repositories/continuous-syncs.js';
import { failContinuousSyncOf, resumeContinuousSyncOf, type Integration } from '../db/repositories/integrations.js';
import {
  findProjectLinks,
  findWorkerLinks,
  markUsersListed,
  workerLinksNotListedSince,
  type WorkerLink,
} from '../db/repositories/links.js';
import { markProcoreEventsProcessed, newestWaitingProcoreEvent, waitingProcoreDeletions } from '../db/repositories/webhook-events.js';
import { utcCalendarDate } from '../domain/calendar-date.js';
import { userDiffersFromLink } from '../domain/worker-change.js';
import type { UpdatedAtRange, WebhookEvent, WebhookResource } from '../procore/list-filters.js';
import { noCounts } from '../workflows/continuous-messages.js';
import { pauseWithHeartbeats, StopRequested, withHeartbeats, type ActivityDependencies, type ActivityProgress } from './activity-support.js';
import type {
  ChangePageInput,
  ChangePageResult,
  CycleEnd,
  CycleEndInput,
  CycleInput,
  CycleStart,
  LoopStart,
} from './continuous-sync-types.js';
import { syncEntityPage, type EntityRules } from './entity-page.js';
import {
  corfixProjectsKnown,
  corfixWorkersKnown,
  lookUpCorfixProjects,
  lookUpCorfixWorkers,
  LOOKUPS_UP_TO,
  projectRules,
  workerRules,
} from './entity-rules.js';
import { createLinkedChanges } from './linked-changes.js';
import { createProcorePageTools, loadIntegration, nextPageOf, remainingAfter, totalPagesOf } from './procore-pages.js';

export interface ContinuousSyncDependencies extends ActivityDependencies {
  temporal: { client: Client; taskQueue: string };
  continuousSync: {
    pollIntervalMs: number;
    reconcileIntervalMs: number;
    /** PUBLIC_URL and PROCORE_WEBHOOK_SECRET: without them no hook is registered, and polling alone keeps things in step */
    webhooks?: { publicUrl: string; secret: string };
  };
}

/** The namespace of the hooks this service registers in a Procore company. */
export const PROCORE_HOOK_NAMESPACE = 'corfix-integration';
const HOOK_TRIGGERS: ReadonlyArray<{ resourceName: WebhookResource; eventType: WebhookEvent }> = (['Company Users', 'Projects'] as const).flatMap(
  (resourceName) => (['create', 'update', 'delete'] as const).map((eventType) => ({ resourceName, eventType })),
);

/**
 * Procore's clock and ours may differ: each cycle reads again the last two
 * minutes before it began (a record seen twice is decided once: the link
 * remembers it), and asks for changes up to a day ahead.
 */
const CURSOR_OVERLAP_MS = 2 * 60_000;
const AHEAD_MS = 24 * 60 * 60_000;

/** The `updated_at` range a cycle asks Procore for: from its cursor to a day past its start; none on a full pass. */
function changedRange(input: ChangePageInput): UpdatedAtRange | undefined {
  if (input.since === null) return undefined;
  return { from: new Date(Date.parse(input.since)), to: new Date(Date.parse(input.cycleStartedAt) + AHEAD_MS) };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function createContinuousSyncActivities(deps: ContinuousSyncDependencies) {
  const { db, clients, logger } = deps;
  const workerStopping = () => deps.workerStopping?.() ?? false;
  const { fetchProcorePage, allOf, reportUnreadable } = createProcorePageTools(deps);
  const { changeWorker, changeProject } = createLinkedChanges(deps);

  /** Records not linked yet, decided by the connect's rules: looked up one by one when few, else every Corfix page once. */
  async function decideUnlinked<
    P extends { id: string },
    C extends { id: string; status: string },
    D extends { outcome: 'created' },
    A extends { outcome: 'adopted'; corfixId: string },
  >(
    integration: Integration,
    items: P[],
    rulesFor: (existing: C[]) => EntityRules<P, C, D, A>,
    lookUp: (items: P[]) => Promise<C[]>,
    every: () => AsyncIterable<{ data: C[] }>,
    activity: ActivityProgress,
    onDone: (id: string) => void,
  ): Promise<number> {
    if (items.length === 0) return 0;
    const existing = items.length <= LOOKUPS_UP_TO ? await lookUp(items) : await allOf(every(), activity.heartbeat);
    activity.heartbeat();
    const { created } = await syncEntityPage(db, integration.id, items, rulesFor(existing), {
      onDone,
      stopRequested: activity.stopRequested,
      createsInFlight: deps.corfixCreateConcurrency,
      waitForRateLimit: (ms) => pauseWithHeartbeats(activity, ms),
    });
    return created;
  }

  /**
   * One page of a cycle: the integration, heartbeats carrying the point a
   * retry resumes after, and `finished(id)` to move that point.
   */
  async function changePage(
    input: ChangePageInput,
    work: (integration: Integration, activity: ActivityProgress, finished: (id: string) => void) => Promise<ChangePageResult>,
  ): Promise<ChangePageResult> {
    const integration = await loadIntegration(db, input.integrationId);
    let lastDone = input.resumeAfterId;
    return withHeartbeats(
      () => ({ page: input.page, resumeAfterId: lastDone }),
      (activity) =>
        work(integration, activity, (id) => {
          lastDone = id;
          activity.heartbeat();
        }),
      workerStopping,
    );
  }

  /** Whether a record not linked yet is decided in this cycle: on a full pass all; else those changed since the cursor. */
  const changedSince = (since: string | null) => (record: { updatedAt: string }) => since === null || Date.parse(record.updatedAt) >= Date.parse(since);

  return {
    /** Postgres says whether the loop should run and where it stands; the worker says how often. */
    async loadContinuousSync(input: CycleInput): Promise<LoopStart> {
      const position = await findLoopPosition(db, input.integrationId, input.entity);
      const live = position && position.initialSyncCompleted && ['active', 'paused', 'error'].includes(position.status);
      return {
        status: live ? (position.status as LoopStart['status']) : 'gone',
        cursor: iso(position?.cursor ?? null),
        reconciledAt: iso(position?.reconciledAt ?? null),
        resyncRequestedAt: iso(position?.resyncRequestedAt ?? null),
        pollIntervalMs: deps.continuousSync.pollIntervalMs,
        reconcileIntervalMs: deps.continuousSync.reconcileIntervalMs,
      };
    },

    /** A cycle begins: the moment it lists from, the inbox events it answers for, the app's own user. */
    async beginCycle(input: CycleInput): Promise<CycleStart> {
      const integration = await loadIntegration(db, input.integrationId);
      return withHeartbeats(
        () => null,
        async () => {
          const startedAt = new Date().toISOString();
          const inboxUpTo = await newestWaitingProcoreEvent(db, integration.id, input.entity);
          let serviceAccountUserId: string | null = null;
          if (input.entity === 'users') {
            const position = await findLoopPosition(db, integration.id, 'users');
            serviceAccountUserId = position?.serviceAccountUserId ?? null;
            if (serviceAccountUserId === null) {
              // Integrations connected before it was kept: asked once, then remembered.
              serviceAccountUserId = (await clients.procore(integration.procoreCompanyId).me()).id;
              await saveServiceAccountUserId(db, integration.id, serviceAccountUserId);
            }
          }
          return { startedAt, inboxUpTo, serviceAccountUserId };
        },
        workerStopping,
      );
    },

    /** One page of Procore users: active ones changed since the cursor, or the inactive list (every user on a full pass). */
    async syncUserChangePage(input: ChangePageInput): Promise<ChangePageResult> {
      return changePage(input, async (integration, activity, finished) => {
        const procore = clients.procore(integration.procoreCompanyId);
        const list = input.list === 'inactive' ? 'inactive' : 'active';
        const updatedAt = changedRange(input);
        const page = await fetchProcorePage(integration, list, input, (number, perPage) =>
          list === 'active' ? procore.activeUsersPage(updatedAt ? { updatedAt } : {}, number, perPage) : procore.inactiveUsersPage(number, perPage),
        );
        activity.heartbeat();
        await reportUnreadable(integration.id, 'user', list === 'active' ? 'active_users' : 'inactive_users', page);
        const counts = { ...noCounts(), listed: page.items.length };
        const items = remainingAfter(page.items, input.resumeAfterId);
        const links = await findWorkerLinks(db, integration.id, items.map((u) => u.id));

        for (const user of items) {
          const link = links.get(user.id);
          if (!link || (input.since !== null && !userDiffersFromLink(user, link))) continue;
          if (activity.stopRequested()) throw new StopRequested();
          await changeWorker(integration, user, link, counts);
          activity.heartbeat();
        }

        const unlinked = items.filter((u) => !links.has(u.id)).filter(changedSince(input.since));
        counts.decided = unlinked.length;
        counts.created = await decideUnlinked(
          integration,
          unlinked,
          (existing) =>
            workerRules({
              db,
              corfix: clients.corfix,
              integration,
              serviceAccountUserId: input.serviceAccountUserId ?? '',
              known: corfixWorkersKnown(existing),
              links,
            }),
          (users) => lookUpCorfixWorkers(clients.corfix, integration, users),
          () => clients.corfix.workerPages(integration.corfixAccountId),
          activity,
          finished,
        );
        // After the page's own creates, so that a link made just now counts as listed (else the end of a full pass would take it for deleted).
        if (input.since === null) {
          const listed = [...page.items.map((u) => u.id), ...page.unreadable.flatMap((r) => (r.id === null ? [] : [r.id]))];
          await markUsersListed(db, integration.id, listed, new Date(input.cycleStartedAt));
        }
        return { nextPage: nextPageOf(page), perPage: page.perPage, totalPages: totalPagesOf(page), counts };
      });
    },

    /** One page of Procore projects (every status): changed since the cursor, or all of them on a full pass. */
    async syncProjectChangePage(input: ChangePageInput): Promise<ChangePageResult> {
      return changePage(input, async (integration, activity, finished) => {
        const procore = clients.procore(integration.procoreCompanyId);
        const updatedAt = changedRange(input);
        const page = await fetchProcorePage(integration, 'projects', input, (number, perPage) =>
          procore.projectsPage({ status: 'All', ...(updatedAt ? { updatedAt } : {}) }, number, perPage),
        );
        activity.heartbeat();
        await reportUnreadable(integration.id, 'project', 'projects', page);
        const counts = { ...noCounts(), listed: page.items.length };
        const items = remainingAfter(page.items, input.resumeAfterId);
        const links = await findProjectLinks(db, integration.id, items.map((p) => p.id));
        const today = utcCalendarDate(new Date());

        for (const project of items) {
          const link = links.get(project.id);
          if (!link) continue;
          if (activity.stopRequested()) throw new StopRequested();
          await changeProject(integration, project, link, today, counts);
          activity.heartbeat();
        }

        const unlinked = items.filter((p) => !links.has(p.id));
        counts.decided = unlinked.length;
        counts.created = await decideUnlinked(
          integration,
          unlinked,
          (existing) =>
            projectRules({ db, corfix: clients.corfix, integration, today, known: corfixProjectsKnown(existing), links }),
          (projects) => lookUpCorfixProjects(clients.corfix, integration, projects),
          () => clients.corfix.projectPages(integration.corfixAccountId),
          activity,
          finished,
        );
        return { nextPage: nextPageOf(page), perPage: page.perPage, totalPages: totalPagesOf(page), counts };
      });
    },

    /**
     * A cycle ends: users deleted in Procore (a delete event in the inbox,
     * or, after a full pass, a link no list showed) are blocked; the inbox
     * events it answered for are marked; the cursor moves.
     */
    async finishCycle(input: CycleEndInput): Promise<CycleEnd> {
      const integration = await loadIntegration(db, input.integrationId);
      return withHeartbeats(
        () => null,
        async (activity) => {
          const counts = noCounts();
          if (input.entity === 'users') {
            const deleted = new Map<string, WorkerLink>();
            if (input.inboxUpTo !== null) {
              const ids = await waitingProcoreDeletions(db, integration.id, 'users', input.inboxUpTo);
              for (const link of (await findWorkerLinks(db, integration.id, ids)).values()) deleted.set(link.procoreUserId, link);
            }
            if (input.full) {
              for (const link of await workerLinksNotListedSince(db, integration.id, new Date(input.startedAt))) deleted.set(link.procoreUserId, link);
            }
            for (const link of deleted.values()) {
              if (link.lastCorfixStatus === 'blocked' && !link.lastProcoreIsActive) continue;
              await changeWorker(integration, 'deleted', link, counts);
              activity.heartbeat();
            }
          }
          // Project deletions change nothing in Corfix (the seed has no rule for them): their events are only marked.
          if (input.inboxUpTo !== null) await markProcoreEventsProcessed(db, integration.id, input.entity, input.inboxUpTo);
          const cursor = new Date(Date.parse(input.startedAt) - CURSOR_OVERLAP_MS);
          await saveLoopPosition(db, integration.id, input.entity as LoopEntity, {
            cursor,
            ...(input.full ? { reconciledAt: new Date(input.startedAt) } : {}),
          });
          return { counts, cursor: cursor.toISOString() };
        },
        workerStopping,
      );
    },

    /** A continuous sync stopped on a failure no retry fixes: the integration shows it, until resumed. */
    async failContinuousSync(input: { integrationId: string; message: string }): Promise<void> {
      await failContinuousSyncOf(db, input.integrationId, input.message);
    },

    /** Resumed after such a failure: the integration is active again (a later pause or disconnect is left alone). */
    async resumeContinuousSync(input: { integrationId: string }): Promise<void> {
      await resumeContinuousSyncOf(db, input.integrationId);
    },

    /**
     * Asks Procore to send changes of the company's users and projects to
     * POST /webhooks/procore with the secret as the hook's Authorization
     * header. A hook of ours with the same destination is reused (a repeat,
     * a reconnect), and existing triggers are kept.
     */
    async registerProcoreWebhooks(input: { integrationId: string }): Promise<{ registered: boolean }> {
      const webhooks = deps.continuousSync.webhooks;
      if (!webhooks) return { registered: false };
      const integration = await loadIntegration(db, input.integrationId);
      const procore = clients.procore(integration.procoreCompanyId);
      const destinationUrl = new URL('webhooks/procore', webhooks.publicUrl.endsWith('/') ? webhooks.publicUrl : `${webhooks.publicUrl}/`).toString();
      const hook =
        (await procore.listHooks(PROCORE_HOOK_NAMESPACE)).find((h) => h.destinationUrl === destinationUrl) ??
        (await procore.createHook({ namespace: PROCORE_HOOK_NAMESPACE, destinationUrl, authorization: `Bearer ${webhooks.secret}` }));
      for (const trigger of HOOK_TRIGGERS) await procore.createTrigger(hook.id, trigger);
      await saveProcoreHookId(db, integration.id, hook.id);
      return { registered: true };
    },

    /** ConnectIntegration's last step: the two loops that keep the integration in step from now on. */
    async startContinuousSyncs(input: { integrationId: string }): Promise<void> {
      const integration = await loadIntegration(db, input.integrationId);
      await startContinuousSyncs(deps.temporal.client, deps.temporal.taskQueue, integration);
      logger.info({ integrationId: integration.id }, 'continuous syncs running');
    },
  };
}

export type ContinuousSyncActivities = ReturnType<typeof createContinuousSyncActivities>;
