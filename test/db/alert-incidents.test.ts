// The alerts' incidents against a real Postgres: what a pass reads, one open
// incident per key even when passes race, and one sender per notice at a time.
import { openDatabase, type Database } from '../../src/db/database.js';
import {
  claimNotice,
  incidentsToNotify,
  openIncidents,
  readAlertSituation,
  recordNoticeSent,
  recoverIncidents,
  releaseNotice,
} from '../../src/db/repositories/alert-incidents.js';
import { noteFormRevision, recordFormFailed, recordUploaded } from '../../src/db/repositories/form-links.js';
import {
  deleteIntegration,
  failContinuousSyncOf,
  recordSyncRetrying,
  updateIntegration,
} from '../../src/db/repositories/integrations.js';
import type { NewIncident } from '../../src/domain/alert-incidents.js';
import { createTestDatabase, newIntegrationId, type TestDatabase } from '../support/database.js';

let t: TestDatabase;
/** a second pool, wide enough for many statements at once */
let wide: Database;

beforeAll(async () => {
  t = await createTestDatabase();
  wide = openDatabase(t.url, { poolMax: 20 });
});
afterAll(async () => {
  await wide?.destroy();
  await t?.drop();
});

const LEASE_MS = 60_000;

async function activeIntegration(label: string): Promise<string> {
  const id = await newIntegrationId(t.db, label);
  await updateIntegration(t.db, id, { status: 'active', initialSyncState: 'completed' });
  return id;
}

const errorIncident = (integrationId: string): NewIncident => ({
  kind: 'integration_error',
  integrationId,
  corfixFormId: null,
  since: new Date('2026-03-02T11:00:00Z'),
  message: 'The sync stopped in error and waits for someone to fix the cause and resume it: Procore says the app is not connected',
});

const rowsOf = (integrationId: string) => t.db('alert_incidents').where({ integration_id: integrationId }).orderBy('opened_at');

test('a pass reads the integrations and forms in question, and the open incidents', async () => {
  const quiet = await activeIntegration('quiet');
  const failed = await activeIntegration('failed');
  await failContinuousSyncOf(t.db, failed, 'Procore says the app is not connected to this company');
  const retrying = await activeIntegration('retrying');
  await recordSyncRetrying(t.db, retrying, { message: 'Procore answered 503', nextTryAt: new Date(Date.now() + 60_000) });
  const withForm = await activeIntegration('form');
  await recordFormFailed(t.db, { integrationId: withForm, corfixFormId: 'frm_1', message: 'Procore refused the upload (403)' });
  await noteFormRevision(t.db, withForm, 'frm_ok', 1);
  const gone = await activeIntegration('gone');
  await recordFormFailed(t.db, { integrationId: gone, corfixFormId: 'frm_gone', message: 'Procore refused the upload (403)' });
  await updateIntegration(t.db, gone, { status: 'disconnected' });
  // An open incident keeps its integration in question whatever its state now.
  const watched = await activeIntegration('watched');
  await openIncidents(t.db, [errorIncident(watched)]);

  const reading = await readAlertSituation(t.db);
  const ids = new Set(reading.integrations.map((i) => i.id));
  for (const id of [failed, retrying, withForm, watched]) expect(ids.has(id)).toBe(true);
  for (const id of [quiet, gone]) expect(ids.has(id)).toBe(false);
  const byId = new Map(reading.integrations.map((i) => [i.id, i]));
  expect(byId.get(failed)).toMatchObject({ status: 'error', syncState: 'failed', lastError: 'Procore says the app is not connected to this company' });
  expect(byId.get(retrying)?.syncStateSince).toBeInstanceOf(Date);
  expect(reading.forms.filter((f) => [withForm, gone].includes(f.integrationId))).toEqual([
    expect.objectContaining({ integrationId: withForm, corfixFormId: 'frm_1', state: 'failed', lastError: 'Procore refused the upload (403)' }),
  ]);
  expect(reading.open.filter((o) => o.integrationId === watched)).toEqual([
    { id: expect.any(String), kind: 'integration_error', integrationId: watched, corfixFormId: null },
  ]);
  expect(reading.now).toBeInstanceOf(Date);
});

test('a form with an open incident is read whatever its state now', async () => {
  const id = await activeIntegration('form-open');
  await recordFormFailed(t.db, { integrationId: id, corfixFormId: 'frm_2', message: 'refused' });
  await openIncidents(t.db, [{ ...errorIncident(id), kind: 'form_upload_failed', corfixFormId: 'frm_2' }]);
  await recordUploaded(t.db, {
    integrationId: id,
    corfixFormId: 'frm_2',
    procoreProjectId: '1',
    procoreFolderId: '2',
    procoreFileId: '3',
    procoreFileName: 'x.pdf',
    procoreVersionCount: 1,
    revision: 1,
    reason: 'uploaded',
  });
  const forms = (await readAlertSituation(t.db)).forms.filter((f) => f.integrationId === id);
  expect(forms.map((f) => [f.corfixFormId, f.state])).toEqual([['frm_2', 'uploaded']]);
});

test('one open incident per key, even when many passes open it at once; after its recovery the same problem is a new incident', async () => {
  const id = await activeIntegration('race');
  const opened = await Promise.all(Array.from({ length: 12 }, () => openIncidents(wide, [errorIncident(id)])));
  expect(opened.reduce((a, b) => a + b, 0)).toBe(1);
  expect(await rowsOf(id)).toHaveLength(1);

  // A form's incidents are keyed by the form too.
  const formIncident = (f: string): NewIncident => ({ ...errorIncident(id), kind: 'form_upload_failed', corfixFormId: f });
  expect(await openIncidents(t.db, [formIncident('f1'), formIncident('f2'), formIncident('f1')])).toBe(2);

  const [first] = await rowsOf(id);
  expect(await recoverIncidents(t.db, [{ id: first.id, message: 'The integration is active again' }])).toBe(1);
  expect(await recoverIncidents(t.db, [{ id: first.id, message: 'again' }])).toBe(0);
  expect(await openIncidents(t.db, [errorIncident(id)])).toBe(1);
  const errors = (await rowsOf(id)).filter((r) => r.kind === 'integration_error');
  expect(errors.map((r) => [r.recovery_message, r.recovered_at === null])).toEqual([
    ['The integration is active again', false],
    [null, true],
  ]);
});

test('a notice is claimed by one sender at a time; sent, it is never claimed again; a dead sender\'s claim runs out', async () => {
  const id = await activeIntegration('claims');
  await openIncidents(t.db, [errorIncident(id)]);
  const [incident] = await rowsOf(id);

  const claims = await Promise.all(Array.from({ length: 8 }, () => claimNotice(wide, incident.id, 'open', LEASE_MS)));
  expect(claims.filter(Boolean)).toHaveLength(1);
  // No recovery to send before the incident recovered and its open notice went out.
  expect(await claimNotice(t.db, incident.id, 'recovered', LEASE_MS)).toBe(false);

  // The receiver refused it: released, counted, claimable again at once.
  await releaseNotice(t.db, incident.id, 'status 500');
  expect(await t.db('alert_incidents').where({ id: incident.id }).first()).toMatchObject({ send_failures: 1, last_send_failure: 'status 500' });
  expect(await claimNotice(t.db, incident.id, 'open', LEASE_MS)).toBe(true);

  // Its sender died holding it: once the hold has run out, another sender sends it again.
  expect(await claimNotice(t.db, incident.id, 'open', LEASE_MS)).toBe(false);
  await t.db('alert_incidents').where({ id: incident.id }).update({ send_claimed_until: t.db.raw(`now() - interval '1 second'`) });
  expect(await claimNotice(t.db, incident.id, 'open', LEASE_MS)).toBe(true);
  await recordNoticeSent(t.db, incident.id, 'open');
  expect(await claimNotice(t.db, incident.id, 'open', LEASE_MS)).toBe(false);

  await recoverIncidents(t.db, [{ id: incident.id, message: 'The integration is active again' }]);
  expect(await claimNotice(t.db, incident.id, 'recovered', LEASE_MS)).toBe(true);
  await recordNoticeSent(t.db, incident.id, 'recovered');
  expect(await claimNotice(t.db, incident.id, 'recovered', LEASE_MS)).toBe(false);
  const row = await t.db('alert_incidents').where({ id: incident.id }).first();
  expect(row.alerted_at).toBeInstanceOf(Date);
  expect(row.recovery_alerted_at).toBeInstanceOf(Date);
  expect(row.send_claimed_until).toBeNull();
});

test('the incidents owing a notice are listed oldest first, with the ids the notice carries', async () => {
  const id = await activeIntegration('notify');
  await openIncidents(t.db, [errorIncident(id)]);
  const [incident] = await rowsOf(id);
  const mine = async () => (await incidentsToNotify(t.db, 1000)).filter((i) => i.integrationId === id);

  const [owing] = await mine();
  const integration = await t.db('integrations').where({ id }).first();
  expect(owing).toMatchObject({
    id: incident.id,
    kind: 'integration_error',
    corfixAccountId: integration.corfix_account_id,
    procoreCompanyId: String(integration.procore_company_id),
    corfixFormId: null,
    since: new Date('2026-03-02T11:00:00Z'),
    alerted: false,
    recoveredAt: null,
  });
  await recordNoticeSent(t.db, incident.id, 'open');
  expect(await mine()).toEqual([]);
  await recoverIncidents(t.db, [{ id: incident.id, message: 'The integration is active again' }]);
  expect(await mine()).toEqual([expect.objectContaining({ alerted: true, recoveredAt: expect.any(Date), recoveryMessage: 'The integration is active again' })]);
  await recordNoticeSent(t.db, incident.id, 'recovered');
  expect(await mine()).toEqual([]);
});

test('the table refuses a form incident without its form, and a recovery without its words', async () => {
  const id = await activeIntegration('checks');
  await expect(openIncidents(t.db, [{ ...errorIncident(id), kind: 'form_upload_failed' }])).rejects.toThrow(/alert_incidents_form_check/);
  await openIncidents(t.db, [errorIncident(id)]);
  await expect(t.db('alert_incidents').where({ integration_id: id }).update({ recovered_at: t.db.fn.now() })).rejects.toThrow(
    /alert_incidents_recovery_check/,
  );
});

test('an integration removed takes its incidents with it', async () => {
  const id = await newIntegrationId(t.db, 'removed');
  await openIncidents(t.db, [errorIncident(id)]);
  await deleteIntegration(t.db, id);
  expect(await rowsOf(id)).toEqual([]);
});
