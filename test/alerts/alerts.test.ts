// The alerts pass, called directly with its dependencies over a real Postgres
// and a local receiver: one signed notice per incident however many passes
// run (and however many at once), one recovery notice after the fix, nothing
// more after; a receiver that is down gets the notice once it answers; nothing
// without ALERT_WEBHOOK_URL.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { runAlertPass, type AlertDependencies, type AlertSettings } from '../../src/activities/alerts.js';
import { openDatabase, type Database } from '../../src/db/database.js';
import { claimNotice } from '../../src/db/repositories/alert-incidents.js';
import { recordFormFailed, recordFormRecovered, recordFormRetrying, recordUploaded } from '../../src/db/repositories/form-links.js';
import {
  failContinuousSyncOf,
  findIntegration,
  recordSyncRecovered,
  recordSyncRetrying,
  updateIntegration,
} from '../../src/db/repositories/integrations.js';
import { createTestDatabase, newIntegrationId, type TestDatabase } from '../support/database.js';
import { RECEIVER_KEY, RECEIVER_PATH, startAlertReceiver, type AlertReceiver } from './alert-receiver.js';

const SECRET = 'alert-webhook-secret-for-the-tests-0123456789';
const PUBLIC_URL = 'https://integration.example.test';
const WEB_UI = { url: 'http://127.0.0.1:8233', namespace: 'default' };
const ALERT_AFTER_MS = 30 * 60_000;

let t: TestDatabase;
let wide: Database;
let receiver: AlertReceiver;
const logLines: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  }),
);

beforeAll(async () => {
  t = await createTestDatabase();
  wide = openDatabase(t.url, { poolMax: 12 });
  receiver = await startAlertReceiver(SECRET);
});
afterAll(async () => {
  await receiver?.close();
  await wide?.destroy();
  await t?.drop();
});

const settings = (): AlertSettings => ({ webhook: { url: receiver.url, secret: SECRET }, alertAfterMs: ALERT_AFTER_MS, publicUrl: PUBLIC_URL, webUi: WEB_UI });
const deps = (db: Database = t.db): AlertDependencies => ({ db, logger, alerts: settings() });
const pass = () => runAlertPass(deps());
async function passes(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await pass();
}

/** An integration past its initial sync, syncing. */
async function liveIntegration(label: string): Promise<string> {
  const id = await newIntegrationId(t.db, label);
  await updateIntegration(t.db, id, { status: 'active', initialSyncState: 'completed' });
  return id;
}

/** The retrying spell began `minutes` ago (the syncs write since = now when it begins). */
async function retryingFor(id: string, minutes: number, message: string): Promise<Date> {
  await recordSyncRetrying(t.db, id, { message, nextTryAt: new Date(Date.now() + 60_000) });
  await t.db('integrations').where({ id }).update({ sync_state_since: t.db.raw(`now() - (? * interval '1 minute')`, [minutes]) });
  return (await findIntegration(t.db, id))?.syncStateSince as Date;
}

const noticesOf = (integrationId: string) => receiver.taken().filter((n) => n.integration_id === integrationId);

test('an integration in error and one retrying too long: one alert each, one recovery each after the fix, then nothing', async () => {
  const failing = await liveIntegration('failing');
  const retrying = await liveIntegration('retrying');
  const briefly = await liveIntegration('briefly');
  const appRemoved = 'Procore says the app is not connected to this company (403 App is not connected); reinstall it, then resume';
  await failContinuousSyncOf(t.db, failing, appRemoved);
  const outage = 'Procore answered 503 (service unavailable) on GET /rest/v1.0/companies/{id}/users';
  await recordSyncRetrying(t.db, retrying, { message: outage, nextTryAt: new Date(Date.now() + 60_000) });
  await retryingFor(briefly, 5, outage);

  // Retrying for a moment is no incident yet.
  await passes(2);
  expect(receiver.taken().map((n) => [n.integration_id, n.kind])).toEqual([[failing, 'integration_error']]);
  const since = await retryingFor(retrying, 45, outage);
  await passes(3);

  const [failingAlert] = noticesOf(failing);
  const [retryingAlert] = noticesOf(retrying);
  expect(noticesOf(failing)).toHaveLength(1);
  expect(noticesOf(retrying)).toHaveLength(1);
  expect(noticesOf(briefly)).toEqual([]);
  expect(receiver.deliveries.every((d) => d.signatureOk && d.path === `${RECEIVER_PATH}?key=${RECEIVER_KEY}`)).toBe(true);

  const failingRow = await findIntegration(t.db, failing);
  expect(failingAlert).toEqual({
    alert_id: `${failingAlert?.incident_id}:open`,
    incident_id: expect.any(String),
    kind: 'integration_error',
    state: 'open',
    integration_id: failing,
    corfix_account_id: failingRow?.corfixAccountId,
    procore_company_id: failingRow?.procoreCompanyId,
    message: `The sync stopped in error and waits for someone to fix the cause and resume it: ${appRemoved}`,
    since: failingRow?.syncStateSince?.toISOString(),
    status_url: `${PUBLIC_URL}/status/${failingRow?.corfixAccountId}`,
    web_ui_url: `${WEB_UI.url}/namespaces/default/workflows?query=${encodeURIComponent(`IntegrationId = "${failing}"`)}`,
  });
  expect(retryingAlert).toMatchObject({ kind: 'retrying_too_long', state: 'open', since: since.toISOString() });
  expect(retryingAlert?.message).toMatch(new RegExp(`^The sync has been retrying for 45 minutes \\(next try at [^)]+\\): ${escape(outage)}$`));

  // The fix: an operator resumes the failed one (as POST .../resume writes it); the outage ends.
  await updateIntegration(t.db, failing, { status: 'active' });
  await recordSyncRecovered(t.db, failing);
  await recordSyncRecovered(t.db, retrying);
  await passes(3);

  const recoveries = receiver.taken().filter((n) => n.state === 'recovered');
  expect(recoveries.map((n) => [n.integration_id, n.kind, n.incident_id, n.alert_id])).toEqual([
    [failing, 'integration_error', failingAlert?.incident_id, `${failingAlert?.incident_id}:recovered`],
    [retrying, 'retrying_too_long', retryingAlert?.incident_id, `${retryingAlert?.incident_id}:recovered`],
  ]);
  expect(recoveries.map((n) => n.message)).toEqual(['The integration is active again', 'The sync goes on again: it is no longer retrying']);
  expect(recoveries.every((n) => n.since !== undefined && Date.parse(n.recovered_at as string) >= Date.parse(n.since))).toBe(true);

  const before = receiver.deliveries.length;
  await passes(3);
  expect(receiver.deliveries.length).toBe(before);
  expect(receiver.taken()).toHaveLength(4);

  // The same problem again after the recovery is a new incident with its own alert.
  await failContinuousSyncOf(t.db, failing, appRemoved);
  await passes(2);
  const again = noticesOf(failing).filter((n) => n.state === 'open');
  expect(again).toHaveLength(2);
  expect(again[1]?.incident_id).not.toBe(failingAlert?.incident_id);
});

test('a failed form: one alert; a retry under way changes nothing; filed, one recovery notice', async () => {
  const id = await liveIntegration('form');
  const refused = 'Procore refused the upload (403 forbidden): the service account may not write to Documents';
  await recordFormFailed(t.db, { integrationId: id, corfixFormId: 'frm_77', message: refused });
  await passes(2);
  expect(noticesOf(id)).toEqual([
    expect.objectContaining({
      kind: 'form_upload_failed',
      state: 'open',
      corfix_form_id: 'frm_77',
      message: `Form frm_77 could not be filed in Procore and waits for a retry: ${refused}`,
    }),
  ]);

  // An operator's retry, which waits on Procore again: the same incident, no second alert.
  await recordFormRecovered(t.db, id, 'frm_77');
  await recordFormRetrying(t.db, { integrationId: id, corfixFormId: 'frm_77', message: 'Procore answered 503', nextTryAt: new Date() });
  await passes(2);
  expect(noticesOf(id)).toHaveLength(1);

  await recordUploaded(t.db, {
    integrationId: id,
    corfixFormId: 'frm_77',
    procoreProjectId: '501',
    procoreFolderId: '601',
    procoreFileId: '701',
    procoreFileName: 'Toolbox Talk 2026-03-02.pdf',
    procoreVersionCount: 1,
    revision: 1,
    reason: 'uploaded',
  });
  await passes(2);
  expect(noticesOf(id).map((n) => [n.state, n.corfix_form_id, n.message])).toEqual([
    ['open', 'frm_77', `Form frm_77 could not be filed in Procore and waits for a retry: ${refused}`],
    ['recovered', 'frm_77', 'Form frm_77 is filed in Procore now'],
  ]);
});

test('a receiver that is down (refused, then 500) gets the notice at a later pass, once; the log names neither its URL nor the secret', async () => {
  const id = await liveIntegration('down');
  await receiver.goDown();
  await failContinuousSyncOf(t.db, id, 'Procore says the app is not connected to this company');
  expect(await pass()).toMatchObject({ opened: 1, sent: 0, waiting: 1 });
  expect(await pass()).toMatchObject({ opened: 0, sent: 0, waiting: 1 });

  await receiver.comeUp();
  receiver.answerWith(500);
  expect(await pass()).toMatchObject({ sent: 0, waiting: 1 });
  expect(receiver.deliveries.filter((d) => d.notice.integration_id === id).map((d) => d.answered)).toEqual([500]);
  const row = await t.db('alert_incidents').where({ integration_id: id }).first();
  expect(row).toMatchObject({ alerted_at: null, send_failures: 3, last_send_failure: 'status 500' });

  receiver.answerWith(200);
  expect(await pass()).toMatchObject({ sent: 1, waiting: 0 });
  await passes(2);
  const delivered = receiver.deliveries.filter((d) => d.notice.integration_id === id);
  expect(delivered.map((d) => d.answered)).toEqual([500, 200]);
  // Both tries carried the same idempotency id.
  expect(new Set(delivered.map((d) => d.notice.alert_id)).size).toBe(1);

  const refusals = logLines.filter((l) => l.includes('the alert receiver did not take a notice'));
  expect(refusals.map((l) => JSON.parse(l).failure)).toEqual(['network error ECONNREFUSED', 'network error ECONNREFUSED', 'status 500']);
  const log = logLines.join('\n');
  expect(log).not.toContain(SECRET);
  expect(log).not.toContain(RECEIVER_KEY);
  expect(log).not.toContain(RECEIVER_PATH);
});

test('several passes at once (several workers) deliver each notice once', async () => {
  const ids = await Promise.all(['race-a', 'race-b', 'race-c'].map(liveIntegration));
  for (const id of ids) await failContinuousSyncOf(t.db, id, 'Procore says the app is not connected to this company');
  await Promise.all(Array.from({ length: 6 }, () => runAlertPass(deps(wide))));
  await pass();
  for (const id of ids) expect(noticesOf(id)).toHaveLength(1);
});

test('a sender that died between its POST and recording it: the notice goes again with the same alert_id, for the receiver to drop', async () => {
  const id = await liveIntegration('crash');
  await failContinuousSyncOf(t.db, id, 'Procore says the app is not connected to this company');
  await pass();
  // As if the process had died after the receiver answered, before the row said so (its hold long run out).
  await t.db('alert_incidents').where({ integration_id: id }).update({ alerted_at: null });
  await pass();
  const [first, repeat] = noticesOf(id);
  expect(noticesOf(id)).toHaveLength(2);
  expect(repeat?.alert_id).toBe(first?.alert_id);
  await passes(2);
  expect(noticesOf(id)).toHaveLength(2);

  // Another sender holds the recovery notice (alive, posting it): a pass leaves it to that one.
  await updateIntegration(t.db, id, { status: 'active' });
  await recordSyncRecovered(t.db, id);
  const incident = await t.db('alert_incidents').where({ integration_id: id }).first();
  await t.db('alert_incidents').where({ id: incident.id }).update({ recovered_at: t.db.fn.now(), recovery_message: 'The integration is active again' });
  expect(await claimNotice(t.db, incident.id, 'recovered', 60_000)).toBe(true);
  expect(await pass()).toMatchObject({ sent: 0, waiting: 1 });
  expect(noticesOf(id).map((n) => n.state)).toEqual(['open', 'open']);
  // That sender died: once its hold has run out, the next pass sends it.
  await t.db('alert_incidents').where({ id: incident.id }).update({ send_claimed_until: t.db.raw(`now() - interval '1 second'`) });
  expect(await pass()).toMatchObject({ sent: 1, waiting: 0 });
  expect(noticesOf(id).map((n) => n.state)).toEqual(['open', 'open', 'recovered']);
});

test('without ALERT_WEBHOOK_URL nothing is recorded or sent', async () => {
  const id = await liveIntegration('unset');
  await failContinuousSyncOf(t.db, id, 'Procore says the app is not connected to this company');
  const before = receiver.deliveries.length;
  expect(await runAlertPass({ db: t.db, logger })).toEqual({ opened: 0, recovered: 0, sent: 0, waiting: 0 });
  expect(receiver.deliveries.length).toBe(before);
  expect(await t.db('alert_incidents').where({ integration_id: id })).toEqual([]);
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
