// Issue 10, the first "Done when": completed Corfix forms reach Procore's
// Documents through the whole service — the Corfix simulator's signed
// webhooks (duplicated, out of order) on the API's real port, the real
// worker, the Procore simulator's folders, files and versions — exactly once
// per form, in the right folder, under the right name, at the newest
// revision. The harness: forms-e2e-support.ts; smaller cases on the same
// kind of harness: forms-smaller-cases.test.ts.
import type { SimFolder } from '../../src/simulators/procore/state.js';
import type { FormRecord } from '../../src/simulators/corfix/state.js';
import { eventually } from '../support/eventually.js';
import { answers, connectAccount, getJson, h, liveFilesOf, pdfOf, useFormsHarness } from './forms-e2e-support.js';

const ACCOUNT = 'acc_e2e';

useFormsHarness('forms-e2e', [ACCOUNT]);

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
