// The preview's activities (PreviewIntegration): the initial sync's reads,
// one call per Procore page, and its decisions (entity-preview.ts), with the
// preview's own Corfix snapshot and report. Nothing is written to Corfix or
// Procore, and no integration's rows: a page's report lines, what it would
// make and the progress that counts it go to Postgres in one transaction. A
// page tried again after a crash before that decides afresh from the same
// snapshot; one tried again after it (its answer lost) is read back, not
// decided again (its own would-be records are in the snapshot by then).
import { ApplicationFailure } from '@temporalio/common';
import type { Database } from '../db/database.js';
import type { SnapshotKey, SnapshotScope } from '../db/repositories/corfix-snapshots.js';
import type { ProcoreList } from '../db/repositories/integrations.js';
import { findPreviousIntegrationId, findProjectLinks, findWorkerLinks } from '../db/repositories/links.js';
import {
  completePreview,
  countPreviewOutcomesOf,
  countPreviewOutcomesOfIds,
  failPreview,
  findPreview,
  recordPreviewOutcomes,
  recordPreviewProgress,
  rememberPreviewPageSize,
  type Preview,
  type PreviewEntity,
  type PreviewOutcome,
} from '../db/repositories/previews.js';
import { utcCalendarDate } from '../domain/calendar-date.js';
import { ALL_PROJECTS } from '../domain/project-selection.js';
import type { ProcoreClient } from '../procore/client.js';
import type { Page } from '../procore/pagination.js';
import { withHeartbeats, type ActivityDependencies } from './activity-support.js';
import { corfixProjectsOfPage, corfixWorkersOfPage, keepMade, keysOfMadeProject, keysOfMadeWorker, takeSnapshotWithHeartbeats } from './corfix-snapshot.js';
import { previewEntityPage, type PreviewedPage } from './entity-preview.js';
import { projectRules, workerRules, type RulesSubject } from './entity-rules.js';
import type { PageResult, SnapshotResume, SyncStart } from './initial-sync-types.js';
import { createProcorePageTools, pageResultOf } from './procore-pages.js';

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

/** The page was saved by an attempt whose answer the workflow never got: the progress counts it already. */
function savedBefore(preview: Preview, entity: PreviewEntity, input: PreviewPageInput): boolean {
  return (progressOf(preview, entity)?.pagesDone ?? 0) > input.pagesDoneBefore;
}

/** The preview's saved progress through one entity's lists. */
const progressOf = (preview: Preview, entity: PreviewEntity) => (entity === 'project' ? preview.progress.projects : preview.progress.users);


/** The preview decides as an integration with its settings would. */
const subjectOf = (preview: Preview): RulesSubject => ({
  id: preview.id,
  corfixAccountId: preview.corfixAccountId,
  procoreCompanyId: preview.procoreCompanyId,
  syncEmployeesOnly: preview.settings.syncEmployeesOnly,
  autoActivateWorkers: preview.settings.autoActivateWorkers,
  adoptExisting: preview.settings.adoptExisting ?? false,
  // The connect body's selection: a preview leaves out the projects the connect would.
  projectSelection: preview.settings.projectSelection ?? ALL_PROJECTS,
});

/** What a page would make or adopt, kept until its lines are saved with it. */
class Pending {
  readonly keys: SnapshotKey[] = [];
  readonly records: string[] = [];

  /** `claimed`: a record adopted, taken under every key it holds */
  add(keys: SnapshotKey[], claimed: string | undefined): void {
    this.keys.push(...keys);
    if (claimed !== undefined) this.records.push(claimed);
  }
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
    previewed: PreviewedPage,
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
    return pageResultOf(page, entitiesDone, previewed.created);
  }

  /**
   * One Procore page of `list`, read at the size the preview can be answered
   * in, decided by `decide` (the records Corfix holds of its keys, the links
   * a connect would take over, the rules), and saved with what it would make.
   */
  async function previewPage<P extends { id: string }>(
    input: PreviewPageInput,
    list: ProcoreList,
    fetch: (procore: ProcoreClient, page: number, perPage: number) => Promise<Page<P>>,
    decide: (preview: Preview, items: P[], previousIntegrationId: string | undefined, pending: Pending) => Promise<PreviewedPage>,
  ): Promise<PageResult> {
    const preview = await loadPreview(db, input.previewId);
    const entity: PreviewEntity = list === 'projects' ? 'project' : 'user';
    return withHeartbeats(
      () => null,
      async (activity) => {
        const procore = clients.procore(preview.procoreCompanyId);
        const page = await fetchProcorePage(
          preview,
          list,
          input,
          (number, perPage) => fetch(procore, number, perPage),
          (l, perPage) => rememberPreviewPageSize(db, preview.id, l, perPage),
        );
        activity.heartbeat();
        // Saved already (its answer was lost): deciding it again would meet its own would-be records in the snapshot.
        if (savedBefore(preview, entity, input)) {
          const created = await countPreviewOutcomesOfIds(db, preview.id, entity, page.items.map((i) => i.id), 'created');
          return pageResultOf(page, progressOf(preview, entity)?.entitiesDone ?? 0, created);
        }
        const pending = new Pending();
        const previewed = await decide(preview, page.items, await previousIntegration(preview), pending);
        const scope: SnapshotScope = { ownerId: preview.id, generation: input.snapshotGeneration, entity: entity === 'project' ? 'project' : 'worker' };
        return savePage(preview, entity, scope, input, page, previewed, pending);
      },
      workerStopping,
    );
  }

  return {
    /** Learns the app's own Procore user, as the initial sync does (it is never synced). */
    async beginPreview(input: { previewId: string }): Promise<SyncStart> {
      const preview = await loadPreview(db, input.previewId);
      return withHeartbeats(
        () => null,
        async () => {
          const me = await clients.procore(preview.procoreCompanyId).me();
          return { serviceAccountUserId: me.id };
        },
      );
    },

    /** The Corfix account's projects and workers, read once into the preview's own snapshot. */
    async takePreviewSnapshot(input: { previewId: string; resume?: SnapshotResume | null }): Promise<SnapshotResume> {
      const preview = await loadPreview(db, input.previewId);
      return takeSnapshotWithHeartbeats(db, clients.corfix, preview, input.resume, workerStopping);
    },

    /** One page of Procore projects, decided as the initial sync would. */
    previewProjectPage: (input: PreviewPageInput): Promise<PageResult> =>
      previewPage(
        input,
        'projects',
        (procore, number, perPage) => procore.projectsPage({ status: 'All' }, number, perPage),
        async (preview, items, previous, pending) => {
          const known = await corfixProjectsOfPage(db, preview, input.snapshotGeneration, items);
          known.keep = async (made) => pending.add(keysOfMadeProject(made), made.claimed ? made.id : undefined);
          const links = previous ? await findProjectLinks(db, previous, items.map((p) => p.id)) : new Map();
          const today = utcCalendarDate(new Date());
          const subject = subjectOf(preview);
          const rules = projectRules({ db, corfix: clients.corfix, integration: subject, today, known, links });
          return previewEntityPage(items, rules, subject.adoptExisting);
        },
      ),

    /** One page of Procore users, active or inactive, decided as the initial sync would. */
    previewUserPage: (input: PreviewUserPageInput): Promise<PageResult> =>
      previewPage(
        input,
        input.list,
        (procore, number, perPage) => (input.list === 'active' ? procore.activeUsersPage({}, number, perPage) : procore.inactiveUsersPage(number, perPage)),
        async (preview, items, previous, pending) => {
          const known = await corfixWorkersOfPage(db, preview, input.snapshotGeneration, items);
          known.keep = async (made) => pending.add(keysOfMadeWorker(made), made.claimed ? made.id : undefined);
          const links = previous ? await findWorkerLinks(db, previous, items.map((u) => u.id)) : new Map();
          const serviceAccountUserId = input.serviceAccountUserId;
          const subject = subjectOf(preview);
          const rules = workerRules({ db, corfix: clients.corfix, integration: subject, serviceAccountUserId, known, links });
          return previewEntityPage(items, rules, subject.adoptExisting);
        },
      ),

    /** While the preview waits to retry: the problem in words, and when it tries again (null: well again). */
    async recordPreviewProblem(input: { previewId: string; message: string | null; nextTryAt: string | null }): Promise<void> {
      await recordPreviewProgress(db, input.previewId, { problem: input.message === null ? null : { message: input.message, nextTryAt: input.nextTryAt } });
    },

    async completePreview(input: { previewId: string }): Promise<void> {
      await completePreview(db, input.previewId);
    },

    async failPreview(input: { previewId: string; message: string }): Promise<void> {
      await failPreview(db, input.previewId, input.message);
    },
  };
}

export type PreviewActivities = ReturnType<typeof createPreviewActivities>;
