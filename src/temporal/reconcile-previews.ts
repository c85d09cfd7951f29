// Postgres says which previews are running; each pass of the reconciler
// makes sure Temporal agrees, so that no preview stays `running` for ever:
// - one saved without its PreviewIntegration (an API that died between
//   saving it and starting its workflow) gets one;
// - one whose workflow closed without saying so in Postgres (terminated,
//   timed out) is failed, with a sentence (and its snapshot goes).
// A preview just saved is left to the API that is starting it. A row that
// cannot be reconciled is logged and skipped: it never stops the others.
import type { Client } from '@temporalio/client';
import { startPreview } from '../client.js';
import type { Database } from '../db/database.js';
import { failPreview, listRunningPreviews } from '../db/repositories/previews.js';
import type { Logger } from '../logger.js';
import { describeIfExists, endingWords } from './reconcile.js';
import { previewWorkflowId } from './workflow-ids.js';

export interface PreviewReconciliation {
  /** previews whose workflow was missing: started */
  started: string[];
  /** previews whose workflow had closed unseen: now failed */
  failed: string[];
  /** previews that could not be reconciled this time (logged) */
  skipped: string[];
}

/** The API starts a preview's workflow right after saving it: a younger one is its business. */
const SAVED_BEFORE_MS = 60_000;

export async function reconcilePreviews(
  db: Database,
  temporal: Client,
  taskQueue: string,
  logger: Logger,
  options: { savedBeforeMs?: number } = {},
): Promise<PreviewReconciliation> {
  const result: PreviewReconciliation = { started: [], failed: [], skipped: [] };
  for (const preview of await listRunningPreviews(db, new Date(Date.now() - (options.savedBeforeMs ?? SAVED_BEFORE_MS)))) {
    try {
      const description = await describeIfExists(temporal, previewWorkflowId(preview.id));
      if (!description) {
        await startPreview(temporal, taskQueue, preview);
        result.started.push(preview.id);
      } else if (description.status.name !== 'RUNNING' && description.status.name !== 'COMPLETED') {
        // A completed one recorded its end itself (its last step); any other ending did not.
        await failPreview(db, preview.id, `The preview workflow ended (${endingWords(description)}) before it finished; ask for a new preview`);
        result.failed.push(preview.id);
      }
    } catch (error) {
      result.skipped.push(preview.id);
      logger.error({ err: error, previewId: preview.id }, 'could not reconcile this preview with Temporal; trying again next time');
    }
  }
  return result;
}
