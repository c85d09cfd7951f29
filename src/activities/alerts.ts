// The alerts' pass, run by ReconcileIntegrations after each reconcile pass:
// reads what Postgres says, opens and closes incidents
// (src/domain/alert-incidents.ts decides), then sends the notices not sent
// yet to ALERT_WEBHOOK_URL (src/alerts/alert-webhook.ts), the oldest first.
// Nothing happens without ALERT_WEBHOOK_URL. A receiver that does not take a
// notice (refused, unreachable, too slow) ends the sending for this pass: the
// notice and those after it wait for the next pass, so a dead receiver costs
// one timeout per pass and never stops the reconciler. Each notice is claimed
// in Postgres before its POST and recorded after, so it is delivered once
// with several workers; after a crash between the POST and the record it is
// sent again with the same alert_id.
import { alertNoticeSchema, postAlertNotice, type AlertNotice, type AlertWebhook } from '../alerts/alert-webhook.js';
import { integrationStatusUrl } from '../api/status-page-paths.js';
import type { Database } from '../db/database.js';
import {
  claimNotice,
  incidentsToNotify,
  openIncidents,
  readAlertSituation,
  recordNoticeSent,
  recoverIncidents,
  releaseNotice,
  type IncidentToNotify,
  type NoticeState,
} from '../db/repositories/alert-incidents.js';
import { decideIncidents } from '../domain/alert-incidents.js';
import type { Logger } from '../logger.js';
import { webUiIntegrationUrl } from '../temporal/web-ui.js';
import { withHeartbeats } from './activity-support.js';

export interface AlertSettings {
  webhook: AlertWebhook;
  /** ALERT_AFTER */
  alertAfterMs: number;
  /** PUBLIC_URL: the status page's links hang off it */
  publicUrl: string;
  /** TEMPORAL_WEB_UI_URL and the namespace, for a link to the integration's workflows */
  webUi?: { url: string; namespace: string };
}

export interface AlertDependencies {
  db: Database;
  logger: Logger;
  /** unset: ALERT_WEBHOOK_URL is not configured, and the pass does nothing */
  alerts?: AlertSettings;
}

/** Counts only, so that the reconciler's history stays small. */
export interface AlertPass {
  opened: number;
  recovered: number;
  sent: number;
  /** notices still to send after this pass (the receiver did not take one, or more than a pass sends were waiting) */
  waiting: number;
}

/** Incidents whose notices one pass sends at most; the rest go at the next. */
export const NOTICES_PER_PASS = 100;

/** How long a sender holds a notice it is posting (well above the POST's timeout); a dead sender's hold runs out. */
export const NOTICE_LEASE_MS = 60_000;

export interface AlertPassControl {
  /** called after each step, so that a long pass shows it is alive */
  heartbeat?: () => void;
  /** true once the pass should send nothing more (cancelled, timed out) */
  stopRequested?: () => boolean;
}

const NOTHING: AlertPass = { opened: 0, recovered: 0, sent: 0, waiting: 0 };

/** One pass; callable outside a worker (tests), the activity below runs it with heartbeats. */
export async function runAlertPass(deps: AlertDependencies, control: AlertPassControl = {}): Promise<AlertPass> {
  const settings = deps.alerts;
  if (settings === undefined) return NOTHING;
  const heartbeat = control.heartbeat ?? (() => undefined);
  const stopRequested = control.stopRequested ?? (() => false);

  const reading = await readAlertSituation(deps.db);
  const decisions = decideIncidents({ ...reading, alertAfterMs: settings.alertAfterMs });
  const opened = await openIncidents(deps.db, decisions.opened);
  const recovered = await recoverIncidents(deps.db, decisions.recovered);
  if (opened + recovered > 0) deps.logger.info({ opened, recovered }, 'alert incidents opened and recovered');
  heartbeat();

  const incidents = await incidentsToNotify(deps.db, NOTICES_PER_PASS);
  let waiting = incidents.reduce((n, incident) => n + noticesOf(incident).length, 0);
  let sent = 0;
  sending: for (const incident of incidents) {
    for (const state of noticesOf(incident)) {
      if (stopRequested()) break sending;
      // Another sender holds it (or sent it meanwhile): its recovery notice waits for that one too.
      if (!(await claimNotice(deps.db, incident.id, state, NOTICE_LEASE_MS))) continue sending;
      const notice = noticeOf(incident, state, settings);
      const delivery = await postAlertNotice(settings.webhook, notice);
      heartbeat();
      if (!delivery.delivered) {
        await releaseNotice(deps.db, incident.id, delivery.failure);
        deps.logger.warn(
          { incidentId: incident.id, alertId: notice.alert_id, kind: incident.kind, failure: delivery.failure },
          'the alert receiver did not take a notice; it is sent again at the next pass',
        );
        break sending;
      }
      await recordNoticeSent(deps.db, incident.id, state);
      sent += 1;
      waiting -= 1;
    }
  }
  return { opened, recovered, sent, waiting };
}

/** The notices an incident still owes, in order: the open one first, then the recovery. */
function noticesOf(incident: IncidentToNotify): NoticeState[] {
  const notices: NoticeState[] = [];
  if (!incident.alerted) notices.push('open');
  if (incident.recoveredAt !== null) notices.push('recovered');
  return notices;
}

function noticeOf(incident: IncidentToNotify, state: NoticeState, settings: AlertSettings): AlertNotice {
  const recovered = state === 'recovered' && incident.recoveredAt !== null ? incident.recoveredAt : undefined;
  return alertNoticeSchema.parse({
    alert_id: `${incident.id}:${state}`,
    incident_id: incident.id,
    kind: incident.kind,
    state,
    integration_id: incident.integrationId,
    corfix_account_id: incident.corfixAccountId,
    procore_company_id: incident.procoreCompanyId,
    ...(incident.corfixFormId !== null ? { corfix_form_id: incident.corfixFormId } : {}),
    message: recovered !== undefined ? incident.recoveryMessage : incident.message,
    since: incident.since.toISOString(),
    ...(recovered !== undefined ? { recovered_at: recovered.toISOString() } : {}),
    status_url: integrationStatusUrl(settings.publicUrl, incident.corfixAccountId),
    ...(settings.webUi ? { web_ui_url: webUiIntegrationUrl(settings.webUi.url, settings.webUi.namespace, incident.integrationId) } : {}),
  });
}

export function createAlertActivities(deps: AlertDependencies) {
  return {
    /** One pass, heartbeating after each step; failures become the workflow's as every activity's do (activity-support.ts). */
    sendAlerts(): Promise<AlertPass> {
      return withHeartbeats(
        () => null,
        (activity) => runAlertPass(deps, activity),
      );
    },
  };
}

export type AlertActivities = ReturnType<typeof createAlertActivities>;
