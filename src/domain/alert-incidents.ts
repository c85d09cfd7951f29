// Which problems an admin must be told of without looking (the alerts), and
// when each is over. Given what Postgres says about the integrations and their
// forms, the incidents already open, and the moment now:
// - `integration_error`: the integration is in `error` (its sync stopped for
//   good, or its initial sync failed); over once it is not (resumed, paused,
//   disconnected).
// - `retrying_too_long`: its sync has been `retrying` for ALERT_AFTER or
//   longer; over once the sync is `ok` again (or the integration paused or
//   disconnected). A spell that ends in `error` keeps it open: the resume that
//   clears the error clears the retrying too, and both recover then.
// - `form_upload_failed`: a form was given up on (`failed`); over once it is
//   filed (`uploaded`) or needs no upload (`skipped`). A retry under way
//   (`pending`, `retrying`) keeps it open, so a retry that fails again is the
//   same incident, not a second alert.
// One incident per key (integration, kind, form) while open; a problem that
// comes back after a recovery is a new incident. The sentences are built from
// the problem the sync recorded (`last_error`: the service's own sentence, with
// no names or emails) and say what happens next.

export const ALERT_KINDS = ['integration_error', 'retrying_too_long', 'form_upload_failed'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** What the alerts read of an integration. */
export interface ObservedIntegration {
  id: string;
  status: 'connecting' | 'initial_sync' | 'active' | 'paused' | 'error' | 'disconnected';
  initialSyncState: 'running' | 'completed' | 'failed' | null;
  syncState: 'ok' | 'retrying' | 'failed';
  /** when it began retrying, or failed */
  syncStateSince: Date | null;
  nextTryAt: Date | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  updatedAt: Date;
}

/** What the alerts read of a form's upload. */
export interface ObservedForm {
  integrationId: string;
  corfixFormId: string;
  state: 'pending' | 'retrying' | 'uploaded' | 'failed' | 'skipped';
  lastError: string | null;
  failedAt: Date | null;
  updatedAt: Date;
}

/** An incident as recorded, still open. */
export interface OpenIncident {
  id: string;
  kind: AlertKind;
  integrationId: string;
  /** for `form_upload_failed` only */
  corfixFormId: string | null;
}

/** A problem that holds now and has no open incident yet. */
export interface NewIncident {
  kind: AlertKind;
  integrationId: string;
  corfixFormId: string | null;
  /** since when the problem holds */
  since: Date;
  /** what happened, in words */
  message: string;
}

/** An open incident whose problem is over. */
export interface RecoveredIncident {
  id: string;
  /** how it ended, in words */
  message: string;
}

export interface AlertSituation {
  /** the integrations in question: in error, retrying, with a failed form, or with an open incident */
  integrations: readonly ObservedIntegration[];
  /** the forms in question: failed, or with an open incident */
  forms: readonly ObservedForm[];
  open: readonly OpenIncident[];
  now: Date;
  /** ALERT_AFTER: how long a sync may retry before an admin is told */
  alertAfterMs: number;
}

export interface IncidentDecisions {
  opened: NewIncident[];
  recovered: RecoveredIncident[];
}

/** The key one incident at a time may hold: integration, kind and, for a form, the form. */
export const incidentKey = (i: { kind: AlertKind; integrationId: string; corfixFormId: string | null }): string =>
  `${i.integrationId}/${i.kind}${i.corfixFormId === null ? '' : `/${i.corfixFormId}`}`;

/** The statuses in which a sync runs, so that its retrying means something. */
const SYNCING: ReadonlySet<ObservedIntegration['status']> = new Set(['connecting', 'initial_sync', 'active']);

/** Which incidents open and which recover now. */
export function decideIncidents(situation: AlertSituation): IncidentDecisions {
  const integrations = new Map(situation.integrations.map((i) => [i.id, i]));
  const forms = new Map(situation.forms.map((f) => [formKey(f.integrationId, f.corfixFormId), f]));
  const openKeys = new Set(situation.open.map(incidentKey));

  const opened: NewIncident[] = [];
  const openIfNew = (incident: NewIncident) => {
    if (!openKeys.has(incidentKey(incident))) opened.push(incident);
  };
  for (const integration of situation.integrations) {
    if (integration.status === 'error') openIfNew(integrationError(integration));
    const since = integration.syncStateSince;
    if (
      integration.syncState === 'retrying' &&
      SYNCING.has(integration.status) &&
      since !== null &&
      situation.now.getTime() - since.getTime() >= situation.alertAfterMs
    ) {
      openIfNew(retryingTooLong(integration, since, situation.now));
    }
  }
  for (const form of situation.forms) {
    const integration = integrations.get(form.integrationId);
    if (form.state === 'failed' && integration !== undefined && integration.status !== 'disconnected') openIfNew(formUploadFailed(form));
  }

  const recovered: RecoveredIncident[] = [];
  for (const incident of situation.open) {
    const integration = integrations.get(incident.integrationId);
    const form = incident.corfixFormId === null ? undefined : forms.get(formKey(incident.integrationId, incident.corfixFormId));
    const message = recoveryOf(incident, integration, form);
    if (message !== undefined) recovered.push({ id: incident.id, message });
  }
  return { opened, recovered };
}

const formKey = (integrationId: string, corfixFormId: string) => `${integrationId}/${corfixFormId}`;

const problem = (lastError: string | null) => (lastError === null ? 'no reason was recorded' : lastError);

function integrationError(i: ObservedIntegration): NewIncident {
  const since = (i.syncState === 'failed' ? i.syncStateSince : null) ?? i.lastErrorAt ?? i.updatedAt;
  const message =
    i.initialSyncState === 'failed'
      ? `The initial sync failed, so the integration is in error until the Corfix account connects again: ${problem(i.lastError)}`
      : `The sync stopped in error and waits for someone to fix the cause and resume it: ${problem(i.lastError)}`;
  return { kind: 'integration_error', integrationId: i.id, corfixFormId: null, since, message };
}

function retryingTooLong(i: ObservedIntegration, since: Date, now: Date): NewIncident {
  const next = i.nextTryAt === null ? '' : ` (next try at ${i.nextTryAt.toISOString()})`;
  return {
    kind: 'retrying_too_long',
    integrationId: i.id,
    corfixFormId: null,
    since,
    message: `The sync has been retrying for ${durationInWords(now.getTime() - since.getTime())}${next}: ${problem(i.lastError)}`,
  };
}

function formUploadFailed(f: ObservedForm): NewIncident {
  return {
    kind: 'form_upload_failed',
    integrationId: f.integrationId,
    corfixFormId: f.corfixFormId,
    since: f.failedAt ?? f.updatedAt,
    message: `Form ${f.corfixFormId} could not be filed in Procore and waits for a retry: ${problem(f.lastError)}`,
  };
}

const DISCONNECTED = 'The integration was disconnected (or its Corfix account connected again as a new integration): this problem no longer applies';
const PAUSED = 'The integration was paused: it syncs nothing until resumed';

/** How an open incident ended, in words; undefined while its problem holds. */
function recoveryOf(
  incident: OpenIncident,
  integration: ObservedIntegration | undefined,
  form: ObservedForm | undefined,
): string | undefined {
  if (integration === undefined || integration.status === 'disconnected') return DISCONNECTED;
  switch (incident.kind) {
    case 'integration_error':
      if (integration.status === 'error') return undefined;
      if (integration.status === 'paused') return PAUSED;
      return integration.status === 'active' ? 'The integration is active again' : `The integration is no longer in error (now ${integration.status})`;
    case 'retrying_too_long':
      if (integration.status === 'paused') return PAUSED;
      return integration.syncState === 'ok' ? 'The sync goes on again: it is no longer retrying' : undefined;
    case 'form_upload_failed': {
      const formId = incident.corfixFormId ?? '';
      if (form === undefined) return `Form ${formId} is no longer waiting for an upload`;
      if (form.state === 'uploaded') return `Form ${formId} is filed in Procore now`;
      if (form.state === 'skipped') return `Form ${formId} needs no upload any more (it was skipped)`;
      return undefined;
    }
  }
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** `45 minutes`, `2 hours 5 minutes`, `3 days 1 hour`: the two largest units, rounded down; under a minute, `less than a minute`. */
export function durationInWords(ms: number): string {
  const parts: string[] = [];
  let rest = Math.max(0, ms);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
  }
  const shown = parts.slice(0, 2).filter((p) => !p.startsWith('0 '));
  return shown.length === 0 ? 'less than a minute' : shown.join(' ');
}
