import { activityInfo } from '@temporalio/activity';
import type { Database } from '../../src/db/database.js';
import { appendAudit } from '../../src/db/repositories/audit-log.js';

export function createAuditTrailActivities(db: Database) {
  return {
    async writeAuditEntry(integrationId: string, action: string): Promise<void> {
      await appendAudit(db, {
        integrationId,
        actor: 'test-workflow',
        action,
        details: { workflowId: activityInfo().workflowExecution?.workflowId ?? null },
      });
    },
  };
}
