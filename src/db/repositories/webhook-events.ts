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

/** Whether the event was handed over (marked processed). */
export async function webhookEventProcessed(db: Database, source: WebhookSource, eventId: string): Promise<boolean> {
  const row = await db('webhook_events').where({ source, event_id: eventId }).first('processed_at');
  return row !== undefined && row.processed_at !== null;
}

/** The inbox's event type of an operator's retry of a form (handed over like a webhook). */
export const FORM_RETRY_EVENT = 'form.retry';

/** A Corfix form event recorded but not handed to its workflow (Temporal did not answer in time). */
export interface WaitingFormEvent {
  eventId: string;
  eventType: string;
  integrationId: string;
  formId: string;
  revision: number;
}

/** Corfix events waiting longer than `olderThanMs` to be handed over, oldest first. */
export async function waitingCorfixEvents(db: Database, olderThanMs: number, limit: number): Promise<WaitingFormEvent[]> {
  const rows = await db('webhook_events')
    .where({ source: 'corfix' })
    .whereNull('processed_at')
    .whereNotNull('integration_id')
    .andWhere('received_at', '<', db.raw(`now() - make_interval(secs => ?)`, [olderThanMs / 1000]))
    .orderBy('id')
    .limit(limit)
    .select<{ event_id: string; event_type: string; integration_id: string; payload: { form_id?: unknown; revision?: unknown } }[]>(
      'event_id',
      'event_type',
      'integration_id',
      'payload',
    );
  return rows.flatMap((r) =>
    typeof r.payload.form_id === 'string' && typeof r.payload.revision === 'number'
      ? [{ eventId: r.event_id, eventType: r.event_type, integrationId: r.integration_id, formId: r.payload.form_id, revision: r.payload.revision }]
      : [],
  );
}

const PROCORE_EVENT_PREFIX = { users: 'users.', projects: 'projects.' } as const;

/** The newest Procore event of this loop's resource waiting in the inbox (its row id, a bigint as a string), or null. */
export async function newestWaitingProcoreEvent(
  db: Database,
  integrationId: string,
  entity: 'users' | 'projects',
): Promise<string | null> {
  const row = await db('webhook_events')
    .where({ integration_id: integrationId, source: 'procore' })
    .whereNull('processed_at')
    .andWhereLike('event_type', `${PROCORE_EVENT_PREFIX[entity]}%`)
    .max<{ max: string | null }>('id as max')
    .first();
  return row?.max === null || row?.max === undefined ? null : String(row.max);
}

/** The Procore ids deleted according to the waiting events up to `upTo` (a delete carries no data to list). */
export async function waitingProcoreDeletions(
  db: Database,
  integrationId: string,
  entity: 'users' | 'projects',
  upTo: string,
): Promise<string[]> {
  const rows = await db('webhook_events')
    .where({ integration_id: integrationId, source: 'procore', event_type: `${PROCORE_EVENT_PREFIX[entity]}delete` })
    .whereNull('processed_at')
    .andWhere('id', '<=', upTo)
    .distinct<{ resource_id: string }[]>(db.raw(`payload ->> 'resource_id' as resource_id`));
  return rows.map((r) => r.resource_id).filter((id) => /^\d+$/.test(id));
}

/** A cycle answered for the waiting events up to `upTo`. */
export async function markProcoreEventsProcessed(
  db: Database,
  integrationId: string,
  entity: 'users' | 'projects',
  upTo: string,
): Promise<void> {
  await db('webhook_events')
    .where({ integration_id: integrationId, source: 'procore' })
    .whereNull('processed_at')
    .andWhereLike('event_type', `${PROCORE_EVENT_PREFIX[entity]}%`)
    .andWhere('id', '<=', upTo)
    .update({ processed_at: db.fn.now() });
}
