// ContinuousProjectSync (project-sync/{integration_id}): keeps Corfix's
// projects in step with Procore's after the connect. Each cycle reads the
// projects changed since its cursor (every status: a project that became
// active, upcoming or completed); the daily full reconciliation reads them
// all, which also moves an upcoming project whose start date has passed.
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { ContinuousSyncActivities } from '../activities/continuous-sync.js';
import { summarized, syncWork } from './activity-options.js';
import { runContinuousSync, type ContinuousInput } from './continuous-sync.js';

const sync = proxyActivities<ContinuousSyncActivities>(syncWork);

export async function ContinuousProjectSync(input: ContinuousInput): Promise<void> {
  await runContinuousSync(input, {
    entity: 'projects',
    lists: ['projects'],
    syncPage: (page, summary) => sync.syncProjectChangePage.executeWithOptions(summarized(syncWork, summary), [page]),
    continueAsNew: (state) => continueAsNew<typeof ContinuousProjectSync>({ integrationId: input.integrationId, state }),
  });
}
