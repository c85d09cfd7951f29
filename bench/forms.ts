// `npm run bench:forms` (and the third part of `npm run bench`): completed
// Corfix forms filed in Procore, on the local stack (bench/stack.ts): the
// built worker and the built API as their own processes, the Corfix
// simulator delivering its signed form webhooks to the API's /webhooks/corfix.
// Not part of CI; it measures and prints, it asserts nothing.
//
// A company of BENCH_PROJECTS projects, connected through the API with
// sync_forms true; the worker polls Procore every hour, so the continuous
// loops stay out of the way once their first cycle is done.
// 1. BENCH_FORMS forms completed in the Corfix simulator, all at once (or
//    BENCH_FORM_RATE per second), across the projects and two months. Each
//    is timed from the moment the bench completes it to the moment the
//    Procore simulator holds its file (the first version's created_at,
//    stamped by the simulator as it stores it); throughput from the first
//    completion to the last file. Each latency is split in steps: to the
//    webhook's inbox row (Corfix delivery, the API), to the form workflow's
//    start (the API's signalWithStart, or the reconciler's hand-over when
//    Temporal took longer than the API waits), to the upload activity's
//    start (a free activity slot in the worker), to the file.
// 2. Edits: BENCH_EDITS of those forms edited (a new revision, form.updated)
//    one after another, each once the previous one's new version is in
//    Procore and recorded, so each is timed alone.
// Procore and Corfix requests per form come from the simulators' counts by
// route (reset before each pass); CPU time per form from /proc, so that a
// busy machine shows as time, not as cost.
import { availableParallelism, loadavg } from 'node:os';
import { Connection, Client } from '@temporalio/client';
import { continuousSyncStatus } from '../src/client.js';
import { formFileName } from '../src/domain/form-filing.js';
import type { SimFile } from '../src/simulators/procore/state.js';
import { activityConcurrencyFor } from '../src/temporal/worker-tuning.js';
import { formUploadWorkflowId } from '../src/temporal/workflow-ids.js';
import type { ContinuousEntity } from '../src/workflows/continuous-messages.js';
import { cpuMsOf, freePort, LATENCY_MS, sleep, spawnService, startBenchStack, stopProcess, temporalServerPid } from './stack.js';

const FORMS = Number(process.env['BENCH_FORMS'] ?? 200);
const PROJECTS = Number(process.env['BENCH_PROJECTS'] ?? 10);
const EDITS = Number(process.env['BENCH_EDITS'] ?? 20);
/** forms completed per second in pass 1; 0: all at once (a burst) */
const FORM_RATE = Number(process.env['BENCH_FORM_RATE'] ?? 0);
/** the worker's DATABASE_POOL_MAX (its activity slots follow from it); unset: the service's default */
const POOL_MAX = process.env['BENCH_DATABASE_POOL_MAX'];
const ACCOUNT = 'acc_forms';
const API_TOKEN = 'bench-api-token-0123456789';
const BURST_TIMEOUT_MS = 10 * 60_000;
const EDIT_TIMEOUT_MS = 60_000;
const MONTHS = ['2026-10', '2026-11'];
const TEMPLATES = ['Daily Hazard', 'Toolbox Talk', 'Site Induction', 'Plant Check'];
const ENTITIES: ContinuousEntity[] = ['projects', 'users'];

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

interface BenchForm {
  id: string;
  procoreProjectId: number;
  fileName: string;
  /** Date.now() just before the bench completed it */
  completedAt: number;
  /** when the Procore simulator stored its file (first version) */
  filedAt?: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** nearest rank */
const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? 'n/a'
    : `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, p95 ${percentile(sorted, 0.95).toFixed(0)} ms, max ${(sorted.at(-1) as number).toFixed(0)} ms`;
};
const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 0.5);

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, everyMs: number, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what} after ${seconds(timeoutMs)}`);
    await sleep(everyMs);
  }
}

/** A Temporal timestamp ({ seconds: Long, nanos }) as epoch ms. */
function msOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  const s = ts?.seconds;
  const secs = typeof s === 'number' ? s : s && typeof s === 'object' && 'toNumber' in s ? (s as { toNumber(): number }).toNumber() : NaN;
  return secs * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);
}

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
  const activitySlots = activityConcurrencyFor(POOL_MAX === undefined ? 10 : Number(POOL_MAX));
  console.log(
    `forms bench: ${FORMS} forms in a burst over ${PROJECTS} projects and ${MONTHS.length} months, then ${EDITS} edits one by one; ` +
      `${LATENCY_MS} ms latency per API call (both simulators, BENCH_LATENCY_MS); worker and API as their own processes; ` +
      `worker activity slots ${activitySlots} (DATABASE_POOL_MAX ${POOL_MAX ?? '10, the default'})`,
  );
  const stack = await startBenchStack({
    postgres: { dir: 'bench-forms', port: 54341 },
    corfixAccounts: [{ id: ACCOUNT, name: 'Forms' }],
  });
  const { temporal, db, procore, corfix } = stack;
  const company = procore.state.addCompany({ name: 'Forms Co' });
  const procoreProjects = procore.state.addProjects(
    company.id,
    Array.from({ length: PROJECTS }, (_, i) => ({ name: `Forms Site ${i}`, project_number: `F-${i}`, active: true, template: false })),
  );

  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const api = spawnService('api', {
    ...stack.env,
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    API_TOKEN,
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
  });
  // The loops poll every hour: after their first cycle they stay quiet (no Procore webhooks: no PUBLIC_URL).
  const worker = spawnService('worker', { ...stack.env, SYNC_POLL_INTERVAL: '1h', ...(POOL_MAX !== undefined ? { DATABASE_POOL_MAX: POOL_MAX } : {}) });
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const client = new Client({ connection });
    const auth = { authorization: `Bearer ${API_TOKEN}` };
    const status = async (): Promise<Record<string, unknown>> => {
      const response = await fetch(`${apiUrl}/v1/integrations/${ACCOUNT}`, { headers: auth });
      return (await response.json()) as Record<string, unknown>;
    };
    await waitFor('the API', () => fetch(`${apiUrl}/health`).then(() => true, () => undefined), 100, 30_000);

    // --- connect, through the API -------------------------------------------------
    const connectStarted = Date.now();
    const connected = await fetch(`${apiUrl}/v1/integrations`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ corfix_account_id: ACCOUNT, procore_company_id: String(company.id), auto_activate_workers: true, sync_forms: true }),
    });
    const accepted = (await connected.json()) as Record<string, unknown>;
    if (connected.status !== 202) throw new Error(`the connect was refused (${connected.status}): ${JSON.stringify(accepted)}`);
    const integrationId = accepted['integration_id'] as string;
    await waitFor('the integration to be active', async () => ((await status())['status'] === 'active' ? true : undefined), 100, 120_000);
    const connectMs = Date.now() - connectStarted;
    for (const entity of ENTITIES) {
      await waitFor(
        `the ${entity} loop to be idle`,
        async () => {
          const s = await continuousSyncStatus(client, integrationId, entity).catch(() => undefined);
          return s && s.cycles >= 1 && s.phase === 'waiting' && !s.cycleRequested ? true : undefined;
        },
        50,
        60_000,
      );
    }
    const corfixProjectOf = new Map(
      [...corfix.state.projects.values()].filter((p) => p.account_id === ACCOUNT).map((p) => [p.name, p.id] as const),
    );
    const linkedProjects = procoreProjects.filter((p) => corfixProjectOf.has(p.name));
    if (linkedProjects.length !== PROJECTS) throw new Error(`only ${linkedProjects.length} of ${PROJECTS} projects reached Corfix`);
    corfix.state.webhookUrls.set(ACCOUNT, `${apiUrl}/webhooks/corfix`);

    // --- 1. the forms ----------------------------------------------------------------
    // Form i: project i mod P; over the projects' forms, months alternate and days count up, so every file name is unique in its folder.
    const plan = Array.from({ length: FORMS }, (_, i) => {
      const project = linkedProjects[i % PROJECTS] as (typeof linkedProjects)[number];
      const k = Math.floor(i / PROJECTS);
      const month = MONTHS[k % MONTHS.length] as string;
      const day = String((Math.floor(k / MONTHS.length) % 28) + 1).padStart(2, '0');
      const template = `${TEMPLATES[k % TEMPLATES.length]} ${Math.floor(k / (MONTHS.length * 28)) || ''}`.trim();
      return { project, formDate: `${month}-${day}`, template };
    });
    const fileKey = (projectId: number, name: string) => `${projectId}/${name}`;
    const loadBefore = loadavg()[0] as number;
    // CPU time each process spends on pass 1: what the pipeline costs, whatever else the machine runs.
    const temporalPid = await temporalServerPid(temporal.address);
    const cpuPids = { api: api.pid as number, worker: worker.pid as number, temporal: temporalPid ?? -1 };
    const cpu = async () => {
      // this process: both simulators (and the bench's own polling)
      const own = process.cpuUsage();
      return {
        api: await cpuMsOf(cpuPids.api),
        worker: await cpuMsOf(cpuPids.worker),
        temporal: await cpuMsOf(cpuPids.temporal),
        simulators: (own.user + own.system) / 1000,
      };
    };
    const cpuBefore = await cpu();
    procore.faults.resetCounts();
    corfix.faults.resetCounts();
    const forms: BenchForm[] = [];
    const burstFrom = Date.now();
    for (const [i, p] of plan.entries()) {
      if (FORM_RATE > 0) await sleep(burstFrom + (i * 1000) / FORM_RATE - Date.now());
      const completedAt = Date.now();
      const form = corfix.state.createForm(ACCOUNT, {
        project_id: corfixProjectOf.get(p.project.name) as string,
        template_name: p.template,
        form_date: p.formDate,
        status: 'completed',
      });
      forms.push({ id: form.id, procoreProjectId: p.project.id, fileName: formFileName(p.template, p.formDate), completedAt });
    }
    const byFile = new Map(forms.map((f) => [fileKey(f.procoreProjectId, f.fileName), f]));
    const projectIds = new Set(linkedProjects.map((p) => p.id));
    const filesOf = () => [...procore.state.files.values()].filter((f) => projectIds.has(f.project_id));
    let pending = FORMS;
    await waitFor(
      `${FORMS} files in Procore`,
      () => {
        for (const file of filesOf()) {
          const form = byFile.get(fileKey(file.project_id, file.name));
          if (form && form.filedAt === undefined && file.versions[0]) {
            form.filedAt = Date.parse(file.versions[0].created_at);
            pending -= 1;
          }
        }
        return pending === 0 ? true : undefined;
      },
      20,
      BURST_TIMEOUT_MS,
    );
    // Every upload recorded: pass 1's CPU time is measured up to here.
    await waitFor(
      'every form recorded as uploaded',
      async () => {
        const [row] = await db('form_links').where({ integration_id: integrationId, state: 'uploaded' }).count<{ count: string }[]>('* as count');
        return Number(row?.count) >= FORMS ? true : undefined;
      },
      100,
      60_000,
    );
    const cpuAfter = await cpu();
    const firstCompleted = Math.min(...forms.map((f) => f.completedAt));
    const lastFiled = Math.max(...forms.map((f) => f.filedAt as number));
    // Then quiet: every event handed over (the reconciler repeats the late ones) and every form workflow closed, so the counts are final.
    const formRuns = `WorkflowType = "FormUploadWithRetry" AND IntegrationId = "${integrationId}"`;
    await waitFor(
      'the inbox handed over and the form workflows closed',
      async () => {
        const [row] = await db('webhook_events').where({ source: 'corfix' }).whereNull('processed_at').count<{ count: string }[]>('* as count');
        if (Number(row?.count) > 0) return undefined;
        const running = await client.workflow.count(`${formRuns} AND ExecutionStatus = "Running"`);
        return running.count === 0 ? true : undefined;
      },
      500,
      180_000,
    );
    const burstProcore = structuredClone(procore.faults.requestCounts());
    const burstCorfix = structuredClone(corfix.faults.requestCounts());
    const burstLatencies = forms.map((f) => (f.filedAt as number) - f.completedAt);
    const strayNames = filesOf().filter((f) => !byFile.has(fileKey(f.project_id, f.name))).map((f) => f.name);

    // Where the time went: the webhook's inbox row (the API), the form workflows' histories (Temporal, the worker).
    const inbox = await db('webhook_events')
      .where({ source: 'corfix', integration_id: integrationId })
      .select<{ payload: { form_id: string }; received_at: Date; processed_at: Date | null }[]>('payload', 'received_at', 'processed_at');
    const inboxOf = new Map(inbox.map((e) => [e.payload.form_id, e] as const));
    // The API waits 500 ms for Temporal, then answers and leaves the event to the reconciler (src/api/bounded-calls.ts).
    const leftToReconciler = inbox.filter((e) => e.processed_at === null || e.processed_at.getTime() - e.received_at.getTime() > 5_000).length;
    const stages = { toInbox: [] as number[], toWorkflow: [] as number[], toActivity: [] as number[], toFile: [] as number[] };
    // A form's first run files it; a later one (a hand-over repeated by the reconciler, a redelivery after the run closed) finds it there.
    const runsOf = new Map<string, Array<{ runId: string; startTime: Date }>>();
    for await (const run of client.workflow.list({ query: formRuns })) {
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
    const burstDeliveries = [...corfix.webhooks.deliveries];

    // --- 2. edits, one at a time ------------------------------------------------------
    const step = Math.max(1, Math.floor(FORMS / Math.max(1, EDITS)));
    const edited = Array.from({ length: Math.min(EDITS, FORMS) }, (_, i) => forms[i * step]).filter((f) => f !== undefined);
    const fileOf = new Map(filesOf().map((f) => [fileKey(f.project_id, f.name), f] as const));
    procore.faults.resetCounts();
    corfix.faults.resetCounts();
    const editLatencies: number[] = [];
    const missed: string[] = [];
    const editsFrom = Date.now();
    for (const form of edited) {
      const file = fileOf.get(fileKey(form.procoreProjectId, form.fileName)) as SimFile;
      const versionsBefore = file.versions.length;
      const editedAt = Date.now();
      const { revision } = corfix.state.editForm(ACCOUNT, form.id, {});
      const landed = await waitFor(
        `the new version of form ${form.id}`,
        () => {
          const version = file.versions[versionsBefore];
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
    const editProcore = structuredClone(procore.faults.requestCounts());
    const editCorfix = structuredClone(corfix.faults.requestCounts());
    const finalStatus = await status();

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
        `connect through the API (initial sync of ${PROJECTS} projects) took ${seconds(connectMs)}`,
        ``,
        `1. ${FORM_RATE > 0 ? `${FORMS} forms completed at ${FORM_RATE} per second` : `burst: ${FORMS} forms completed at once`} in the Corfix simulator (${new Set(plan.map((p) => p.formDate.slice(0, 7))).size} months, ${PROJECTS} projects)`,
        `   throughput, first form completed -> last file in Procore:  ${seconds(burstMs)}, ${(FORMS / (burstMs / 1000)).toFixed(1)} forms/s`,
        `   form completed -> file in the Procore simulator:           ${summary(burstLatencies)}`,
        `     in steps, p50 / max: -> webhook in the API's inbox ${stage(stages.toInbox)}; -> workflow started ${stage(stages.toWorkflow)}; ` +
          `-> upload activity started ${stage(stages.toActivity)}; -> file ${stage(stages.toFile)}`,
        `   webhook deliveries: ${burstDeliveries.length} (${burstDeliveries.filter((d) => d.state === 'delivered').length} delivered; attempts ${[...attemptOutcomes].map(([o, n]) => `${o}: ${n}`).join(', ')}); ` +
          `left to the reconciler (Temporal slower than 500 ms for the API): ${leftToReconciler}`,
        `   CPU time in pass 1 per form: ${(['api', 'worker', 'temporal', 'simulators'] as const)
          .map((k) => `${k === 'temporal' ? 'Temporal server' : k === 'simulators' ? 'simulators and bench' : k} ${((cpuAfter[k] - cpuBefore[k]) / FORMS).toFixed(1)} ms`)
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
      ].join('\n'),
    );
  } finally {
    await Promise.all([stopProcess(worker), stopProcess(api)]);
    await connection.close();
    await stack.stop();
  }
}

await main();
