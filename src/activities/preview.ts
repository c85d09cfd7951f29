// The preview's activities (PreviewIntegration): the initial sync's reads,
// one call per Procore page, and its decisions (entity-preview.ts), with the
// preview's own Corfix snapshot and report. Nothing is written to Corfix or
// Procore, and no integration's rows: a page's report lines and what it
// would make go to Postgres in one transaction, so a page tried again after a
// crash decides from the same snapshot and writes the same lines.
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/database.js';
import type { SnapshotEntity, SnapshotScope } from '../db/repositories/corfix-snapshots.js';
import { dropSnapshots } from '../db/repositories/corfix-snapshots.js';
import { findPreviousIntegrationId, findProjectLinks, findWorkerLinks } from '../db/repositories/links.js';
import {
  completePreview,
  countPreviewOutcomesOf,
  failPreview,
  findPreview,
  recordPreviewOutcomes,
  recordPreviewProgress,
  rememberPreviewPageSize,
  savePreviewServiceAccount,
  type Preview,
  type PreviewEntity,
  type PreviewOutcome,
} from '../db/repositories/previews.js';
import { utcCalendarDate } from '../domain/calendar-date.js';
import type { SnapshotKey } from '../db/repositories/corfix-snapshots.js';
import type { Page } from '../procore/pagination.js';
import { withHeartbeats, type ActivityDependencies } from './activity-support.js';
import { corfixProjectsOfPage, corfixWorkersOfPage, keepMade, keysOfMadeProject, keysOfMadeWorker, takeCorfixSnapshot } from './corfix-snapshot.js';
import { previewEntityPage } from './entity-preview.js';
import { projectRules, workerRules, type RulesSubject } from './entity-rules.js';
import type { PageResult, SnapshotResume, SyncStart } from './initial-sync-types.js';
import { createProcorePageTools, nextPageOf, totalPagesOf } from './procore-pages.js';

export interface PreviewPageInput {
  previewId: string;
  page: number;
  /** the page size `page` counts in; null: the list's largest */
  perPage: number | null;
  pagesDoneBefore: number;
  snapshotGeneration: number;
}

export interface PreviewUserPageInput extends PreviewPageInput {
  list: 'active' | 'inactive';
  serviceAccountUserId: string;
}

async function loadPreview(db: Database, previewId: string): Promise<Preview> {
  const preview = await findPreview(db, previewId);
  if (!preview) throw ApplicationFailure.nonRetryable(`preview ${previewId} no longer exists`, 'PreviewGone');
  return preview;
}

/** The preview decides as an integration with its settings would. */
const subjectOf = (preview: Preview): RulesSubject => ({
  id: preview.id,
  corfixAccountId: preview.corfixAccountId,
  procoreCompanyId: preview.procoreCompanyId,
  syncEmployeesOnly: preview.settings.syncEmployeesOnly,
  autoActivateWorkers: preview.settings.autoActivateWorkers,
  adoptExisting: preview.settings.adoptExisting ?? false,
});

/** What a page would make or adopt, kept until its lines are saved with it. */
interface Pending {
  keys: SnapshotKey[];
  records: string[];
}

export function createPreviewActivities(deps: ActivityDependencies) {
  const { db, clients } = deps;
  const workerStopping = () => deps.workerStopping?.() ?? false;
  const { fetchProcorePage } = createProcorePageTools(deps);

  /** A connect takes over the links of the account's last integration with this company: the preview reads them. */
  const previousIntegration = (preview: Preview) =>
    findPreviousIntegrationId(db, { corfixAccountId: preview.corfixAccountId, procoreCompanyId: preview.procoreCompanyId });

  /**
   * Saves a page: its lines (unreadable records included), what it would make
   * or adopt, and the preview's progress, in one transaction.
   */
  async function savePage(
    preview: Preview,
    entity: PreviewEntity,
    scope: SnapshotScope,
    input: PreviewPageInput,
    page: Page<unknown>,
    previewed: { lines: PreviewOutcome[]; created: number },
    pending: Pending,
  ): Promise<PageResult> {
    const unreadable: PreviewOutcome[] = page.unreadable.flatMap((r) =>
      r.id === null ? [] : [{ entity, procoreId: r.id, outcome: 'skipped', reason: 'invalid_record', field: r.field, corfixIds: [], other: null }],
    );
    const entitiesDone = await db.transaction(async (trx) => {
      await keepMade(trx, scope, pending.keys, pending.records);
      await recordPreviewOutcomes(trx, preview.id, [...unreadable, ...previewed.lines]);
      const done = await countPreviewOutcomesOf(trx, preview.id, entity);
      const withoutId = page.unreadable.filter((r) => r.id === null).length;
      await recordPreviewProgress(trx, preview.id, {
        phase: entity === 'project' ? 'projects' : 'users',
        [entity === 'project' ? 'projects' : 'users']: { pagesDone: input.pagesDoneBefore + 1, entitiesDone: done },
        ...(withoutId > 0 ? { unreadableWithoutId: (preview.progress.unreadableWithoutId ?? 0) + withoutId } : {}),
      });
      return done;
    });
    return {
      nextPage: nextPageOf(page),
      perPage: page.perPage,
      totalPages: totalPagesOf(page),
      entitiesInPage: page.items.length,
      entitiesDone,
      created: previewed.created,
    };
  }

  const scopeOf = (preview: Preview, generation: number, entity: SnapshotEntity): SnapshotScope => ({ ownerId: preview.id, generation, entity });

  return {
    /** Learns the app's own Procore user, as the initial sync does (it is never synced). */
    async beginPreview(input: { previewId: string }): Promise<SyncStart> {
      const preview = await loadPreview(db, input.previewId);
      return withHeartbeats(
        () => null,
        async () => {
          const me = await clients.procore(preview.procoreCompanyId).me();
          await savePreviewServiceAccount(db, preview.id, me.id);
          return { serviceAccountUserId: me.id };
        },
      );
    },

    /** The Corfix account's projects and workers, read once into the preview's own snapshot. */
    async takePreviewSnapshot(input: { previewId: string; resume?: SnapshotResume | null }): Promise<SnapshotResume> {
      const preview = await loadPreview(db, input.previewId);
      let at: SnapshotResume | null = null;
      return withHeartbeats(
        () => at ?? input.resume ?? null,
        async (activity) =>
          takeCorfixSnapshot(db, clients.corfix, preview, input.resume?.generation ?? null, (progress) => {
            at = progress;
            activity.heartbeat();
          }),
        workerStopping,
      );
    },

    /** One page of Procore projects, decided as the initial sync would. */
    async previewProjectPage(input: PreviewPageInput): Promise<PageResult> {
      const preview = await loadPreview(db, input.previewId);
      return withHeartbeats(
        () => null,
        async (activity) => {
          const procore = clients.procore(preview.procoreCompanyId);
          const page = await fetchProcorePage(
            preview,
            'projects',
            input,
            (number, perPage) => procore.projectsPage({ status: 'All' }, number, perPage),
            (list, perPage) => rememberPreviewPageSize(db, preview.id, list, perPage),
          );
          activity.heartbeat();
          const scope = scopeOf(preview, input.snapshotGeneration, 'project');
          const known = await corfixProjectsOfPage(db, preview, input.snapshotGeneration, page.items);
          const pending: Pending = { keys: [], records: [] };
          known.keep = async (made) => {
            pending.keys.push(...keysOfMadeProject(made));
            pending.records.push(made.id);
          };
          const previous = await previousIntegration(preview);
          const links = previous ? await findProjectLinks(db, previous, page.items.map((p) => p.id)) : new Map();
          const today = utcCalendarDate(new Date());
          const rules = projectRules({ db, corfix: clients.corfix, integration: subjectOf(preview), today, known, links });
          const previewed = await previewEntityPage(page.items, rules, subjectOf(preview).adoptExisting);
          return savePage(preview, 'project', scope, input, page, previewed, pending);
        },
        workerStopping,
      );
    },

    /** One page of Procore users, active or inactive, decided as the initial sync would. */
    async previewUserPage(input: PreviewUserPageInput): Promise<PageResult> {
      const preview = await loadPreview(db, input.previewId);
      return withHeartbeats(
        () => null,
        async (activity) => {
          const procore = clients.procore(preview.procoreCompanyId);
          const page = await fetchProcorePage(
            preview,
            input.list,
            input,
            (number, perPage) => (input.list === 'active' ? procore.activeUsersPage({}, number, perPage) : procore.inactiveUsersPage(number, perPage)),
            (list, perPage) => rememberPreviewPageSize(db, preview.id, list, perPage),
          );
          activity.heartbeat();
          const scope = scopeOf(preview, input.snapshotGeneration, 'worker');
          const known = await corfixWorkersOfPage(db, preview, input.snapshotGeneration, page.items);
          const pending: Pending = { keys: [], records: [] };
          known.keep = async (made) => {
            pending.keys.push(...keysOfMadeWorker(made));
            pending.records.push(made.id);
          };
          const previous = await previousIntegration(preview);
          const links = previous ? await findWorkerLinks(db, previous, page.items.map((u) => u.id)) : new Map();
          const rules = workerRules({
            db,
            corfix: clients.corfix,
            integration: subjectOf(preview),
            serviceAccountUserId: input.serviceAccountUserId,
            known,
            links,
          });
          const previewed = await previewEntityPage(page.items, rules, subjectOf(preview).adoptExisting);
          return savePage(preview, 'user', scope, input, page, previewed, pending);
        },
        workerStopping,
      );
    },

    /** While the preview waits to retry: the problem in words, and when it tries again (null: well again). */
    async recordPreviewProblem(input: { previewId: string; message: string | null; nextTryAt: string | null }): Promise<void> {
      await recordPreviewProgress(db, input.previewId, { problem: input.message === null ? null : { message: input.message, nextTryAt: input.nextTryAt } });
    },

    async completePreview(input: { previewId: string }): Promise<void> {
      await recordPreviewProgress(db, input.previewId, { phase: 'done' });
      await completePreview(db, input.previewId);
      await dropSnapshots(db, input.previewId);
    },

    async failPreview(input: { previewId: string; message: string }): Promise<void> {
      await failPreview(db, input.previewId, input.message);
      await dropSnapshots(db, input.previewId);
    },
  };
}

export type PreviewActivities = ReturnType<typeof createPreviewActivities>;
