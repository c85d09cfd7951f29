// Issue 10, "Done when": Procore answering 503 to everything for 30 minutes,
// then recovering: every form arrives, none twice. The service's own
// activities (serviceActivities over a Postgres pool of the service's
// default size, both simulators) run under FormUploadWithRetry on
// Temporal's time-skipping server, so the 30 minutes of outage and the
// backoff through them are workflow time. The integration is connected
// first the normal way (the service's worker on the run's Temporal server),
// then that worker stops. Each form comes in as a Corfix webhook does past
// its signature check (receiveCorfixEvent: the inbox, then signalWithStart).
import { randomUUID } from 'node:crypto';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { receiveCorfixEvent } from '../../src/api/corfix-webhook-events.js';
import { openDatabase } from '../../src/db/database.js';
import { findFormLink } from '../../src/db/repositories/form-links.js';
import { createLogger } from '../../src/logger.js';
import type { FormEvent } from '../../src/simulators/corfix/state.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { serviceActivities, serviceWorkerOptions } from '../../src/worker.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { ended } from '../workflows/continuous-support.js';
import { bundledWorkflows, env, historiesOfRuns, startTimeSkipping } from '../workflows/support.js';

const ACCOUNT = 'acc_outage';
const OUTAGE_MS = 30 * 60_000;
/** DATABASE_POOL_MAX's default: the worker runs as many activities at once as it allows (5) */
const POOL_MAX = 20;

let h: SyncHarness;
beforeAll(async () => {
  [h] = await Promise.all([
    startSyncHarness({
      name: 'procore-outage',
      corfixAccounts: [ACCOUNT],
      // Budgets no burst here reaches: the only refusals are the outage's 503s.
      procore: { rateLimits: { hourly: { limit: 100_000, window_seconds: 3600 }, spike: { limit: 10_000, window_seconds: 10 } } },
    }),
    startTimeSkipping(),
  ]);
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await env?.teardown();
});

const { EventType } = proto.temporal.api.enums.v1;

/** How the form's uploadForm attempts ended, from its workflow's histories: each failure's sentence, and how many completed. */
async function uploadAttempts(workflowId: string): Promise<{ failures: string[]; completed: number }> {
  const events = (await historiesOfRuns(workflowId)).flatMap((history) => history.events ?? []);
  const uploads = new Set(
    events
      .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'uploadForm')
      .map((e) => String(e.eventId)),
  );
  const failures = events
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED && uploads.has(String(e.activityTaskFailedEventAttributes?.scheduledEventId)))
    .map((e) => e.activityTaskFailedEventAttributes?.failure?.cause?.message ?? e.activityTaskFailedEventAttributes?.failure?.message ?? '');
  const completed = events.filter(
    (e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && uploads.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId)),
  ).length;
  return { failures, completed };
}

test('Procore answering 503 to everything for 30 minutes, then recovering: all 30 forms arrive, none twice', async () => {
  const company = h.procore.state.addCompany({ name: 'Outage Co' });
  const projects = h.procore.state.addProjects(
    company.id,
    ['North', 'South', 'East'].map((name, i) => ({ name: `Site ${name}`, project_number: `O-${i + 1}`, active: true, template: false })),
  );
  await h.startWorker();
  const connected = await h.connect({ corfix_account_id: ACCOUNT, procore_company_id: String(company.id), sync_forms: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  await h.stopWorker();
  const [north, south, east] = projects.map((p) => [...h.corfix.state.projects.values()].find((c) => c.name === p.name)!);

  const completedForm = (projectId: string, name: string) => {
    const form = h.corfix.state.createForm(ACCOUNT, { project_id: projectId, template_name: name, form_date: '2026-11-27', status: 'completed' });
    const event = h.corfix.state.events.find((e) => e.form_id === form.id && e.event_type === 'form.completed');
    if (!event) throw new Error(`no form.completed for ${form.id}`);
    return { form, event };
  };
  // Yesterday's form in Site North: its month folder is there (and cached) when the outage begins.
  const yesterday = completedForm(north!.id, 'Site Diary');
  // Today's 30: most in Site North, and the month's first forms of Site South and Site East, whose folders are made after the outage.
  const today = [
    ...Array.from({ length: 26 }, (_, i) => completedForm(north!.id, `Toolbox Talk ${String(i + 1).padStart(2, '0')}`)),
    ...Array.from({ length: 2 }, (_, i) => completedForm(south!.id, `Permit ${i + 1}`)),
    ...Array.from({ length: 2 }, (_, i) => completedForm(east!.id, `Inspection ${i + 1}`)),
  ];

  // The service's activities, as its worker registers them and with its tuning, on the time-skipping server.
  const db = openDatabase(h.t.url, { poolMax: POOL_MAX });
  const logger = createLogger('silent', 'test');
  const taskQueue = `procore-outage-${randomUUID()}`;
  let worker: Worker | undefined;
  const dependencies = {
    db,
    clients: h.clients,
    logger,
    temporal: { client: env.client, taskQueue },
    reconcileIntervalMs: 60_000,
    continuousSync: { pollIntervalMs: 5 * 60_000, reconcileIntervalMs: 24 * 60 * 60_000 },
    workerStopping: () => worker !== undefined && !['INITIALIZED', 'RUNNING'].includes(worker.getState()),
  };
  const { workflowsPath: _fromSource, ...options } = serviceWorkerOptions({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    dependencies,
    databasePoolMax: POOL_MAX,
    bundleFromSource: true,
  });
  expect(Object.keys(options.activities ?? {}).sort()).toEqual(Object.keys(serviceActivities(dependencies)).sort());
  worker = await Worker.create({ ...options, workflowBundle: bundledWorkflows() });
  const workflowId = (event: FormEvent) => formUploadWorkflowId(integrationId, event.form_id);
  const webhook = (event: FormEvent) => receiveCorfixEvent({ db, temporal: env.client, taskQueue, logger }, event);

  const during = await worker
    .runUntil(async () => {
      expect(await webhook(yesterday.event)).toEqual({ received: true, duplicate: false, queued: false });
      await ended({ workflowId: workflowId(yesterday.event) });

      h.procore.faults.resetCounts();
      h.procore.faults.setFaults([{ route: '*', errors: [{ status: 503, rate: 1 }] }]);
      for (const { event } of today) expect(await webhook(event)).toEqual({ received: true, duplicate: false, queued: false });
      const outageStart = await env.currentTimeMs();
      await env.sleep(OUTAGE_MS);
      const outageEnd = await env.currentTimeMs();
      const counts = h.procore.faults.requestCounts();
      h.procore.faults.clearFaults();
      h.procore.faults.resetCounts();
      for (const { event } of today) await ended({ workflowId: workflowId(event) });
      return { counts, outageMs: outageEnd - outageStart, attempts: await Promise.all(today.map(({ event }) => uploadAttempts(workflowId(event)))) };
    })
    .finally(() => db.destroy());
  const after = h.procore.faults.requestCounts();

  // The outage lasted 30 minutes of workflow time, and Procore answered 503 to every call made in it.
  expect(during.outageMs).toBeGreaterThanOrEqual(OUTAGE_MS);
  for (const [route, count] of Object.entries(during.counts)) {
    expect({ route, statuses: Object.keys(count.by_status) }).toEqual({ route, statuses: ['503'] });
  }
  // Site North's forms failed at their upload's first call, the other sites' at the folder lookup (retried by the client).
  expect(during.counts['POST /rest/v1.1/projects/:project_id/uploads']?.total).toBeGreaterThan(0);
  expect(during.counts['GET /rest/v1.0/folders']?.total).toBeGreaterThan(0);
  // Every form was tried again and again through it (1, 2, 4 ... 1,024 s: 11 tries in 30 minutes), each failure a 503,
  // and Procore saw each of those tries.
  for (const attempts of during.attempts) {
    expect(attempts.failures.length).toBeGreaterThanOrEqual(10);
    for (const failure of attempts.failures) expect(failure).toMatch(/^Procore (GET|POST) \S+ failed \(status 503\); it will be tried again later$/);
    expect(attempts.completed).toBe(1);
  }
  const failedTries = during.attempts.reduce((sum, a) => sum + a.failures.length, 0);
  const refused = Object.values(during.counts).reduce((sum, c) => sum + (c.by_status['503'] ?? 0), 0);
  expect(refused).toBeGreaterThanOrEqual(failedTries);

  // After it: every form in Procore once, under its own name, one version each; nothing made twice.
  const files = [...h.procore.state.files.values()].filter((f) => !f.is_deleted);
  const expected = [yesterday, ...today].map(({ form }) => `${form.template_name} 2026-11-27.pdf`).sort();
  expect(files.map((f) => f.name).sort()).toEqual(expected);
  for (const file of files) expect(file.versions).toHaveLength(1);
  expect(after['POST /rest/v1.0/files']).toEqual({ total: today.length, by_status: { '201': today.length }, dropped: 0, stalled: 0 });
  // each staged once, too (a 503 answered just before the fault was lifted may be counted here)
  expect(after['POST /rest/v1.1/projects/:project_id/uploads']?.by_status['201']).toBe(today.length);
  // the two new month folders (and their Corfix Forms folders) once each
  expect(after['POST /rest/v1.0/folders']?.total).toBe(4);
  // and Postgres holds each form's own file
  const links = await Promise.all([yesterday, ...today].map(({ form }) => findFormLink(h.t.db, integrationId, form.id)));
  for (const [i, link] of links.entries()) {
    const form = [yesterday, ...today][i]!.form;
    const file = files.find((f) => f.name === `${form.template_name} 2026-11-27.pdf`);
    expect(link).toMatchObject({ state: 'uploaded', uploadedRevision: 1, procoreFileId: String(file?.id), intent: null, lastError: null });
  }
}, 240_000);
