// PreviewIntegration: what connecting would do, before anyone connects
// (POST /v1/integrations/preview). It walks Procore's lists as the initial
// sync does (page-walk.ts) and decides every project and user by the same
// rules over a snapshot of the Corfix account of its own, but writes nothing
// to Corfix, Procore or any integration: each page's decisions go to the
// preview's report (src/activities/preview.ts). A workflow, not a request, so
// a company of thousands is previewed durably, with its waits in plain sight.
import { continueAsNew, defineQuery, proxyActivities } from '@temporalio/workflow';
import type { SnapshotResume } from '../activities/initial-sync-types.js';
import type { PreviewActivities } from '../activities/preview.js';
import { bookkeeping, summarized, syncWork } from './activity-options.js';
import { decidedLine, everyPage, freshPageWalk, type PageWalkProgress } from './page-walk.js';
import { integrationIds, SyncRun } from './sync-run.js';
import { purposeLine } from './sync-words.js';

const preview = proxyActivities<PreviewActivities>(syncWork);
const record = proxyActivities<PreviewActivities>(bookkeeping);

export interface PreviewProgress extends PageWalkProgress {
  serviceAccountUserId: string | null;
  /** the preview's own Corfix snapshot (null until taken) */
  snapshotGeneration: number | null;
}

export interface PreviewInput {
  previewId: string;
  /** carried over continue-as-new */
  progress?: PreviewProgress;
}

export const previewProgressQuery = defineQuery<PreviewProgress>('progress');

export async function PreviewIntegration(input: PreviewInput): Promise<PreviewProgress> {
  const { previewId } = input;
  const purpose = purposeLine({ kind: 'preview' }, integrationIds(previewId));
  const run = new SyncRun<PreviewProgress>(input.progress ?? { ...freshPageWalk(), serviceAccountUserId: null, snapshotGeneration: null }, {
    query: previewProgressQuery,
    describe: (progress) => [purpose, decidedLine(progress, 'would be created')],
    recordProblem: (message, nextTryAt) => record.recordPreviewProblem({ previewId, message, nextTryAt }),
    recordRecovered: () => record.recordPreviewProblem({ previewId, message: null, nextTryAt: null }),
    recordFailure: (message) => record.failPreview({ previewId, message }),
    failure: {
      type: 'PreviewFailed',
      prefix: 'The preview stopped',
      cancelled: 'The preview was cancelled before it finished; ask for a new one',
    },
    continueAsNew: (progress) => continueAsNew<typeof PreviewIntegration>({ previewId, progress }),
  });
  const { progress } = run;

  return run.stopOnPermanentFailure(async () => {
    // The app's own Procore user, as the initial sync learns it (it is never synced).
    progress.serviceAccountUserId ??= (
      await run.step("begin the preview (the app's own Procore user)", (_resume, summary) =>
        preview.beginPreview.executeWithOptions(summarized(syncWork, summary), [{ previewId }]),
      )
    ).serviceAccountUserId;
    // What the Corfix account holds, read once, as the initial sync reads it.
    progress.snapshotGeneration ??= (
      await run.step<SnapshotResume, SnapshotResume>('Corfix snapshot', (resume, summary) =>
        preview.takePreviewSnapshot.executeWithOptions(summarized(syncWork, summary), [{ previewId, resume: resume ?? null }]),
      )
    ).generation;
    const snapshotGeneration = progress.snapshotGeneration;

    await everyPage(run, 'projects', (page, perPage, _resumeAfterId, summary) =>
      preview.previewProjectPage.executeWithOptions(summarized(syncWork, summary), [
        { previewId, page, perPage, pagesDoneBefore: progress.projects.pagesDone, snapshotGeneration },
      ]),
    );
    for (const list of ['active', 'inactive'] as const) {
      await everyPage(run, list, (page, perPage, _resumeAfterId, summary) =>
        preview.previewUserPage.executeWithOptions(summarized(syncWork, summary), [
          {
            previewId,
            list,
            page,
            perPage,
            pagesDoneBefore: progress.users.pagesDone,
            serviceAccountUserId: progress.serviceAccountUserId as string,
            snapshotGeneration,
          },
        ]),
      );
    }

    await record.completePreview({ previewId });
    run.enterPhase('done');
    return progress;
  });
}
