// Which incidents open and which recover, from what Postgres says and the moment now.
import {
  decideIncidents,
  durationInWords,
  incidentKey,
  type AlertSituation,
  type ObservedForm,
  type ObservedIntegration,
  type OpenIncident,
} from '../../src/domain/alert-incidents.js';

const now = new Date('2026-03-02T12:00:00Z');
const minutes = (m: number) => new Date(now.getTime() - m * 60_000);
const ALERT_AFTER = 30 * 60_000;

const integration = (id: string, change: Partial<ObservedIntegration> = {}): ObservedIntegration => ({
  id,
  status: 'active',
  initialSyncState: 'completed',
  syncState: 'ok',
  syncStateSince: null,
  nextTryAt: null,
  lastError: null,
  lastErrorAt: null,
  updatedAt: minutes(600),
  ...change,
});

const form = (integrationId: string, corfixFormId: string, change: Partial<ObservedForm> = {}): ObservedForm => ({
  integrationId,
  corfixFormId,
  state: 'failed',
  lastError: 'Procore refused the upload (403 forbidden): the service account may not write to Documents',
  failedAt: minutes(5),
  updatedAt: minutes(5),
  ...change,
});

const decide = (s: Partial<AlertSituation>) =>
  decideIncidents({ integrations: [], forms: [], open: [], now, alertAfterMs: ALERT_AFTER, ...s });

const open = (id: string, kind: OpenIncident['kind'], integrationId: string, corfixFormId: string | null = null): OpenIncident => ({
  id,
  kind,
  integrationId,
  corfixFormId,
});

describe('opening', () => {
  test('an integration in error opens one incident, since it failed, saying why in words', () => {
    const failed = integration('i1', {
      status: 'error',
      syncState: 'failed',
      syncStateSince: minutes(12),
      lastError: 'Procore says the app is not connected to this company (403 App is not connected)',
      lastErrorAt: minutes(12),
    });
    const { opened, recovered } = decide({ integrations: [failed] });
    expect(recovered).toEqual([]);
    expect(opened).toEqual([
      {
        kind: 'integration_error',
        integrationId: 'i1',
        corfixFormId: null,
        since: minutes(12),
        message:
          'The sync stopped in error and waits for someone to fix the cause and resume it: Procore says the app is not connected to this company (403 App is not connected)',
      },
    ]);
  });

  test('a failed initial sync says the account must connect again; a missing reason is said so', () => {
    const failed = integration('i1', { status: 'error', initialSyncState: 'failed', syncState: 'failed', syncStateSince: minutes(1) });
    expect(decide({ integrations: [failed] }).opened[0]?.message).toBe(
      'The initial sync failed, so the integration is in error until the Corfix account connects again: no reason was recorded',
    );
  });

  test('an error without a recorded sync failure is dated by its last error, else by its last change', () => {
    const byError = integration('i1', { status: 'error', lastErrorAt: minutes(7), updatedAt: minutes(3) });
    const byChange = integration('i2', { status: 'error', updatedAt: minutes(3) });
    expect(decide({ integrations: [byError, byChange] }).opened.map((o) => o.since)).toEqual([minutes(7), minutes(3)]);
  });

  test('retrying opens an incident only once it has lasted ALERT_AFTER', () => {
    const retrying = (m: number) =>
      integration(`r${m}`, {
        syncState: 'retrying',
        syncStateSince: minutes(m),
        nextTryAt: new Date(now.getTime() + 60_000),
        lastError: 'Procore answered 503 (service unavailable); tried again later',
      });
    const { opened } = decide({ integrations: [retrying(29), retrying(30), retrying(95)] });
    expect(opened.map((o) => [o.integrationId, o.kind, o.since])).toEqual([
      ['r30', 'retrying_too_long', minutes(30)],
      ['r95', 'retrying_too_long', minutes(95)],
    ]);
    expect(opened[1]?.message).toBe(
      'The sync has been retrying for 1 hour 35 minutes (next try at 2026-03-02T12:01:00.000Z): Procore answered 503 (service unavailable); tried again later',
    );
  });

  test('retrying counts while a sync runs (connecting, initial sync, active), not while paused or disconnected', () => {
    const statuses = ['connecting', 'initial_sync', 'active', 'paused', 'disconnected'] as const;
    const integrations = statuses.map((status) => integration(status, { status, syncState: 'retrying', syncStateSince: minutes(60) }));
    expect(decide({ integrations }).opened.map((o) => o.integrationId)).toEqual(['connecting', 'initial_sync', 'active']);
  });

  test('a failed form opens one incident per form, since it failed; not in a disconnected integration', () => {
    const live = integration('i1');
    const gone = integration('i2', { status: 'disconnected' });
    const { opened } = decide({ integrations: [live, gone], forms: [form('i1', 'f1'), form('i1', 'f2', { failedAt: null }), form('i2', 'f3')] });
    expect(opened.map((o) => [incidentKey(o), o.since])).toEqual([
      ['i1/form_upload_failed/f1', minutes(5)],
      ['i1/form_upload_failed/f2', minutes(5)],
    ]);
    expect(opened[0]?.message).toBe(
      'Form f1 could not be filed in Procore and waits for a retry: Procore refused the upload (403 forbidden): the service account may not write to Documents',
    );
  });

  test('a problem whose incident is open opens nothing more', () => {
    const failed = integration('i1', { status: 'error', syncState: 'failed', syncStateSince: minutes(90) });
    const retrying = integration('i2', { syncState: 'retrying', syncStateSince: minutes(90) });
    const { opened, recovered } = decide({
      integrations: [failed, retrying, integration('i3')],
      forms: [form('i3', 'f1')],
      open: [open('a', 'integration_error', 'i1'), open('b', 'retrying_too_long', 'i2'), open('c', 'form_upload_failed', 'i3', 'f1')],
    });
    expect(opened).toEqual([]);
    expect(recovered).toEqual([]);
  });

  test('an integration can hold several incidents at once, each with its own key', () => {
    const failed = integration('i1', { status: 'error', syncState: 'failed', syncStateSince: minutes(90) });
    const { opened } = decide({ integrations: [failed], forms: [form('i1', 'f1')], open: [open('b', 'retrying_too_long', 'i1')] });
    expect(opened.map(incidentKey)).toEqual(['i1/integration_error', 'i1/form_upload_failed/f1']);
  });
});

describe('recovering', () => {
  test('an error recovers when the integration is active again, or paused', () => {
    const { recovered } = decide({
      integrations: [integration('i1'), integration('i2', { status: 'paused', syncState: 'failed' })],
      open: [open('a', 'integration_error', 'i1'), open('b', 'integration_error', 'i2')],
    });
    expect(recovered).toEqual([
      { id: 'a', message: 'The integration is active again' },
      { id: 'b', message: 'The integration was paused: it syncs nothing until resumed' },
    ]);
  });

  test('retrying recovers once the sync is ok; a spell that ended in error stays open until the resume', () => {
    const { recovered } = decide({
      integrations: [
        integration('ok'),
        integration('still', { syncState: 'retrying', syncStateSince: minutes(40) }),
        integration('error', { status: 'error', syncState: 'failed', syncStateSince: minutes(1) }),
      ],
      open: [open('a', 'retrying_too_long', 'ok'), open('b', 'retrying_too_long', 'still'), open('c', 'retrying_too_long', 'error'), open('d', 'integration_error', 'error')],
    });
    expect(recovered).toEqual([{ id: 'a', message: 'The sync goes on again: it is no longer retrying' }]);
  });

  test('a failed form recovers once filed or skipped; a retry under way keeps it open', () => {
    const { recovered } = decide({
      integrations: [integration('i1')],
      forms: [
        form('i1', 'up', { state: 'uploaded' }),
        form('i1', 'skip', { state: 'skipped' }),
        form('i1', 'again', { state: 'retrying' }),
        form('i1', 'queued', { state: 'pending' }),
      ],
      open: ['up', 'skip', 'again', 'queued', 'gone'].map((f) => open(f, 'form_upload_failed', 'i1', f)),
    });
    expect(recovered).toEqual([
      { id: 'up', message: 'Form up is filed in Procore now' },
      { id: 'skip', message: 'Form skip needs no upload any more (it was skipped)' },
      { id: 'gone', message: 'Form gone is no longer waiting for an upload' },
    ]);
  });

  test('every incident of a disconnected (or vanished) integration ends, saying so', () => {
    const { recovered, opened } = decide({
      integrations: [integration('i1', { status: 'disconnected', syncState: 'failed' })],
      forms: [form('i1', 'f1')],
      open: [open('a', 'integration_error', 'i1'), open('b', 'form_upload_failed', 'i1', 'f1'), open('c', 'retrying_too_long', 'i9')],
    });
    expect(opened).toEqual([]);
    expect(recovered.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(new Set(recovered.map((r) => r.message))).toEqual(
      new Set(['The integration was disconnected (or its Corfix account connected again as a new integration): this problem no longer applies']),
    );
  });

  test('a problem that came back after a recovery opens a new incident (the closed one is not in the open list)', () => {
    const failed = integration('i1', { status: 'error', syncState: 'failed', syncStateSince: minutes(2) });
    expect(decide({ integrations: [failed] }).opened.map(incidentKey)).toEqual(['i1/integration_error']);
  });
});

test('durations in words: the two largest units, rounded down', () => {
  expect(durationInWords(20_000)).toBe('less than a minute');
  expect(durationInWords(60_000)).toBe('1 minute');
  expect(durationInWords(45 * 60_000)).toBe('45 minutes');
  expect(durationInWords(2 * 3_600_000 + 5 * 60_000 + 59_000)).toBe('2 hours 5 minutes');
  expect(durationInWords(3 * 86_400_000 + 3_600_000 + 7 * 60_000)).toBe('3 days 1 hour');
  expect(durationInWords(2 * 86_400_000 + 5 * 60_000)).toBe('2 days');
});
