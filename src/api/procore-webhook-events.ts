// A Procore webhook, after its Authorization header and payload were checked:
// which integration it is for, whether it matters, into the inbox (once per
// ulid), and a nudge to the loop that reads it. The inbox row is the event:
// the nudge only saves the loop waiting for its next cycle, so it is bounded
// in time and its failure is logged, never answered (Procore retries what is
// not 2xx, and would deliver again an event that is already safe).
import type { Client } from '@temporalio/client';
import { notifyProcoreChange } from '../client.js';
import type { Database } from '../db/database.js';
import { findLiveIntegrationByCompany } from '../db/repositories/integrations.js';
import { recordWebhookEvent } from '../db/repositories/webhook-events.js';
import type { ContinuousEntity } from '../workflows/continuous-messages.js';
import { tellTemporal, WEBHOOK_TEMPORAL_MS, type WarnLog } from './bounded-calls.js';
import type { IGNORED_REASONS, ProcoreWebhookEvent } from './schemas/procore-webhooks.js';
import { noteRequestIntegration } from '../observability/log-context.js';

export interface ProcoreWebhookSettings {
  /** PROCORE_WEBHOOK_SECRET: Procore sends `Authorization: Bearer <secret>`, as set on the hook */
  secret: string;
  /** PROCORE_APPLICATION_ID: changes this app made itself are ignored */
  applicationId?: string;
}

export interface ProcoreEventDependencies {
  db: Database;
  temporal: Client;
  settings: ProcoreWebhookSettings;
  logger: WarnLog;
}

export type ProcoreEventAnswer =
  | { received: true; duplicate: boolean }
  | { received: true; ignored: (typeof IGNORED_REASONS)[number] };

/** The Procore resources the continuous syncs follow, and the loop of each. */
const ENTITY_OF_RESOURCE = new Map<string, ContinuousEntity>([
  ['Company Users', 'users'],
  ['Projects', 'projects'],
]);

export async function receiveProcoreEvent(deps: ProcoreEventDependencies, event: ProcoreWebhookEvent): Promise<ProcoreEventAnswer> {
  const integration = await findLiveIntegrationByCompany(deps.db, event.company_id);
  if (!integration) return { received: true, ignored: 'no_integration' };
  noteRequestIntegration(integration.id);
  const entity = ENTITY_OF_RESOURCE.get(event.resource_name);
  if (!entity) return { received: true, ignored: 'other_resource' };
  const source = event.metadata?.source_application_id;
  // Our own writes come back as events: reading them back would cost Procore requests for nothing.
  if (deps.settings.applicationId !== undefined && source != null && String(source) === deps.settings.applicationId) {
    return { received: true, ignored: 'own_change' };
  }

  const isNew = await recordWebhookEvent(deps.db, {
    source: 'procore',
    eventId: event.ulid,
    integrationId: integration.id,
    eventType: `${entity}.${event.event_type}`,
    // ids only: the loop fetches the record itself
    payload: { resource_id: event.resource_id, timestamp: event.timestamp },
  });
  if (isNew) {
    await tellTemporal(
      deps.temporal,
      deps.logger,
      {
        ms: WEBHOOK_TEMPORAL_MS,
        context: { integrationId: integration.id, ulid: event.ulid, entity },
        message: 'could not wake the continuous sync for a Procore event; it is in the inbox for the next cycle',
      },
      () => notifyProcoreChange(deps.temporal, integration.id, entity),
    );
  }
  return { received: true, duplicate: !isNew };
}
