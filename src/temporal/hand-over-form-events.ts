// The reconciler's share of filing forms: Corfix events (and operators'
// retries) that the webhook route recorded but Temporal did not take in time
// are handed to their forms' workflows here, so a Temporal outage delays an
// upload and never loses it. An event whose integration is gone, or whose
// integration has Sync Forms off, is marked handled without a workflow.
import type { Client } from '@temporalio/client';
import { announceFormRevision, retryFormUpload } from '../client.js';
import type { Database } from '../db/database.js';
import { findIntegration } from '../db/repositories/integrations.js';
import { FORM_RETRY_EVENT, markWebhookEventProcessed, waitingCorfixEvents } from '../db/repositories/webhook-events.js';
import type { Logger } from '../logger.js';

/** An event younger than this may still be in the hands of the request that recorded it. */
const HANDOVER_GRACE_MS = 10_000;
/** Per pass; the rest waits for the next one. */
const EVENTS_PER_PASS = 500;

export interface FormEventHandover {
  handedOver: number;
  dropped: number;
  failed: number;
}

export async function handOverWaitingFormEvents(db: Database, temporal: Client, taskQueue: string, logger: Logger): Promise<FormEventHandover> {
  const result: FormEventHandover = { handedOver: 0, dropped: 0, failed: 0 };
  // A burst's events share a few integrations: each is read once per pass.
  const integrations = new Map<string, ReturnType<typeof findIntegration>>();
  for (const event of await waitingCorfixEvents(db, HANDOVER_GRACE_MS, EVENTS_PER_PASS)) {
    try {
      if (!integrations.has(event.integrationId)) integrations.set(event.integrationId, findIntegration(db, event.integrationId));
      const integration = await integrations.get(event.integrationId);
      if (!integration || integration.status === 'disconnected' || !integration.syncForms) {
        result.dropped += 1;
      } else if (event.eventType === FORM_RETRY_EVENT) {
        await retryFormUpload(temporal, taskQueue, integration, event.formId);
        result.handedOver += 1;
      } else {
        await announceFormRevision(temporal, taskQueue, integration, event.formId, event.revision);
        result.handedOver += 1;
      }
      await markWebhookEventProcessed(db, 'corfix', event.eventId);
    } catch (error) {
      result.failed += 1;
      logger.error({ err: error, integrationId: event.integrationId, eventId: event.eventId }, 'could not hand a Corfix form event over; trying again next pass');
    }
  }
  return result;
}
