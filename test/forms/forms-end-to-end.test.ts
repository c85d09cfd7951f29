// Issue 10, the first "Done when": completed Corfix forms reach Procore's
// Documents through the whole service — the Corfix simulator's signed
// webhooks (duplicated, out of order) on the API's real port, the real
// worker, the Procore simulator's folders, files and versions — exactly once
// per form, in the right folder, under the right name, at the newest
// revision. The smaller tests below use the same harness: a form whose
// Corfix project is not linked, Sync Forms off then on, an operator's retry.
import { createServer, type Server } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/client';
import { procoreProjectExternalRef } from '../../src/domain/external-ref.js';
import { renderFormPdf } from '../../src/simulators/corfix/pdf.js';
import type { FormRecord } from '../../src/simulators/corfix/state.js';
import type { SimFile, SimFolder } from '../../src/simulators/procore/state.js';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import { API_TOKEN, startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

const ACCOUNT = 'acc_e2e';
const MISC_ACCOUNT = 'acc_misc';
const OFF_ACCOUNT = 'acc_off';
const auth = { authorization: `Bearer ${API_TOKEN}` };

/** What the API answered to one webhook delivery of the Corfix simulator. */
interface WebhookAnswer {
  eventId: string;
  formId: string;
  status: number;
  body: Record<string, unknown>;
}

let h: SyncHarness;
/** Between the Corfix simulator and the API's real port: forwards each delivery as it is and keeps the answer. */
let recorder: Server;
let recorderUrl: string;
const answers: WebhookAnswer[] = [];

beforeAll(async () => {
  h = await startSyncHarness({
    name: 'forms-e2e',
    corfixAccounts: [ACCOUNT, MISC_ACCOUNT, OFF_ACCOUNT],
    // Two Procore calls per form (and some for folders and versions): about 500 in all, which at the
    // simulator's default spike window (100 calls in 10 s) would spend some 50 s waiting for the budget (the
    // pacer's own tests cover that wait); ten times that keeps this test about filing, still paced (no 429).
    procore: { rateLimits: { spike: { limit: 1000, window_seconds: 10 } } },
  });
  // The reconciler runs as in production: an event Temporal did not take in time (a slow machine) is handed over by it.
  await h.startWorker({ pollIntervalMs: 60_000, reconcileIntervalMs: 5_000 });
  const api = await h.listenApi();
  recorder = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'corfix-timestamp', 'corfix-signature']) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      fetch(`${api}${request.url ?? ''}`, { method: 'POST', headers, body })
        .then(async (answer) => {
          const text = await answer.text();
          const event = JSON.parse(body.toString('utf8')) as { event_id: string; form_id: string };
          answers.push({
            eventId: event.event_id,
            formId: event.form_id,
            status: answer.status,
            body: JSON.parse(text) as Record<string, unknown>,
          });
          response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
        })
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const address = recorder.address();
  if (address === null || typeof address === 'string') throw new Error('the recorder has no port');
  recorderUrl = `http://127.0.0.1:${address.port}`;
}, 60_000);

afterAll(async () => {
  h?.corfix.webhooks.stop();
  await new Promise((resolve) => (recorder ? recorder.close(resolve) : resolve(undefined)));
  await h?.stop();
});

interface Connected {
  integrationId: string;
  procoreProjectIds: number[];
  /** Procore project id -> the Corfix project the initial sync made for it */
  corfixProjectOf: Map<number, string>;
}

/** A Procore company with these projects, connected to `account`; the initial sync done and the webhooks pointed at the API. */
async function connectAccount(account: string, projectNames: string[], syncForms: boolean): Promise<Connected> {
  const company = h.procore.state.addCompany({ name: `Company of ${account}` });
  const projects = h.procore.state.addProjects(
    company.id,
    projectNames.map((name, i) => ({ name, project_number: `${account}-${i + 1}`, active: true, template: false })),
  );
  const connected = await h.connect({ corfix_account_id: account, procore_company_id: String(company.id), sync_forms: syncForms });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  const corfixProjectOf = new Map<number, string>();
  for (const project of projects) {
    const ref = procoreProjectExternalRef(String(company.id), String(project.id));
    const corfix = [...h.corfix.state.projects.values()].find((p) => p.account_id === account && p.external_ref === ref);
    if (!corfix) throw new Error(`the initial sync made no Corfix project for Procore project ${project.id}`);
    corfixProjectOf.set(project.id, corfix.id);
  }
  h.corfix.state.webhookUrls.set(account, `${recorderUrl}/webhooks/corfix`);
  return { integrationId, procoreProjectIds: projects.map((p) => p.id), corfixProjectOf };
}

async function getJson(url: string): Promise<{ statusCode: number; json: Record<string, unknown> }> {
  const response = await h.api.inject({ method: 'GET', url, headers: auth });
  return { statusCode: response.statusCode, json: response.json() };
}

const liveFilesOf = (projectIds: readonly number[]): SimFile[] =>
  [...h.procore.state.files.values()].filter((f) => !f.is_deleted && projectIds.includes(f.project_id));

const liveFoldersOf = (projectId: number): SimFolder[] =>
  [...h.procore.state.folders.values()].filter((f) => f.project_id === projectId && !f.is_deleted && !f.is_recycle_bin && f.parent_id !== null);

interface FormLinkRow {
  corfix_form_id: string;
  state: string;
  procore_project_id: string | null;
  procore_file_id: string | null;
  procore_file_name: string | null;
  procore_version_count: number | null;
  uploaded_revision: number | null;
  last_error: string | null;
  next_try_at: Date | null;
}

const formLinks = async (integrationId: string): Promise<FormLinkRow[]> =>
  h.t.db('form_links').where({ integration_id: integrationId }).select<FormLinkRow[]>('*');

/** How many runs of the integration's FormUploadWithRetry workflows there are (in Temporal's visibility), all or still running. */
const formUploadRuns = (integrationId: string, only: 'running' | 'all') =>
  h.temporal.client.workflow
    .count(`WorkflowType = 'FormUploadWithRetry' AND IntegrationId = '${integrationId}'${only === 'running' ? " AND ExecutionStatus = 'Running'" : ''}`)
    .then((c) => c.count);

const pdfOf = async (form: FormRecord): Promise<Buffer> => {
  const project = h.corfix.state.projects.get(form.project_id);
  if (!project) throw new Error(`no Corfix project ${form.project_id}`);
  return Buffer.from(await renderFormPdf(form, project.name));
};

const TEMPLATES = ['Daily Hazard', 'Toolbox Talk', 'Site Induction', 'Permit to Work', 'Incident Report'];
const MONTHS = ['2026-03', '2026-04'];

test('200 forms over 10 projects and 2 months, 20 edited, webhooks duplicated and out of order: one file per form at its newest revision', async () => {
  const projectNames = Array.from({ length: 10 }, (_, p) => `E2E Site ${p + 1}`);
  const c = await connectAccount(ACCOUNT, projectNames, true);

  // Which Procore calls made files and versions, per file, for this company's projects.
  const versionCalls = new Map<number, number>();
  let fileCreates = 0;
  const stopObserving = h.procore.faults.observe(({ phase, route, status, request }) => {
    if (phase !== 'response' || status < 200 || status > 299) return;
    const projectId = Number((request.query as Record<string, string | undefined>)['project_id']);
    if (!c.procoreProjectIds.includes(projectId)) return;
    if (route === 'POST /rest/v1.0/files') fileCreates += 1;
    if (route === 'PATCH /rest/v1.0/files/:file_id') {
      const fileId = Number((request.params as Record<string, string>)['file_id']);
      versionCalls.set(fileId, (versionCalls.get(fileId) ?? 0) + 1);
    }
  });

  h.corfix.webhooks.setMode({ duplicate_rate: 0.3, reorder: true, seed: 1010 });
  const deliveriesBefore = h.corfix.webhooks.deliveries.length;

  // Form i is the k-th of project p: 10 in March, 10 in April per project, a distinct (template, day) each,
  // except the second form of the first project: the same template and day as the first (Procore renames it).
  interface Planned {
    procoreProjectId: number;
    month: string;
    template: string;
    date: string;
    /** the form as it was at each revision, oldest first */
    revisions: FormRecord[];
  }
  const planned = new Map<string, Planned>();
  const byPosition: string[][] = Array.from({ length: 10 }, () => []);
  for (let k = 0; k < 20; k += 1) {
    for (let p = 0; p < 10; p += 1) {
      const procoreProjectId = c.procoreProjectIds[p]!;
      const month = MONTHS[k < 10 ? 0 : 1]!;
      const [template, day] = p === 0 && k === 1 ? [TEMPLATES[0]!, 1] : [TEMPLATES[k % TEMPLATES.length]!, (k % 10) + 1];
      const date = `${month}-${String(day).padStart(2, '0')}`;
      const form = h.corfix.state.createForm(ACCOUNT, {
        project_id: c.corfixProjectOf.get(procoreProjectId)!,
        template_name: template,
        form_date: date,
        status: 'completed',
      });
      planned.set(form.id, { procoreProjectId, month, template, date, revisions: [form] });
      byPosition[p]!.push(form.id);
    }
  }
  expect(planned.size).toBe(200);
  const [firstOfPair, secondOfPair] = [byPosition[0]![0]!, byPosition[0]![1]!];

  const edit = (formId: string, times: number) => {
    for (let n = 0; n < times; n += 1) planned.get(formId)!.revisions.push(h.corfix.state.editForm(ACCOUNT, formId, {}));
  };
  // 20 forms edited 1 to 3 times ("a signature added"): ten while their form.completed is still held back
  // (before any upload), ten once their first revision is in Procore (new versions).
  const editedEarly = byPosition.map((forms) => forms[2]!);
  const editedLate = byPosition.map((forms) => forms[13]!);
  const timesFor = (p: number) => 1 + (p % 3);
  editedEarly.forEach((formId, p) => edit(formId, timesFor(p)));

  const releases: string[][] = [h.corfix.webhooks.release()];
  const waitingForLateEdit = new Map(editedLate.map((formId, p) => [formId, timesFor(p)]));
  while (waitingForLateEdit.size > 0) {
    const uploaded = await eventually(async () => {
      const rows = await h.t
        .db('form_links')
        .where({ integration_id: c.integrationId, state: 'uploaded' })
        .whereIn('corfix_form_id', [...waitingForLateEdit.keys()])
        .select<{ corfix_form_id: string }[]>('corfix_form_id');
      return rows.length > 0 ? rows.map((r) => r.corfix_form_id) : undefined;
    }, 120_000);
    for (const formId of uploaded) {
      edit(formId, waitingForLateEdit.get(formId)!);
      waitingForLateEdit.delete(formId);
    }
    releases.push(h.corfix.webhooks.release());
  }
  h.corfix.webhooks.setMode({ reorder: false });
  await h.corfix.webhooks.idle();

  // Everything filed at its newest revision, and every form's workflow done.
  await eventually(async () => {
    const links = await formLinks(c.integrationId);
    const done = links.filter((l) => l.state === 'uploaded' && l.uploaded_revision === h.corfix.state.forms.get(l.corfix_form_id)?.revision);
    return done.length === 200 ? true : undefined;
  }, 150_000);
  await eventually(async () => ((await formUploadRuns(c.integrationId, 'running')) === 0 ? true : undefined), 60_000);
  expect(await formUploadRuns(c.integrationId, 'all')).toBeGreaterThanOrEqual(200);
  stopObserving();
  // Paced under Procore's budget: never refused for it.
  expect(h.procore.faults.countOfStatus(429)).toBe(0);

  // The webhooks were what the test says: every delivery answered, some twice, some out of order.
  const deliveries = h.corfix.webhooks.deliveries.slice(deliveriesBefore);
  expect(deliveries.filter((d) => d.state !== 'delivered').map((d) => [d.event.event_id, d.state])).toEqual([]);
  expect(deliveries.filter((d) => d.duplicate).length).toBeGreaterThan(20);
  const eventsOfAccount = new Set(h.corfix.state.events.filter((e) => e.account_id === ACCOUNT).map((e) => e.event_id));
  const accountAnswers = answers.filter((a) => eventsOfAccount.has(a.eventId));
  expect(accountAnswers.filter((a) => a.status !== 200 || a.body['received'] !== true)).toEqual([]);
  expect(accountAnswers.filter((a) => a.body['duplicate'] === true).length).toBeGreaterThan(0);
  const revisionOfEvent = new Map(h.corfix.state.events.map((e) => [e.event_id, { formId: e.form_id, revision: e.revision }]));
  const newerBeforeOlder = releases.some((order) => {
    const newest = new Map<string, number>();
    return order.some((eventId) => {
      const { formId, revision } = revisionOfEvent.get(eventId)!;
      const outOfOrder = (newest.get(formId) ?? 0) > revision;
      newest.set(formId, Math.max(newest.get(formId) ?? 0, revision));
      return outOfOrder;
    });
  });
  expect(newerBeforeOlder).toBe(true);

  // Exactly one Procore file per form, each held by its own form.
  const files = liveFilesOf(c.procoreProjectIds);
  expect(files).toHaveLength(200);
  expect(fileCreates).toBe(200);
  const links = await formLinks(c.integrationId);
  expect(links).toHaveLength(200);
  expect(new Set(links.map((l) => l.procore_file_id)).size).toBe(200);

  const problems: string[] = [];
  let newVersionUploads = 0;
  for (const link of links) {
    const plan = planned.get(link.corfix_form_id)!;
    const current = h.corfix.state.forms.get(link.corfix_form_id)!;
    const file = h.procore.state.files.get(Number(link.procore_file_id));
    const say = (what: string) => problems.push(`${link.corfix_form_id}: ${what}`);
    if (!file || file.is_deleted) {
      say('its Procore file is missing');
      continue;
    }
    if (file.project_id !== plan.procoreProjectId) say(`filed in project ${file.project_id}, not ${plan.procoreProjectId}`);
    const folder = h.procore.state.folders.get(file.parent_id)!;
    if (h.procore.state.nameWithPath(folder) !== `Corfix Forms/${plan.month}`) say(`filed in ${h.procore.state.nameWithPath(folder)}`);
    const expectedName = `${plan.template} ${plan.date}.pdf`;
    const pairName = /^(.*) \(\d+\)\.pdf$/.exec(file.name);
    const isPair = link.corfix_form_id === firstOfPair || link.corfix_form_id === secondOfPair;
    if (!(file.name === expectedName || (isPair && pairName?.[1] === `${plan.template} ${plan.date}`))) say(`named ${file.name}`);
    if (link.procore_file_name !== file.name) say(`form_links says ${link.procore_file_name}, Procore ${file.name}`);
    if (String(file.project_id) !== link.procore_project_id) say('form_links names another project');

    // One version per revision uploaded: the first made the file, each later one a new version.
    const newVersions = versionCalls.get(file.id) ?? 0;
    newVersionUploads += newVersions;
    if (file.versions.length !== 1 + newVersions) say(`${file.versions.length} versions after ${newVersions} new-version uploads`);
    if (file.versions.length > current.revision) say(`${file.versions.length} versions of a form with ${current.revision} revisions`);
    if (link.procore_version_count !== file.versions.length) say(`form_links counts ${link.procore_version_count} versions`);
    // Each version is a revision of the form (the PDF Corfix renders for it), each newer than the version
    // before, the last the form as it is now.
    if (plan.revisions.length !== current.revision) say(`${current.revision} revisions, ${plan.revisions.length} made by the test`);
    const renders = await Promise.all([...plan.revisions.slice(0, -1), current].map(pdfOf));
    const revisionsHeld = file.versions.map((v) => renders.findIndex((r) => r.equals(v.content)) + 1);
    if (revisionsHeld.includes(0)) say(`a version is no revision of the form (${revisionsHeld.join(',')})`);
    if (revisionsHeld.some((r, i) => i > 0 && r <= revisionsHeld[i - 1]!)) say(`versions hold revisions ${revisionsHeld.join(',')}`);
    if (revisionsHeld[revisionsHeld.length - 1] !== current.revision) say(`the latest version is not revision ${current.revision}'s PDF`);
    if (link.last_error !== null || link.next_try_at !== null) say('it was retried');
  }
  expect(problems).toEqual([]);
  // Versions were made: some forms were edited after their first upload.
  expect(newVersionUploads).toBeGreaterThanOrEqual(10);
  expect(files.reduce((n, f) => n + f.versions.length, 0)).toBe(200 + newVersionUploads);
  const editedForms = [...planned.values()].filter((p) => p.revisions.length > 1);
  expect(editedForms).toHaveLength(20);
  expect(editedForms.every((p) => p.revisions.length >= 2 && p.revisions.length <= 4)).toBe(true);

  // One Corfix Forms folder per project, one month folder per month in it, nothing else made.
  for (const projectId of c.procoreProjectIds) {
    const paths = liveFoldersOf(projectId).map((f) => h.procore.state.nameWithPath(f));
    expect(paths.sort()).toEqual(['Corfix Forms', ...MONTHS.map((m) => `Corfix Forms/${m}`)]);
  }

  // Procore's rename of the second form of a template and day is recorded and shown.
  const pairLinks = [firstOfPair, secondOfPair].map((id) => links.find((l) => l.corfix_form_id === id)!);
  const pairNames = pairLinks.map((l) => l.procore_file_name).sort();
  expect(pairNames).toEqual(['Daily Hazard 2026-03-01 (1).pdf', 'Daily Hazard 2026-03-01.pdf']);
  for (const link of pairLinks) {
    const shown = await getJson(`/v1/integrations/${ACCOUNT}/forms/${link.corfix_form_id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.json).toMatchObject({
      form_id: link.corfix_form_id,
      state: 'uploaded',
      procore: { file_id: link.procore_file_id, file_name: link.procore_file_name },
    });
  }

  // The status and the report: 200 uploaded, nothing but uploaded / new_version.
  const status = await h.status(ACCOUNT);
  expect(status['forms']).toMatchObject({ states: { pending: 0, retrying: 0, uploaded: 200, failed: 0, skipped: 0 } });
  const outcomes = await h.t
    .db('sync_outcomes')
    .where({ integration_id: c.integrationId, entity: 'form' })
    .select<{ corfix_id: string; reason: string; procore_id: string }[]>('corfix_id', 'reason', 'procore_id');
  expect(outcomes).toHaveLength(200);
  expect(outcomes.filter((o) => o.reason !== 'uploaded' && o.reason !== 'new_version')).toEqual([]);
  // The latest decision: a file with more than one version was last given a new version.
  for (const o of outcomes) {
    const link = links.find((l) => l.corfix_form_id === o.corfix_id)!;
    expect({ form: o.corfix_id, reason: o.reason, file: String(o.procore_id) }).toEqual({
      form: o.corfix_id,
      reason: link.procore_version_count! > 1 ? 'new_version' : 'uploaded',
      file: link.procore_file_id,
    });
  }
  const reported = await getJson(`/v1/integrations/${ACCOUNT}/outcomes?entity=form&per_page=500`);
  expect(reported.json['total']).toBe(200);
}, 240_000);

describe('the same harness, smaller cases', () => {
  let misc: Connected;
  beforeAll(async () => {
    // Each event delivered once, when raised.
    h.corfix.webhooks.setMode({ duplicate_rate: 0, reorder: false });
    misc = await connectAccount(MISC_ACCOUNT, ['Misc Site'], true);
  }, 60_000);

  test("a form of a Corfix project not linked to Procore: reported project_not_linked, nothing filed, not retried", async () => {
    const project = h.corfix.state.createProject(MISC_ACCOUNT, { name: 'Made in Corfix only', status: 'active' });
    const form = h.corfix.state.createForm(MISC_ACCOUNT, {
      project_id: project.id,
      template_name: 'Daily Hazard',
      form_date: '2026-05-04',
      status: 'completed',
    });

    const row = await eventually(async () => {
      const page = await getJson(`/v1/integrations/${MISC_ACCOUNT}/outcomes?entity=form`);
      const rows = page.json['data'] as Array<Record<string, unknown>>;
      return rows.find((r) => r['corfix_id'] === form.id);
    }, 60_000);
    expect(row).toMatchObject({ entity: 'form', outcome: 'skipped', reason: 'project_not_linked', procore_id: null });

    // Its workflow ended: no retry is scheduled.
    const handle = h.temporal.client.workflow.getHandle(formUploadWorkflowId(misc.integrationId, form.id));
    await eventually(async () => ((await handle.describe()).status.name === 'COMPLETED' ? true : undefined), 30_000);
    const shown = await getJson(`/v1/integrations/${MISC_ACCOUNT}/forms/${form.id}`);
    expect(shown.json).toMatchObject({ state: 'skipped', uploaded_revision: null, last_error: null, next_try_at: null });
    expect(shown.json['procore']).toMatchObject({ file_id: null });
    expect(liveFilesOf(misc.procoreProjectIds)).toEqual([]);
  }, 120_000);

  test('the retry route files a form whose webhook never came', async () => {
    const [procoreProjectId] = misc.procoreProjectIds;
    // Completed while Corfix had nowhere to send its event.
    h.corfix.state.webhookUrls.delete(MISC_ACCOUNT);
    const form = h.corfix.state.createForm(MISC_ACCOUNT, {
      project_id: misc.corfixProjectOf.get(procoreProjectId!)!,
      template_name: 'Toolbox Talk',
      form_date: '2026-05-06',
      status: 'completed',
    });
    h.corfix.state.webhookUrls.set(MISC_ACCOUNT, `${recorderUrl}/webhooks/corfix`);
    expect((await getJson(`/v1/integrations/${MISC_ACCOUNT}/forms/${form.id}`)).statusCode).toBe(404);

    const retried = await h.api.inject({ method: 'POST', url: `/v1/integrations/${MISC_ACCOUNT}/forms/${form.id}/retry`, headers: auth });
    expect(retried.statusCode).toBe(202);
    expect(retried.json()).toMatchObject({ form_id: form.id, workflow_id: formUploadWorkflowId(misc.integrationId, form.id) });

    const file = await eventually(async () => liveFilesOf(misc.procoreProjectIds).find((f) => f.name === 'Toolbox Talk 2026-05-06.pdf'), 60_000);
    expect(h.procore.state.nameWithPath(h.procore.state.folders.get(file.parent_id)!)).toBe('Corfix Forms/2026-05');
    expect(file.versions).toHaveLength(1);
    expect(file.versions[0]!.content.equals(await pdfOf(h.corfix.state.forms.get(form.id)!))).toBe(true);
    const shown = await eventually(async () => {
      const s = await getJson(`/v1/integrations/${MISC_ACCOUNT}/forms/${form.id}`);
      return s.json['state'] === 'uploaded' ? s.json : undefined;
    }, 30_000);
    expect(shown).toMatchObject({ uploaded_revision: 1, procore: { file_id: String(file.id), file_name: file.name, versions: 1 } });
  }, 120_000);

  test('Sync Forms off: the webhook is answered ignored and nothing is filed; turned on, forms completed from then on are', async () => {
    const off = await connectAccount(OFF_ACCOUNT, ['Quiet Site'], false);
    const corfixProjectId = off.corfixProjectOf.get(off.procoreProjectIds[0]!)!;

    const whileOff = h.corfix.state.createForm(OFF_ACCOUNT, {
      project_id: corfixProjectId,
      template_name: 'Daily Hazard',
      form_date: '2026-06-01',
      status: 'completed',
    });
    const ignored = await eventually(async () => answers.find((a) => a.formId === whileOff.id), 30_000);
    expect({ status: ignored.status, body: ignored.body }).toEqual({ status: 200, body: { received: true, ignored: 'sync_forms_off' } });
    expect((await getJson(`/v1/integrations/${OFF_ACCOUNT}/forms/${whileOff.id}`)).statusCode).toBe(404);
    expect((await h.status(OFF_ACCOUNT))['forms']).toMatchObject({ states: { pending: 0, retrying: 0, uploaded: 0, failed: 0, skipped: 0 } });

    const turnedOn = await h.api.inject({
      method: 'PATCH',
      url: `/v1/integrations/${OFF_ACCOUNT}`,
      headers: auth,
      payload: { sync_forms: true },
    });
    expect(turnedOn.statusCode).toBe(200);
    expect(turnedOn.json()).toMatchObject({ settings: { sync_forms: true } });

    const whileOn = h.corfix.state.createForm(OFF_ACCOUNT, {
      project_id: corfixProjectId,
      template_name: 'Toolbox Talk',
      form_date: '2026-06-02',
      status: 'completed',
    });
    const file = await eventually(async () => liveFilesOf(off.procoreProjectIds).find((f) => f.name === 'Toolbox Talk 2026-06-02.pdf'), 60_000);
    expect(h.procore.state.nameWithPath(h.procore.state.folders.get(file.parent_id)!)).toBe('Corfix Forms/2026-06');
    const received = answers.find((a) => a.formId === whileOn.id)!;
    expect(received.body).toMatchObject({ received: true, duplicate: false });
    await eventually(async () => {
      const s = await getJson(`/v1/integrations/${OFF_ACCOUNT}/forms/${whileOn.id}`);
      return s.json['state'] === 'uploaded' ? true : undefined;
    }, 30_000);

    // The form completed while Sync Forms was off stays unfiled: no upload was ever started for it.
    expect(liveFilesOf(off.procoreProjectIds).map((f) => f.name)).toEqual(['Toolbox Talk 2026-06-02.pdf']);
    expect((await getJson(`/v1/integrations/${OFF_ACCOUNT}/forms/${whileOff.id}`)).statusCode).toBe(404);
    const neverStarted = h.temporal.client.workflow.getHandle(formUploadWorkflowId(off.integrationId, whileOff.id));
    await expect(neverStarted.describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }, 120_000);
});
