// A Corfix form event, after its signature and body were checked: which
// integration it is for, into the inbox once per event_id, and on to the
// form's FormUploadWithRetry (signalWithStart). The inbox row is the event:
// it is marked processed once Temporal has it, and the reconciler hands over
// those Temporal did not take in time, so a Temporal outage delays an upload
// and never loses it. Redeliveries of an event already handed over change nothing.
// A hand-over that Temporal is slow to take goes on after the answer, for a
// few seconds, so a burst of forms does not leave most of them to the reconciler.
import type { Client } from '@temporalio/client';
import { announceFormRevision } from '../client.js';
import type { Database } from '../db/database.js';
import { noteFormRevision } from '../db/repositories/form-links.js';
import { findLiveIntegrationByAccount } from '../db/repositories/integrations.js';
import { markWebhookEventProcessed, recordWebhookEvent, webhookEventProcessed } from '../db/repositories/webhook-events.js';
import { settleWithin, WEBHOOK_TEMPORAL_MS, type WarnLog } from './bounded-calls.js';
import type { CorfixWebhookDelivery } from './schemas/corfix-webhooks.js';
import { noteRequestIntegration } from '../observability/log-context.js';

export interface CorfixEventDependencies {
  db: Database;
  temporal: Client;
  taskQueue: string;
  logger: WarnLog;
  /** told of each hand-over that may outlive the answer (the API waits for them when it closes) */
  inFlight?: (handOver: Promise<unknown>) => void;
}

/** How long a hand-over to Temporal may go on after the answer (500 ms) was sent. */
const HANDOVER_MS = 10_000;

export type CorfixEventAnswer =
  | { received: true; duplicate: boolean; queued: boolean }
  | { received: true; ignored: 'sync_forms_off' }
  | { unknownAccount: true };

export async function receiveCorfixEvent(deps: CorfixEventDependencies, event: CorfixWebhookDelivery): Promise<CorfixEventAnswer> {
  const integration = await findLiveIntegrationByAccount(deps.db, event.account_id);
  if (!integration) return { unknownAccount: true };
  noteRequestIntegration(integration.id);
  const isNew = await recordWebhookEvent(deps.db, {
    source: 'corfix',
    eventId: event.event_id,
    integrationId: integration.id,
    eventType: event.event_type,
    // ids only: the workflow reads the form itself
    payload: { form_id: event.form_id, project_id: event.project_id, revision: event.revision },
  });
  // Handed over already: a redelivery. One not yet handed over is tried again.
  if (!isNew && (await webhookEventProcessed(deps.db, 'corfix', event.event_id))) return { received: true, duplicate: true, queued: false };
  if (!integration.syncForms) {
    await markWebhookEventProcessed(deps.db, 'corfix', event.event_id);
    return { received: true, ignored: 'sync_forms_off' };
  }
  await noteFormRevision(deps.db, integration.id, event.form_id, event.revision);
  const context = { integrationId: integration.id, eventId: event.event_id, formId: event.form_id };
  // The answer waits 500 ms at most; the hand-over itself may go on a while (a
  // busy Temporal under a burst of forms still takes it), and the reconciler
  // is left only what it could not hand over at all.
  const handOver = deps.temporal
    .withDeadline(Date.now() + HANDOVER_MS, () => announceFormRevision(deps.temporal, deps.taskQueue, integration, event.form_id, event.revision))
    .then(() => markWebhookEventProcessed(deps.db, 'corfix', event.event_id));
  deps.inFlight?.(handOver);
  const settled = await settleWithin(handOver, WEBHOOK_TEMPORAL_MS);
  const unhanded = (error: unknown) =>
    deps.logger.warn({ ...context, err: error }, 'could not hand a Corfix form event to its upload workflow; it waits in the inbox for the reconciler');
  if (settled.outcome === 'failed') unhanded(settled.error);
  if (settled.outcome === 'late') handOver.catch(unhanded);
  return { received: true, duplicate: !isNew, queued: settled.outcome !== 'done' };
}
