// "This integration asked Corfix to create this Procore entity": written
// before the create, so that a record whose answer or link was lost (a
// crash, a failed write) and is re-found by its external_ref is still
// reported as `created`. Keyed by integration id: a record made by an
// earlier generation of the same account and company carries the same
// external_ref, but no attempt of this integration, and stays `linked`.
import type { OutcomeEntity } from './sync-outcomes.js';
import type { Database } from '../database.js';

export interface CreateAttempt {
  entity: OutcomeEntity;
  procoreId: string;
}

export async function recordCreateAttempt(db: Database, integrationId: string, attempt: CreateAttempt): Promise<void> {
  await db('create_attempts')
    .insert({ integration_id: integrationId, entity: attempt.entity, procore_id: attempt.procoreId })
    .onConflict(['integration_id', 'entity', 'procore_id'])
    .ignore();
}

export async function attemptedToCreate(db: Database, integrationId: string, attempt: CreateAttempt): Promise<boolean> {
  const row = await db('create_attempts')
    .where({ integration_id: integrationId, entity: attempt.entity, procore_id: attempt.procoreId })
    .first('procore_id');
  return row !== undefined;
}
