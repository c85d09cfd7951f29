// Test code, not product code: the smallest workflow that proves the stack
// works end to end (real server, real worker, real activity, real database).
import { proxyActivities } from '@temporalio/workflow';
import type { createAuditTrailActivities } from '../audit-trail-activities.js';

const { writeAuditEntry } = proxyActivities<ReturnType<typeof createAuditTrailActivities>>({
  startToCloseTimeout: '30 seconds',
});

export async function auditTrailWorkflow(integrationId: string, actions: string[]): Promise<number> {
  for (const action of actions) await writeAuditEntry(integrationId, action);
  return actions.length;
}
