// Each unique constraint of the data model, proven against a real Postgres:
// the repositories converge on one row, and a raw duplicate insert is refused.
import { closeFailedConnections, reopenFailedConnections } from '../../src/db/repositories/failed-connections.js';
import {
  AlreadyConnectedError,
  failContinuousSyncOf,
  createIntegration,
  findIntegration,
  findIntegrationByAccount,
  resumeContinuousSyncOf,
  updateIntegration,
  type Integration,
} from '../../src/db/repositories/integrations.js';
import { findProjectLinks, findWorkerLinks, saveProjectLink, saveWorkerLink, takeOverLinksOfPreviousIntegration } from '../../src/db/repositories/links.js';
import { countOutcomes, listOutcomes, recordOutcomes } from '../../src/db/repositories/sync-outcomes.js';
import { findFormLink, recordUploaded, recordUploadIntent } from '../../src/db/repositories/form-links.js';
import { findProcoreFolder, rememberProcoreFolder } from '../../src/db/repositories/procore-folders.js';
import { markWebhookEventProcessed, recordWebhookEvent } from '../../src/db/repositories/webhook-events.js';
import { appendAudit, listAudit } from '../../src/db/repositories/audit-log.js';
import { isUniqueViolation } from '../../src/db/unique-violation.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const toggles = { syncEmployeesOnly: false, autoActivateWorkers: false, syncForms: true };
let t: TestDatabase;
let seq = 0;
const nextAccount = () => `acc_${++seq}_${Date.now()}`;
const nextCompany = () => String(5_000_000_000 + ++seq);

async function newIntegration(): Promise<Integration> {
  return createIntegration(t.db, { corfixAccountId: nextAccount(), procoreCompanyId: nextCompany(), ...toggles });
}

async function rejectsAsDuplicate(insert: Promise<unknown>, constraint: string): Promise<void> {
  const error = await insert.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isUniqueViolation(error, constraint)).toBe(true);
}

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe('integrations', () => {
  test('an account has one live integration; a second connect is refused', async () => {
    const first = await newIntegration();
    expect(first.generation).toBe(1);
    expect(first.status).toBe('connecting');
    await expect(
      createIntegration(t.db, { corfixAccountId: first.corfixAccountId, procoreCompanyId: nextCompany(), ...toggles }),
    ).rejects.toEqual(new AlreadyConnectedError('account'));
  });

  test('a company has one live integration', async () => {
    const first = await newIntegration();
    const error = await createIntegration(t.db, {
      corfixAccountId: nextAccount(),
      procoreCompanyId: first.procoreCompanyId,
      ...toggles,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlreadyConnectedError);
    expect((error as AlreadyConnectedError).side).toBe('company');
  });

  test('a disconnected account connects again with the next generation', async () => {
    const first = await newIntegration();
    await updateIntegration(t.db, first.id, { status: 'disconnected' });
    const again = await createIntegration(t.db, {
      corfixAccountId: first.corfixAccountId,
      procoreCompanyId: first.procoreCompanyId,
      ...toggles,
    });
    expect(again.generation).toBe(2);
    expect(again.id).not.toBe(first.id);
    expect((await findIntegrationByAccount(t.db, first.corfixAccountId))?.id).toBe(again.id);
  });

  test('generation is unique per account', async () => {
    const first = await newIntegration();
    await updateIntegration(t.db, first.id, { status: 'disconnected' });
    await rejectsAsDuplicate(
      t.db('integrations').insert({
        id: '00000000-0000-4000-8000-000000000001',
        corfix_account_id: first.corfixAccountId,
        procore_company_id: nextCompany(),
        generation: first.generation,
        status: 'disconnected',
      }),
      'integrations_corfix_account_id_generation_unique',
    );
  });

  test('a failed connection closed by a connect can be reopened exactly as it was, unless a side connected meanwhile', async () => {
    const failed = async () => {
      const i = await newIntegration();
      await updateIntegration(t.db, i.id, { status: 'error', initialSyncState: 'failed', lastError: 'app removed' });
      return (await findIntegration(t.db, i.id)) as Integration;
    };
    const [a, b] = [await failed(), await failed()];
    const closedA = await closeFailedConnections(t.db, { corfixAccountId: a.corfixAccountId, procoreCompanyId: nextCompany() });
    const closedB = await closeFailedConnections(t.db, { corfixAccountId: nextAccount(), procoreCompanyId: b.procoreCompanyId });
    expect(closedA).toEqual([{ id: a.id, updatedAt: a.updatedAt }]);
    expect((await findIntegration(t.db, b.id))?.status).toBe('disconnected');

    // b's account connects to another company before the undo: b stays closed.
    await createIntegration(t.db, { corfixAccountId: b.corfixAccountId, procoreCompanyId: nextCompany(), ...toggles });
    expect(await reopenFailedConnections(t.db, [...closedA, ...closedB])).toEqual([a.id]);
    expect(await findIntegration(t.db, a.id)).toEqual(a);
    expect((await findIntegration(t.db, b.id))?.status).toBe('disconnected');
  });

  test('two racing connects of one account leave exactly one integration', async () => {
    const account = nextAccount();
    const results = await Promise.allSettled(
      [nextCompany(), nextCompany(), nextCompany()].map((company) =>
        createIntegration(t.db, { corfixAccountId: account, procoreCompanyId: company, ...toggles }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AlreadyConnectedError);
    }
  });
});

describe('continuous syncs', () => {
  test('a failure puts a live integration in error with its sentence; the resume after it puts it back to active', async () => {
    const integration = await newIntegration();
    await updateIntegration(t.db, integration.id, { status: 'active' });
    await failContinuousSyncOf(t.db, integration.id, 'App is not connected to this company');
    expect(await findIntegration(t.db, integration.id)).toMatchObject({ status: 'error' });
    await resumeContinuousSyncOf(t.db, integration.id);
    expect(await findIntegration(t.db, integration.id)).toMatchObject({ status: 'active' });
  });

  test('a resume leaves a paused or disconnected integration as it is', async () => {
    for (const status of ['paused', 'disconnected'] as const) {
      const integration = await newIntegration();
      await updateIntegration(t.db, integration.id, { status });
      await resumeContinuousSyncOf(t.db, integration.id);
      expect(await findIntegration(t.db, integration.id)).toMatchObject({ status });
    }
  });
});

describe('links', () => {
  test('a Procore project links once; a second save keeps the first link', async () => {
    const i = await newIntegration();
    const link = {
      integrationId: i.id,
      procoreProjectId: '9007199254740000',
      corfixProjectId: 'prj_1',
      lastProcoreActive: true,
      lastProcoreUpdatedAt: '2026-11-01T00:00:00.000Z',
      lastCorfixStatus: 'active' as const,
      syncedFieldsHash: 'hash-of-the-fields-written',
      adopted: false,
    };
    expect(await saveProjectLink(t.db, link)).toEqual(link);
    expect(await saveProjectLink(t.db, { ...link, corfixProjectId: 'prj_2' })).toEqual(link);
    expect((await findProjectLinks(t.db, i.id, [link.procoreProjectId])).size).toBe(1);
  });

  test('a Corfix project is linked to one Procore project', async () => {
    const i = await newIntegration();
    const base = { integrationId: i.id, corfixProjectId: 'prj_same', lastProcoreActive: true, lastProcoreUpdatedAt: null, lastCorfixStatus: 'active' as const };
    await saveProjectLink(t.db, { ...base, procoreProjectId: '1' });
    await rejectsAsDuplicate(saveProjectLink(t.db, { ...base, procoreProjectId: '2' }), 'project_links_integration_id_corfix_project_id_unique');
  });

  test('a Procore user links to one worker and a worker to one user', async () => {
    const i = await newIntegration();
    const link = {
      integrationId: i.id,
      procoreUserId: '4294967297',
      corfixWorkerId: 'wrk_1',
      lastProcoreIsActive: true,
      lastProcoreIsEmployee: false,
      lastProcoreUpdatedAt: null,
      lastCorfixStatus: 'pending_account_activation',
      syncedFieldsHash: null,
      adopted: true,
    };
    expect(await saveWorkerLink(t.db, link)).toEqual(link);
    expect(await saveWorkerLink(t.db, { ...link, corfixWorkerId: 'wrk_2' })).toEqual(link);
    expect((await findWorkerLinks(t.db, i.id, ['4294967297'])).get('4294967297')?.corfixWorkerId).toBe('wrk_1');
    await rejectsAsDuplicate(
      saveWorkerLink(t.db, { ...link, procoreUserId: '7' }),
      'worker_links_integration_id_corfix_worker_id_unique',
    );
  });

  // An adopted link tells the page that made it that its claim may still be to make (it is made again when the
  // page runs again). The generation before made its claims: the reconnect takes its records as linked, as a
  // preview lists them (test/sync/preview-connect.test.ts).
  test('a reconnect takes over the links of the generation before it as they were, adopted ones as linked', async () => {
    const before = await newIntegration();
    const project = { procoreProjectId: '31', corfixProjectId: 'prj_31', lastProcoreActive: true, lastProcoreUpdatedAt: null, lastCorfixStatus: 'active' as const, syncedFieldsHash: 'h31', adopted: true };
    const worker = { procoreUserId: '41', corfixWorkerId: 'wrk_41', lastProcoreIsActive: true, lastProcoreIsEmployee: true, lastProcoreUpdatedAt: null, lastCorfixStatus: 'active', syncedFieldsHash: 'h41', adopted: true };
    const made = { ...worker, procoreUserId: '42', corfixWorkerId: 'wrk_42', adopted: false };
    await saveProjectLink(t.db, { integrationId: before.id, ...project });
    for (const link of [worker, made]) await saveWorkerLink(t.db, { integrationId: before.id, ...link });
    await updateIntegration(t.db, before.id, { status: 'disconnected' });
    const again = await createIntegration(t.db, { corfixAccountId: before.corfixAccountId, procoreCompanyId: before.procoreCompanyId, ...toggles });

    expect(await takeOverLinksOfPreviousIntegration(t.db, again)).toEqual({ projects: 1, workers: 2 });
    expect((await findProjectLinks(t.db, again.id, ['31'])).get('31')).toEqual({ integrationId: again.id, ...project, adopted: false });
    const workers = await findWorkerLinks(t.db, again.id, ['41', '42']);
    expect(workers.get('41')).toEqual({ integrationId: again.id, ...worker, adopted: false });
    expect(workers.get('42')).toEqual({ integrationId: again.id, ...made });
  });
});

describe('sync outcomes', () => {
  test('one row per Procore entity: the latest decision replaces the earlier one', async () => {
    const i = await newIntegration();
    await recordOutcomes(t.db, i.id, [
      { entity: 'user', procoreId: '10', outcome: 'created', reason: 'created', field: null, corfixId: 'wrk_10' },
      { entity: 'user', procoreId: '11', outcome: 'skipped', reason: 'email_exists', field: null, corfixId: null },
      { entity: 'project', procoreId: '10', outcome: 'skipped', reason: 'template', field: null, corfixId: null },
    ]);
    await recordOutcomes(t.db, i.id, [
      { entity: 'user', procoreId: '10', outcome: 'linked', reason: 'linked', field: null, corfixId: 'wrk_10' },
    ]);
    const { outcomes, total } = await listOutcomes(t.db, i.id, { entity: 'user' }, { page: 1, perPage: 10 });
    expect(total).toBe(2);
    expect(outcomes.map((o) => [o.procoreId, o.reason])).toEqual([
      ['10', 'linked'],
      ['11', 'email_exists'],
    ]);
    expect(await countOutcomes(t.db, i.id)).toEqual([
      { entity: 'project', outcome: 'skipped', reason: 'template', count: 1 },
      { entity: 'user', outcome: 'linked', reason: 'linked', count: 1 },
      { entity: 'user', outcome: 'skipped', reason: 'email_exists', count: 1 },
    ]);
    await rejectsAsDuplicate(
      t.db('sync_outcomes').insert({ integration_id: i.id, entity: 'user', procore_id: '10', outcome: 'created', reason: 'created' }),
      'sync_outcomes_integration_id_entity_procore_id_unique',
    );
  });
});

describe('form links and folders', () => {
  test('one link per form, an intent then the upload, one file per link', async () => {
    const i = await newIntegration();
    const intent = {
      integrationId: i.id,
      corfixFormId: 'frm_1',
      procoreProjectId: '77',
      revision: 1,
      uploadUuid: 'u-1',
      fileName: 'Daily 2026-11-27.pdf',
      folderId: '900',
      size: 1234,
    };
    const uploaded = {
      integrationId: i.id,
      corfixFormId: 'frm_1',
      procoreProjectId: '77',
      procoreFolderId: '900',
      procoreFileId: '555',
      procoreFileName: 'Daily 2026-11-27.pdf',
      procoreVersionCount: 1,
      revision: 2,
      reason: 'uploaded' as const,
    };
    await recordUploadIntent(t.db, intent);
    await recordUploadIntent(t.db, { ...intent, revision: 2, uploadUuid: 'u-2' });
    expect(await findFormLink(t.db, i.id, 'frm_1')).toMatchObject({
      intent: { revision: 2, uploadUuid: 'u-2', folderId: '900', size: 1234 },
      procoreFileId: null,
    });
    await recordUploaded(t.db, uploaded);
    expect(await findFormLink(t.db, i.id, 'frm_1')).toMatchObject({ procoreFileId: '555', uploadedRevision: 2, intent: null, state: 'uploaded' });

    await recordUploadIntent(t.db, { ...intent, corfixFormId: 'frm_2' });
    await rejectsAsDuplicate(
      recordUploaded(t.db, { ...uploaded, corfixFormId: 'frm_2', revision: 1 }),
      'form_links_integration_id_procore_file_id_unique',
    );
    await rejectsAsDuplicate(
      t.db('form_links').insert({ integration_id: i.id, corfix_form_id: 'frm_1', procore_project_id: '77' }),
      'form_links_integration_id_corfix_form_id_unique',
    );
  });

  test('one folder per project and key; the first remembered wins', async () => {
    const i = await newIntegration();
    const key = { integrationId: i.id, procoreProjectId: '77', folderKey: '2026-11' };
    expect(await findProcoreFolder(t.db, key)).toBeUndefined();
    expect(await rememberProcoreFolder(t.db, { ...key, procoreFolderId: '1001' })).toBe('1001');
    expect(await rememberProcoreFolder(t.db, { ...key, procoreFolderId: '1002' })).toBe('1001');
    await rejectsAsDuplicate(
      t.db('procore_folders').insert({ integration_id: i.id, procore_project_id: '77', folder_key: '2026-11', procore_folder_id: '3' }),
      'procore_folders_project_key_unique',
    );
  });
});

describe('webhook inbox and audit', () => {
  test('an event id is recorded once per source', async () => {
    const event = { source: 'corfix' as const, eventId: `evt_${seq++}`, integrationId: null, eventType: 'form.completed', payload: { form_id: 'frm_1' } };
    expect(await recordWebhookEvent(t.db, event)).toBe(true);
    expect(await recordWebhookEvent(t.db, event)).toBe(false);
    expect(await recordWebhookEvent(t.db, { ...event, source: 'procore' })).toBe(true);
    await markWebhookEventProcessed(t.db, 'corfix', event.eventId);
    const row = await t.db('webhook_events').where({ source: 'corfix', event_id: event.eventId }).first();
    expect(row.processed_at).toBeInstanceOf(Date);
  });

  test('operator actions are kept in order', async () => {
    const i = await newIntegration();
    await appendAudit(t.db, { integrationId: i.id, actor: 'api', action: 'connect', details: { generation: 1 } });
    await appendAudit(t.db, { integrationId: i.id, actor: 'api', action: 'pause' });
    expect((await listAudit(t.db, i.id)).map((a) => a.action)).toEqual(['connect', 'pause']);
  });
});
