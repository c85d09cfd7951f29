// The webhook inbox: both APIs deliver at least once, so an event id is
// recorded once and a redelivery is recognised.
import type { Database } from '../database.js';

export type WebhookSource = 'procore' | 'corfix';

export interface WebhookEvent {
  source: WebhookSource;
  eventId: string;
  integrationId: string | null;
  eventType: string;
  /** ids and types only: what changed, not the data */
  payload: Record<string, unknown>;
}

/** true when the event is new, false when it was delivered before. */
export async function recordWebhookEvent(db: Database, event: WebhookEvent): Promise<boolean> {
  const inserted = await db('webhook_events')
    .insert({
      source: event.source,
      event_id: event.eventId,
      integration_id: event.integrationId,
      event_type: event.eventType,
      payload: JSON.stringify(event.payload),
    })
    .onConflict(['source', 'event_id'])
    .ignore()
    .returning('id');
  return inserted.length === 1;
}

export async function markWebhookEventProcessed(db: Database, source: WebhookSource, eventId: string): Promise<void> {
  await db('webhook_events')
    .where({ source, event_id: eventId })
    .whereNull('processed_at')
    .update({ processed_at: db.fn.now() });
}
