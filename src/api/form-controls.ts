// An operator's retry of one form's upload (POST .../forms/{form_id}/retry):
// after the form failed (days of retries, a refusal), or to file a form whose
// webhook never came. As with the other controls, Postgres first: the
// request goes into the inbox with its audit row in one transaction, then to
// the form's workflow (signalWithStart, bounded in time); one Temporal did not
// take in time is handed over by the reconciler, so the retry is never lost.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { retryFormUpload } from '../client.js';
import type { Database } from '../db/database.js';
import { appendAudit } from '../db/repositories/audit-log.js';
import { findIntegrationByAccount, type Integration } from '../db/repositories/integrations.js';
import { FORM_RETRY_EVENT, markWebhookEventProcessed, recordWebhookEvent } from '../db/repositories/webhook-events.js';
import { formUploadWorkflowId } from '../temporal/workflow-ids.js';
import { CONTROL_TEMPORAL_MS, tellTemporal, type WarnLog } from './bounded-calls.js';
import { disconnected, neverConnected, type ControlActor, type Refusal } from './integration-controls.js';
import { noteRequestIntegration } from '../observability/log-context.js';

export interface FormControlDependencies {
  actor: ControlActor;
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: WarnLog;
}

export type FormRetryResult =
  | { ok: true; integration: Integration; workflowId: string; signalled: boolean }
  | Refusal
  | { ok: false; status: 409; code: 'sync_forms_off'; message: string };

export async function retryForm(deps: FormControlDependencies, accountId: string, formId: string): Promise<FormRetryResult> {
  const integration = await findIntegrationByAccount(deps.db, accountId);
  if (!integration) return neverConnected(accountId);
  noteRequestIntegration(integration.id);
  if (integration.status === 'disconnected') return disconnected(integration);
  if (!integration.syncForms) {
    return {
      ok: false,
      status: 409,
      code: 'sync_forms_off',
      message: 'Sync Forms to Procore is off for this integration: turn it on (PATCH sync_forms) to file forms',
    };
  }
  const eventId = `retry:${randomUUID()}`;
  await deps.db.transaction(async (trx) => {
    await recordWebhookEvent(trx, {
      source: 'corfix',
      eventId,
      integrationId: integration.id,
      eventType: FORM_RETRY_EVENT,
      payload: { form_id: formId, revision: 0 },
    });
    await appendAudit(trx, { integrationId: integration.id, actor: deps.actor, action: 'retry_form', details: { form_id: formId } });
  });
  const signalled = await tellTemporal(
    deps.temporal,
    deps.logger,
    {
      ms: CONTROL_TEMPORAL_MS,
      context: { integrationId: integration.id, formId, action: 'retry_form' },
      message: 'could not hand the retry to the form upload; the reconciler hands it over',
    },
    () => retryFormUpload(deps.temporal, deps.taskQueue, integration, formId),
  );
  if (signalled) await markWebhookEventProcessed(deps.db, 'corfix', eventId);
  return { ok: true, integration, workflowId: formUploadWorkflowId(integration.id, formId), signalled };
}
