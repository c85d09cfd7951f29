// The alerts' incidents (migration 010): what a pass reads to decide
// (src/domain/alert-incidents.ts), the incidents it opens and closes, and the
// notices still to send, each claimed by one sender at a time.
import { randomUUID } from 'node:crypto';
import type {
  AlertKind,
  NewIncident,
  ObservedForm,
  ObservedIntegration,
  OpenIncident,
  RecoveredIncident,
} from '../../domain/alert-incidents.js';
import type { Database } from '../database.js';

/** What Postgres says now: the integrations and forms in question, the open incidents, and its clock. */
export interface AlertReading {
  now: Date;
  integrations: ObservedIntegration[];
  forms: ObservedForm[];
  open: OpenIncident[];
}

interface IntegrationStateRow {
  id: string;
  status: ObservedIntegration['status'];
  initial_sync_state: ObservedIntegration['initialSyncState'];
  sync_state: ObservedIntegration['syncState'];
  sync_state_since: Date | null;
  next_try_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  updated_at: Date;
}

interface FormStateRow {
  integration_id: string;
  corfix_form_id: string;
  state: ObservedForm['state'];
  last_error: string | null;
  failed_at: Date | null;
  updated_at: Date;
}

/**
 * The integrations in question (live and in error, retrying, or holding a
 * failed form; or with an open incident, whatever their state now), the forms
 * in question (failed in a live integration, or with an open incident), and
 * the open incidents.
 */
export async function readAlertSituation(db: Database): Promise<AlertReading> {
  const { rows: clock } = await db.raw<{ rows: Array<{ now: Date }> }>('SELECT now() AS now');
  const { rows: integrations } = await db.raw<{ rows: IntegrationStateRow[] }>(
    `SELECT i.id, i.status, i.initial_sync_state, i.sync_state, i.sync_state_since, i.next_try_at,
            i.last_error, i.last_error_at, i.updated_at
       FROM integrations i
      WHERE (i.status <> 'disconnected'
             AND (i.status = 'error' OR i.sync_state = 'retrying'
                  OR EXISTS (SELECT 1 FROM form_links f WHERE f.integration_id = i.id AND f.state = 'failed')))
         OR EXISTS (SELECT 1 FROM alert_incidents a WHERE a.integration_id = i.id AND a.recovered_at IS NULL)
      ORDER BY i.created_at, i.id`,
  );
  const { rows: forms } = await db.raw<{ rows: FormStateRow[] }>(
    `SELECT f.integration_id, f.corfix_form_id, f.state, f.last_error, f.failed_at, f.updated_at
       FROM form_links f
       JOIN integrations i ON i.id = f.integration_id
      WHERE (f.state = 'failed' AND i.status <> 'disconnected')
         OR EXISTS (SELECT 1 FROM alert_incidents a
                     WHERE a.integration_id = f.integration_id AND a.corfix_form_id = f.corfix_form_id AND a.recovered_at IS NULL)
      ORDER BY f.updated_at, f.id`,
  );
  const open = await db('alert_incidents')
    .whereNull('recovered_at')
    .orderBy('opened_at')
    .select<Array<{ id: string; kind: AlertKind; integration_id: string; corfix_form_id: string | null }>>(
      'id',
      'kind',
      'integration_id',
      'corfix_form_id',
    );
  return {
    now: (clock[0] as { now: Date }).now,
    integrations: integrations.map((r) => ({
      id: r.id,
      status: r.status,
      initialSyncState: r.initial_sync_state,
      syncState: r.sync_state,
      syncStateSince: r.sync_state_since,
      nextTryAt: r.next_try_at,
      lastError: r.last_error,
      lastErrorAt: r.last_error_at,
      updatedAt: r.updated_at,
    })),
    forms: forms.map((r) => ({
      integrationId: r.integration_id,
      corfixFormId: r.corfix_form_id,
      state: r.state,
      lastError: r.last_error,
      failedAt: r.failed_at,
      updatedAt: r.updated_at,
    })),
    open: open.map((r) => ({ id: r.id, kind: r.kind, integrationId: r.integration_id, corfixFormId: r.corfix_form_id })),
  };
}

/**
 * Opens these incidents; one whose key already has an open incident (another
 * pass opened it meanwhile) is left to that one. Returns how many were opened.
 */
export async function openIncidents(db: Database, incidents: readonly NewIncident[]): Promise<number> {
  let opened = 0;
  for (const incident of incidents) {
    const { rowCount } = await db.raw<{ rowCount: number }>(
      `INSERT INTO alert_incidents (id, integration_id, kind, corfix_form_id, since, message)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
      [randomUUID(), incident.integrationId, incident.kind, incident.corfixFormId, incident.since, incident.message],
    );
    opened += rowCount;
  }
  return opened;
}

/** Closes these incidents (unless closed already), with how each ended. Returns how many were closed. */
export async function recoverIncidents(db: Database, recovered: readonly RecoveredIncident[]): Promise<number> {
  let closed = 0;
  for (const r of recovered) {
    closed += await db('alert_incidents')
      .where({ id: r.id })
      .whereNull('recovered_at')
      .update({ recovered_at: db.fn.now(), recovery_message: r.message });
  }
  return closed;
}

export type NoticeState = 'open' | 'recovered';

/** An incident with a notice still to send, and what the notice tells. */
export interface IncidentToNotify {
  id: string;
  kind: AlertKind;
  integrationId: string;
  corfixAccountId: string;
  procoreCompanyId: string;
  corfixFormId: string | null;
  since: Date;
  message: string;
  /** the open notice was delivered */
  alerted: boolean;
  recoveredAt: Date | null;
  recoveryMessage: string | null;
}

interface IncidentRow {
  id: string;
  kind: AlertKind;
  integration_id: string;
  corfix_account_id: string;
  procore_company_id: string;
  corfix_form_id: string | null;
  since: Date;
  message: string;
  alerted_at: Date | null;
  recovered_at: Date | null;
  recovery_message: string | null;
}

/** Incidents whose open notice, or whose recovery notice, is not sent yet: the oldest first, `limit` at most. */
export async function incidentsToNotify(db: Database, limit: number): Promise<IncidentToNotify[]> {
  const rows = await db('alert_incidents as a')
    .join('integrations as i', 'i.id', 'a.integration_id')
    .where((q) => q.whereNull('a.alerted_at').orWhere((r) => r.whereNotNull('a.recovered_at').whereNull('a.recovery_alerted_at')))
    .orderBy('a.opened_at')
    .limit(limit)
    .select<IncidentRow[]>(
      'a.id',
      'a.kind',
      'a.integration_id',
      'i.corfix_account_id',
      'i.procore_company_id',
      'a.corfix_form_id',
      'a.since',
      'a.message',
      'a.alerted_at',
      'a.recovered_at',
      'a.recovery_message',
    );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    integrationId: r.integration_id,
    corfixAccountId: r.corfix_account_id,
    procoreCompanyId: String(r.procore_company_id),
    corfixFormId: r.corfix_form_id,
    since: r.since,
    message: r.message,
    alerted: r.alerted_at !== null,
    recoveredAt: r.recovered_at,
    recoveryMessage: r.recovery_message,
  }));
}

/** The notice is still to send: an open notice not delivered, or a recovery notice after a delivered open one. */
const unsent = (notice: NoticeState) =>
  notice === 'open'
    ? 'alerted_at IS NULL'
    : 'alerted_at IS NOT NULL AND recovered_at IS NOT NULL AND recovery_alerted_at IS NULL';

/**
 * Claims the sending of one notice for `leaseMs`: true when this sender may
 * post it (it is unsent, and no other sender holds it). A sender that dies
 * holding it lets the lease run out; the next one sends it again.
 */
export async function claimNotice(db: Database, incidentId: string, notice: NoticeState, leaseMs: number): Promise<boolean> {
  const { rowCount } = await db.raw<{ rowCount: number }>(
    `UPDATE alert_incidents SET send_claimed_until = now() + (? * interval '1 millisecond')
      WHERE id = ? AND ${unsent(notice)} AND (send_claimed_until IS NULL OR send_claimed_until <= now())`,
    [leaseMs, incidentId],
  );
  return rowCount === 1;
}

/** The receiver took the notice: it is never sent again. */
export async function recordNoticeSent(db: Database, incidentId: string, notice: NoticeState): Promise<void> {
  await db('alert_incidents')
    .where({ id: incidentId })
    .update({ [notice === 'open' ? 'alerted_at' : 'recovery_alerted_at']: db.fn.now(), send_claimed_until: null });
}

/** The receiver did not take it (`failure`: a status or an error code, never the URL): the next pass sends it again. */
export async function releaseNotice(db: Database, incidentId: string, failure: string): Promise<void> {
  await db('alert_incidents')
    .where({ id: incidentId })
    .update({ send_claimed_until: null, send_failures: db.raw('send_failures + 1'), last_send_failure: failure });
}
