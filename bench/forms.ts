// `npm run bench:forms` (and the third part of `npm run bench`): completed
// Corfix forms filed in Procore, on the local stack (bench/stack.ts): the
// built worker (`--workers N`: N of them) and the built API as their own
// processes, the simulators in a third, the Corfix simulator delivering its
// signed form webhooks to the API's /webhooks/corfix. Not part of CI; it
// measures and prints, it asserts nothing.
//
// A company of BENCH_PROJECTS projects, connected through the API with
// sync_forms true; the worker polls Procore every hour, so the continuous
// loops stay out of the way once their first cycle is done.
// 1. BENCH_FORMS forms completed in the Corfix simulator, all at once (one
//    admin call; or BENCH_FORM_RATE per second), across the projects and two
//    months. Each is timed from the moment the bench completes it to the
//    moment the Procore simulator holds its file (the first version's
//    created_at, stamped by the simulator as it stores it); throughput from
//    the first completion to the last file. Each latency is split in steps:
//    to the webhook's inbox row (Corfix delivery, the API), to the form
//    workflow's start (the API's signalWithStart, or the reconciler's
//    hand-over when Temporal took longer than the API waits), to the upload
//    activity's start (a free activity slot in a worker), to the file.
// 2. Edits: BENCH_EDITS of those forms edited (a new revision, form.updated)
//    one after another, each once the previous one's new version is in
//    Procore and recorded, so each is timed alone.
// Procore and Corfix requests per form come from the simulators' counts by
// route (reset before each pass); CPU time per form from /proc, so that a
// busy machine shows as time, not as cost.
import { availableParallelism, loadavg } from 'node:os';
import type { WebhookDelivery } from '../src/simulators/corfix/webhooks.js';
import { DEFAULT_DATABASE_POOL_MAX } from '../src/config.js';
import { activityConcurrencyFor } from '../src/temporal/worker-tuning.js';
import { formUploadWorkflowId } from '../src/temporal/workflow-ids.js';
import {
  completeForms,
  fileKey,
  formRunsQuery,
  MONTHS,
  planForms,
  waitForFiles,
  waitForQuiet,
  waitForUploaded,
  withFormsCompany,
  type AdminFile,
} from './forms-support.js';
import { benchArgs, cpuMsOf, LATENCY_MS, msOf, peakRssLine, percentile, seconds, summary, temporalServerPid, waitFor } from './stack.js';

const FORMS = Number(process.env['BENCH_FORMS'] ?? 200);
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 10);
const EDITS = Number(process.env['BENCH_EDITS'] ?? 20);
/** forms completed per second in pass 1; 0: all at once (a burst) */
const FORM_RATE = Number(process.env['BENCH_FORM_RATE'] ?? 0);
/** the worker's DATABASE_POOL_MAX (its activity slots follow from it); unset: the service's default */
const POOL_MAX = process.env['BENCH_DATABASE_POOL_MAX'];
const ACCOUNT = 'acc_forms';
const BURST_TIMEOUT_MS = 10 * 60_000;
const EDIT_TIMEOUT_MS = 60_000;

const ROUTE_LABEL: Record<string, string> = {
  'POST /rest/v1.1/projects/:project_id/uploads': 'create upload',
  'POST /storage/procore-uploads': 'storage POST',
  'POST /rest/v1.0/files': 'create file',
  'PATCH /rest/v1.0/files/:file_id': 'new version',
  'GET /rest/v1.0/files/:file_id': 'read file',
  'GET /rest/v1.0/folders': 'root folder',
  'GET /rest/v1.0/folders/:folder_id': 'read folder',
  'POST /rest/v1.0/folders': 'create folder',
  'POST /oauth/token': 'token',
  'GET /v1/accounts/:account_id/forms/:form_id': 'form',
  'GET /v1/accounts/:account_id/forms/:form_id/pdf': 'PDF',
};

const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);


/** Requests per unit by route, "label a.aa" (routes sorted by count), and the total per unit. */
function perUnit(counts: Record<string, { total: number }>, units: number): { lines: string[]; total: number } {
  const entries = Object.entries(counts)
    .filter(([, c]) => c.total > 0)
    .sort((a, b) => b[1].total - a[1].total);
  const total = entries.reduce((n, [, c]) => n + c.total, 0);
  return {
    lines: entries.map(([route, c]) => `${(c.total / Math.max(1, units)).toFixed(2)}  ${ROUTE_LABEL[route] ?? route} (${route}: ${c.total})`),
    total: total / Math.max(1, units),
  };
}

async function main(): Promise<void> {
  const { workers: workerCount } = benchArgs();
  const activitySlots = activityConcurrencyFor(POOL_MAX === undefined ? DEFAULT_DATABASE_POOL_MAX : Number(POOL_MAX));
  console.log(
    `forms bench: ${FORMS} forms in a burst over ${PROJECTS} projects and ${MONTHS.length} months, then ${EDITS} edits one by one; ` +
      `${LATENCY_MS} ms latency per API call (both simulators, BENCH_LATENCY_MS); ${workerCount} worker process${workerCount === 1 ? '' : 'es'} (--workers) ` +
      `and the API as their own processes, the simulators in a third; ` +
      `activity slots per worker ${activitySlots} (DATABASE_POOL_MAX ${POOL_MAX ?? `${DEFAULT_DATABASE_POOL_MAX}, the default`})`,
  );
  await withFormsCompany(
    { postgres: { dir: 'bench-forms', port: 54341 }, corfixAccounts: [{ id: ACCOUNT, name: 'Forms' }] },
    { account: ACCOUNT, projects: PROJECTS, workers: workerCount, ...(POOL_MAX !== undefined ? { workerEnv: { DATABASE_POOL_MAX: POOL_MAX } } : {}) },
    async ({ stack, client, setup }) => {
      const { temporal, db, procore, corfix } = stack;
      const { companyId, integrationId } = setup;

      // --- 1. the forms ----------------------------------------------------------------
      const plan = planForms(FORMS, setup.projects);
      const loadBefore = loadavg()[0] as number;
      // CPU time each process spends on pass 1: what the pipeline costs, whatever else the machine runs.
      const temporalPid = await temporalServerPid(temporal.address);
      const workerCpu = async () => (await Promise.all(setup.workers.map((w) => cpuMsOf(w.pid as number)))).reduce((a, b) => a + b, 0);
      const cpu = async () => ({
        api: await cpuMsOf(setup.api.pid as number),
        worker: await workerCpu(),
        temporal: await cpuMsOf(temporalPid ?? -1),
        simulators: await cpuMsOf(stack.simulatorsPid),
      });
      const cpuBefore = await cpu();
      await Promise.all([procore.resetCounts(), corfix.resetCounts()]);
      const forms = await completeForms(corfix, ACCOUNT, plan, FORM_RATE);
      const byFile = new Map(forms.map((f) => [fileKey(f.procoreProjectId, f.fileName), f]));
      await waitForFiles(procore, companyId, forms, BURST_TIMEOUT_MS);
      // Every upload recorded: pass 1's CPU time is measured up to here.
      await waitForUploaded(db, integrationId, FORMS);
      const cpuAfter = await cpu();
      const firstCompleted = Math.min(...forms.map((f) => f.completedAt));
      const lastFiled = Math.max(...forms.map((f) => f.filedAt as number));
      await waitForQuiet(db, client, integrationId);
      const [burstProcore, burstCorfix, files] = await Promise.all([
        procore.requestCounts(),
        corfix.requestCounts(),
        procore.get<AdminFile[]>(`/companies/${companyId}/files`),
      ]);
      const burstLatencies = forms.map((f) => (f.filedAt as number) - f.completedAt);
      const strayNames = files.filter((f) => !byFile.has(fileKey(f.project_id, f.name))).map((f) => f.name);

      // Where the time went: the webhook's inbox row (the API), the form workflows' histories (Temporal, the workers).
      const inbox = await db('webhook_events')
        .where({ source: 'corfix', integration_id: integrationId })
        .select<{ payload: { form_id: string }; received_at: Date; processed_at: Date | null }[]>('payload', 'received_at', 'processed_at');
      const inboxOf = new Map(inbox.map((e) => [e.payload.form_id, e] as const));
      // The API waits 500 ms for Temporal, then answers and leaves the event to the reconciler (src/api/bounded-calls.ts).
      const leftToReconciler = inbox.filter((e) => e.processed_at === null || e.processed_at.getTime() - e.received_at.getTime() > 5_000).length;
      const stages = { toInbox: [] as number[], toWorkflow: [] as number[], toActivity: [] as number[], toFile: [] as number[] };
      // A form's first run files it; a later one (a hand-over repeated by the reconciler, a redelivery after the run closed) finds it there.
      const runsOf = new Map<string, Array<{ runId: string; startTime: Date }>>();
      for await (const run of client.workflow.list({ query: formRunsQuery(integrationId) })) {
        runsOf.set(run.workflowId, [...(runsOf.get(run.workflowId) ?? []), { runId: run.runId, startTime: run.startTime }]);
      }
      const runCount = [...runsOf.values()].reduce((n, runs) => n + runs.length, 0);
      let historyEvents = 0;
      for (const form of forms) {
        const workflowId = formUploadWorkflowId(integrationId, form.id);
        const [first] = [...(runsOf.get(workflowId) ?? [])].sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
        if (!first) continue;
        const history = await client.workflow.getHandle(workflowId, first.runId).fetchHistory();
        const events = history.events ?? [];
        historyEvents += events.length;
        const started = msOf(events[0]?.eventTime);
        const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'uploadForm');
        const activityStarted = events.find(
          (e) => e.activityTaskStartedEventAttributes && Number(e.activityTaskStartedEventAttributes.scheduledEventId) === Number(scheduled?.eventId),
        );
        const received = inboxOf.get(form.id)?.received_at.getTime();
        if (!scheduled || !activityStarted || received === undefined) continue;
        stages.toInbox.push(received - form.completedAt);
        stages.toWorkflow.push(started - received);
        stages.toActivity.push(msOf(activityStarted.eventTime) - started);
        stages.toFile.push((form.filedAt as number) - msOf(activityStarted.eventTime));
      }
      const stage = (values: number[]) => (values.length === 0 ? 'n/a' : `${median(values).toFixed(0)} / ${Math.max(...values).toFixed(0)} ms`);
      const burstDeliveries = (await corfix.get<{ deliveries: WebhookDelivery[] }>('/webhooks')).deliveries;

      // --- 2. edits, one at a time ------------------------------------------------------
      const step = Math.max(1, Math.floor(FORMS / Math.max(1, EDITS)));
      const edited = Array.from({ length: Math.min(EDITS, FORMS) }, (_, i) => forms[i * step]).filter((f) => f !== undefined);
      const fileOf = new Map(files.map((f) => [fileKey(f.project_id, f.name), f] as const));
      await Promise.all([procore.resetCounts(), corfix.resetCounts()]);
      const editLatencies: number[] = [];
      const missed: string[] = [];
      const editsFrom = Date.now();
      for (const form of edited) {
        const file = fileOf.get(fileKey(form.procoreProjectId, form.fileName)) as AdminFile;
        const versionsBefore = file.versions.length;
        const editedAt = Date.now();
        const { revision } = await corfix.post<{ revision: number }>(`/accounts/${ACCOUNT}/forms/${form.id}/edit`);
        const landed = await waitFor(
          `the new version of form ${form.id}`,
          async () => {
            const version = (await procore.get<AdminFile>(`/files/${file.id}`)).versions[versionsBefore];
            return version ? Date.parse(version.created_at) : undefined;
          },
          5,
          EDIT_TIMEOUT_MS,
        ).catch(() => undefined);
        if (landed === undefined) missed.push(form.id);
        else editLatencies.push(landed - editedAt);
        // The next edit once this one is recorded (its activity done).
        await waitFor(
          'the edit recorded',
          async () => {
            const link = await db('form_links').where({ integration_id: integrationId, corfix_form_id: form.id }).first<{ uploaded_revision: number | null }>();
            return (link?.uploaded_revision ?? 0) >= revision ? true : undefined;
          },
          10,
          EDIT_TIMEOUT_MS,
        ).catch(() => undefined);
      }
      const editsMs = Date.now() - editsFrom;
      const [editProcore, editCorfix, finalStatus, peakRss] = await Promise.all([
        procore.requestCounts(),
        corfix.requestCounts(),
        setup.status(),
        peakRssLine(setup.workers),
      ]);

      const burstMs = lastFiled - firstCompleted;
      const procoreBurst = perUnit(burstProcore, FORMS);
      const corfixBurst = perUnit(burstCorfix, FORMS);
      const procoreEdits = perUnit(editProcore, edited.length);
      const corfixEdits = perUnit(editCorfix, edited.length);
      const attemptOutcomes = new Map<string, number>();
      for (const attempt of burstDeliveries.flatMap((d) => d.attempts)) {
        const outcome = attempt.status !== null ? String(attempt.status) : /timeout/i.test(attempt.error ?? '') ? 'timed out (5 s)' : 'failed';
        attemptOutcomes.set(outcome, (attemptOutcomes.get(outcome) ?? 0) + 1);
      }
      console.log(
        [
          `connect through the API (initial sync of ${PROJECTS} projects) took ${seconds(setup.connectMs)}`,
          ``,
          `1. ${FORM_RATE > 0 ? `${FORMS} forms completed at ${FORM_RATE} per second` : `burst: ${FORMS} forms completed at once`} in the Corfix simulator (${new Set(plan.map((p) => p.formDate.slice(0, 7))).size} months, ${PROJECTS} projects)`,
          `   throughput, first form completed -> last file in Procore:  ${seconds(burstMs)}, ${(FORMS / (burstMs / 1000)).toFixed(1)} forms/s`,
          `   form completed -> file in the Procore simulator:           ${summary(burstLatencies)}`,
          `     in steps, p50 / max: -> webhook in the API's inbox ${stage(stages.toInbox)}; -> workflow started ${stage(stages.toWorkflow)}; ` +
            `-> upload activity started ${stage(stages.toActivity)}; -> file ${stage(stages.toFile)}`,
          `   webhook deliveries: ${burstDeliveries.length} (${burstDeliveries.filter((d) => d.state === 'delivered').length} delivered; attempts ${[...attemptOutcomes].map(([o, n]) => `${o}: ${n}`).join(', ')}); ` +
            `left to the reconciler (Temporal slower than 500 ms for the API): ${leftToReconciler}`,
          `   CPU time in pass 1 per form: ${(['api', 'worker', 'temporal', 'simulators'] as const)
            .map((k) => `${k === 'temporal' ? 'Temporal server' : k === 'worker' && workerCount > 1 ? `workers (${workerCount})` : k} ${((cpuAfter[k] - cpuBefore[k]) / FORMS).toFixed(1)} ms`)
            .join(', ')}${temporalPid === undefined ? ' (Temporal server not found)' : ''}`,
          `   form workflow runs: ${runCount} (${runCount - runsOf.size} more than one per form: repeated hand-overs that found the file there); ` +
            `history events per first run: ${(historyEvents / FORMS).toFixed(1)}; files not matching a form: ${strayNames.length === 0 ? 'none' : strayNames.join(', ')}`,
          `   Procore requests per form: ${procoreBurst.total.toFixed(2)}`,
          ...procoreBurst.lines.map((l) => `     ${l}`),
          `   Corfix requests per form: ${corfixBurst.total.toFixed(2)}`,
          ...corfixBurst.lines.map((l) => `     ${l}`),
          ``,
          `2. edits: ${edited.length} forms edited one after another (each once the previous one was recorded), ${seconds(editsMs)} in all`,
          `   edit in the Corfix simulator -> new version in the Procore simulator: ${summary(editLatencies)}`,
          ...(missed.length > 0 ? [`   no new version within ${seconds(EDIT_TIMEOUT_MS)}: ${missed.join(', ')}`] : []),
          `   Procore requests per edit: ${procoreEdits.total.toFixed(2)}`,
          ...procoreEdits.lines.map((l) => `     ${l}`),
          `   Corfix requests per edit: ${corfixEdits.total.toFixed(2)}`,
          ...corfixEdits.lines.map((l) => `     ${l}`),
          ``,
          `status API forms: ${JSON.stringify(finalStatus['forms'])}`,
          `load average (1 min, ${availableParallelism()} cores): ${loadBefore.toFixed(1)} before pass 1, ${(loadavg()[0] as number).toFixed(1)} at the end`,
          `worker peak RSS: ${peakRss}`,
        ].join('\n'),
      );
    },
  );
}

await main();
