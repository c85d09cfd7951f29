// ContinuousUserSync (user-sync/{integration_id}): keeps Corfix's workers in
// step with the Procore company directory after the connect. Each cycle
// reads the active users changed since its cursor and the inactive list
// (which Procore cannot filter by change), then the inbox's deletions;
// docs/rules.md says what each change does to a worker.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { ContinuousSyncActivities } from '../activities/continuous-sync.js';
import { summarized, syncWork } from './activity-options.js';
import { runContinuousSync, type ContinuousInput } from './continuous-sync.js';

const sync = proxyActivities<ContinuousSyncActivities>(syncWork);

export async function ContinuousUserSync(input: ContinuousInput): Promise<void> {
  await runContinuousSync(input, {
    entity: 'users',
    lists: ['active', 'inactive'],
    syncPage: (page, summary) => sync.syncUserChangePage.executeWithOptions(summarized(syncWork, summary), [page]),
    continueAsNew: (state) => continueAsNew<typeof ContinuousUserSync>({ integrationId: input.integrationId, state }),
  });
}
