// Issue 10's "Done when": the worker, its own process (node on the built
// worker), SIGKILLed during form uploads at the dangerous points and
// restarted each time: no duplicate file in Procore, none missing, each
// form's revisions filed once each, in order, the newest last.
// The kill points, picked by the Procore simulator's request observer:
//  1. create-file (POST /rest/v1.0/files) after Procore made the file, its
//     answer held until the worker is dead: the file exists, no process ever
//     read its id, and the retry must find it (how: found_after_crash);
//  2. the storage POST (step 2 of the upload), before it is stored;
//  3. create-file of one of six forms of one project, template and day
//     (Procore names all but the first "X (n).pdf"), its answer held while
//     the others put their PDFs in storage, then until the worker is dead:
//     none of them may create meanwhile (a project's creates go one at a
//     time, so that a lost file is told apart from its namesakes: same
//     folder, same name but for " (n)", the same size give or take a byte),
//     and the retry must find its own file, not a namesake's;
//  4. a new version (PATCH /rest/v1.0/files/:file_id) after Procore added
//     it, its answer held until the worker is dead: the version must not be
//     added twice.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formUploadStatus } from '../../src/client.js';
import { formFileName, monthFolderName } from '../../src/domain/form-filing.js';
import type { ObservedRequest } from '../../src/simulators/common/faults.js';
import { renderFormPdf } from '../../src/simulators/corfix/pdf.js';
import type { FormRecord } from '../../src/simulators/corfix/state.js';
import { fieldsOf, readMultipart } from '../../src/simulators/procore/multipart.js';
import type { SimFile } from '../../src/simulators/procore/state.js';
import { formUploadWorkflowId, reconcileWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import type { FormLinkRow } from '../../src/db/repositories/form-links.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';
import { killableWorker } from '../support/worker-process.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = 'acc_forms_crash';
const PROJECTS = ['North Yard', 'South Tower', 'East Bridge'];
const TEMPLATES = ['Daily Hazard', 'Toolbox Talk', 'Site Inspection'];

interface FormPlan {
  project: number;
  template_name: string;
  form_date: string;
}

/**
 * The first wave, 16 forms a project: forms 0-5 on 2026-11-27 (each name
 * twice, so Procore renames the second), 6-8 on 2026-11-28 (each once), 9-15
 * in December (Daily Hazard 2026-12-01 three times, the others twice). Forms
 * of one name are completed one after the other, so that they upload side by side.
 */
const FIRST_WAVE_ORDER = [0, 3, 1, 4, 2, 5, 6, 7, 8, 9, 12, 15, 10, 13, 11, 14];
function firstWaveForm(project: number, i: number): FormPlan {
  const template_name = TEMPLATES[i % TEMPLATES.length] as string;
  if (i < 6) return { project, template_name, form_date: '2026-11-27' };
  if (i < 9) return { project, template_name, form_date: '2026-11-28' };
  return { project, template_name, form_date: `2026-12-0${(i % TEMPLATES.length) + 1}` };
}
/** The second wave: a crew of six completes the same permit on the same day, in the first project. */
const CREW = 6;
const crewForm: FormPlan = { project: 0, template_name: 'Permit to Work', form_date: '2026-12-05' };

let h: SyncHarness;
// The reconciler hands over a webhook Temporal did not take within 500 ms: soon, on a busy machine.
const workers = killableWorker(() => ({ ...h.env, RECONCILE_INTERVAL: '10s' }));
const { kills, killOnce } = workers;

async function multipartFields(event: ObservedRequest): Promise<Record<string, string>> {
  const parts = await readMultipart(event.request.body, event.request.headers['content-type']);
  return parts ? fieldsOf(parts) : {};
}

beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: repoRoot });
  // Procore's spike window is not what this test is about: room for the uploads' requests.
  h = await startSyncHarness({
    name: 'forms-crash',
    corfixAccounts: [ACCOUNT],
    procore: { rateLimits: { spike: { limit: 2_000, window_seconds: 10 } } },
  });
}, 180_000);

afterAll(async () => {
  workers.stop();
  await h?.stop();
});

test('four SIGKILLs of the worker during form uploads: every form one file, none missing, each revision once', async () => {
  const company = h.procore.state.addCompany({ name: 'Forms Crash Builders' });
  const procoreProjects = h.procore.state.addProjects(
    company.id,
    PROJECTS.map((name, i) => ({ name, project_number: `FC-${i}`, active: true, template: false })),
  );
  const crewKey = `${procoreProjects[crewForm.project]!.id}|${formFileName(crewForm.template_name, crewForm.form_date)}`;

  // --- the kill points -------------------------------------------------------------------
  let createdFiles = 0;
  let storagePostsAfterFirstKill = 0;
  let versionsAdded = 0;
  /** kill 1: the upload uuid of the create whose answer was lost, and whether it was held until the worker died */
  let lostCreate: { uploadUuid: string; heldUntilDeath: boolean } | undefined;
  /** kill 3: the create of one of the crew's forms, unanswered when the worker died, and what the crew did meanwhile */
  let crewStaged = 0;
  let lostCrewCreate: { uploadUuid: string; stagedBeforeKill: number; createdDuringHold: number; heldUntilDeath: boolean } | undefined;
  /** kill 4: the file whose new version's answer was lost */
  let lostVersion: { fileId: number; heldUntilDeath: boolean } | undefined;

  const atCreateFile = killOnce('create-file landed in Procore, its answer lost (POST /rest/v1.0/files)', () => createdFiles === 8);
  const atStorage = killOnce('during the storage POST (upload step 2)', () => storagePostsAfterFirstKill === 6);
  const atCrewCreate = killOnce('create-file of one of six same-named forms landed, its answer lost (POST /rest/v1.0/files)', () => true);
  const atNewVersion = killOnce('new version landed in Procore, its answer lost (PATCH /rest/v1.0/files/:file_id)', () => versionsAdded === 3);

  const stopObserving = h.procore.faults.observe(async (e) => {
    if (e.phase === 'send' && e.route === 'POST /rest/v1.1/projects/:project_id/uploads' && e.status === 201 && kills.length < 3) {
      const name = (e.request.body as { response_filename?: unknown }).response_filename;
      if (`${(e.request.params as { project_id: string }).project_id}|${String(name)}` === crewKey) crewStaged += 1;
    }
    if (e.phase === 'send' && e.route === 'POST /rest/v1.0/files' && e.status === 201) {
      createdFiles += 1;
      const fields = await multipartFields(e);
      const uploadUuid = fields['file[upload_uuid]'] ?? '';
      const key = `${(e.request.query as { project_id: string }).project_id}|${fields['file[name]']}`;
      const killed = atCreateFile(e);
      if (killed) {
        lostCreate = { uploadUuid, heldUntilDeath: false };
        await killed;
        lostCreate.heldUntilDeath = true;
      } else if (key === crewKey && !lostCrewCreate) {
        // The crew's first file: its answer held until two more of the crew have staged their PDFs (15 s at most)
        // and a second more, in which they would create if nothing stopped them; then until the worker is dead.
        lostCrewCreate = { uploadUuid, stagedBeforeKill: 0, createdDuringHold: 0, heldUntilDeath: false };
        for (let waited = 0; waited < 15_000 && crewStaged < 3; waited += 100) await new Promise((r) => setTimeout(r, 100));
        await new Promise((r) => setTimeout(r, 1_000));
        lostCrewCreate.stagedBeforeKill = crewStaged;
        await atCrewCreate(e);
        lostCrewCreate.heldUntilDeath = true;
      } else if (key === crewKey && lostCrewCreate && !lostCrewCreate.heldUntilDeath) {
        lostCrewCreate.createdDuringHold += 1;
      }
    }
    if (e.phase === 'request' && e.route === 'POST /storage/procore-uploads' && kills.length === 1) {
      storagePostsAfterFirstKill += 1;
      await atStorage(e);
    }
    if (e.phase === 'send' && e.route === 'PATCH /rest/v1.0/files/:file_id' && e.status === 200) {
      versionsAdded += 1;
      const killed = atNewVersion(e);
      if (killed) {
        lostVersion = { fileId: Number((e.request.params as { file_id: string }).file_id), heldUntilDeath: false };
        await killed;
        lostVersion.heldUntilDeath = true;
      }
    }
  });

  // --- connect, with the API on a real port for Corfix's webhooks --------------------------------
  workers.start();
  const connected = await h.connect({ corfix_account_id: ACCOUNT, procore_company_id: String(company.id), sync_forms: true });
  expect(connected.statusCode).toBe(202);
  const integrationId = connected.json['integration_id'] as string;
  const withLogs = async <T>(what: string, work: Promise<T>): Promise<T> => {
    try {
      return await work;
    } catch (error) {
      throw new Error(`${what}: ${String(error)}\nkills: ${JSON.stringify(kills)}\nworker logs:\n${workers.logs()}`);
    }
  };
  await withLogs('the connect', h.connectResult(integrationId));
  const api = await h.listenApi();
  h.corfix.state.webhookUrls.set(ACCOUNT, `${api}/webhooks/corfix`);

  const corfixProjects = PROJECTS.map((name) => {
    const project = [...h.corfix.state.projects.values()].find((p) => p.account_id === ACCOUNT && p.name === name);
    if (!project) throw new Error(`the initial sync did not make the Corfix project ${name}`);
    return project;
  });

  /** every revision of every form as Corfix held it, to render the PDF each should have reached Procore as */
  const revisions = new Map<string, FormRecord[]>();
  const planOf = new Map<string, FormPlan>();
  const keep = (record: FormRecord) => {
    const list = revisions.get(record.id) ?? [];
    list.push(record);
    revisions.set(record.id, list);
  };
  const complete = (plan: FormPlan) => {
    const { project, ...form } = plan;
    const record = h.corfix.state.createForm(ACCOUNT, { project_id: corfixProjects[project]!.id, ...form, status: 'completed' });
    keep(record);
    planOf.set(record.id, plan);
    return record.id;
  };
  const linksNow = () => h.t.db<FormLinkRow>('form_links').where({ integration_id: integrationId });
  const statusOf = (formId: string) => formUploadStatus(h.temporal.client, integrationId, formId);
  const newestRevision = (formId: string) => revisions.get(formId)?.at(-1)?.revision;

  /** Every form's newest revision filed, nothing under way: links at that revision with no intent, every workflow closed. */
  const allFiled = (what: string) =>
    withLogs(
      what,
      eventually(async () => {
        const links = await linksNow();
        if (links.length !== revisions.size) return undefined;
        if (links.some((l) => l.uploaded_revision !== newestRevision(l.corfix_form_id) || l.intent_upload_uuid !== null)) return undefined;
        for (const formId of revisions.keys()) {
          const described = await h.temporal.client.workflow.getHandle(formUploadWorkflowId(integrationId, formId)).describe();
          if (described.status.name === 'RUNNING') return undefined;
        }
        return links;
      }, 90_000).catch(async (error: unknown) => {
        const links = await linksNow();
        const unfinished = links
          .filter((l) => l.uploaded_revision !== newestRevision(l.corfix_form_id) || l.intent_upload_uuid !== null)
          .map((l) => ({ form: l.corfix_form_id, state: l.state, uploaded: l.uploaded_revision, intent: l.intent_revision, error: l.last_error }));
        const statuses = await Promise.all(unfinished.map((u) => statusOf(u.form).catch((e: unknown) => String(e))));
        const reconciler = await h.temporal.client.workflow
          .getHandle(reconcileWorkflowId(h.taskQueue))
          .describe()
          .then((d) => JSON.stringify({ status: d.status.name, pending: d.raw.pendingActivities?.map((a) => ({ attempt: a.attempt, state: a.state, started: a.lastStartedTime })) }))
          .catch((e: unknown) => String(e));
        throw new Error(
          `${String(error)}; ${links.length} links; unfinished: ${JSON.stringify(unfinished)}; their workflows: ${JSON.stringify(statuses)}; the reconciler: ${reconciler}`,
        );
      }),
    );
  /** Filed forms show as uploaded (the API's states), whatever the kills interrupted. */
  const expectAllUploaded = (links: FormLinkRow[]) =>
    expect(links.filter((l) => l.state !== 'uploaded').map((l) => ({ form: l.corfix_form_id, state: l.state, error: l.last_error }))).toEqual([]);
  const fileOfUpload = (uuid: string | undefined) => [...h.procore.state.files.values()].find((f) => f.versions[0]?.upload_uuid === uuid);
  const formOfFile = async (file: SimFile | undefined) =>
    (await h.t.db<FormLinkRow>('form_links').where({ integration_id: integrationId, procore_file_id: String(file?.id) }).first())?.corfix_form_id;

  // --- phase 1: 48 completed forms, in batches as crews finish them (kills 1 and 2) --------------
  for (let batch = 0; batch < 4; batch += 1) {
    for (let p = 0; p < PROJECTS.length; p += 1) {
      for (const i of FIRST_WAVE_ORDER.slice(batch * 4, batch * 4 + 4)) complete(firstWaveForm(p, i));
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  expectAllUploaded(await allFiled('phase 1 (first wave)'));
  expect(kills).toHaveLength(2);
  // The create whose answer was lost made its file once, and the retry found it again.
  expect(lostCreate).toMatchObject({ heldUntilDeath: true });
  const lostCreateForm = await formOfFile(fileOfUpload(lostCreate?.uploadUuid));
  expect(lostCreateForm).toBeDefined();

  // --- phase 1b: the crew's six same-named forms at once (kill 3) ---------------------------------
  const crew = Array.from({ length: CREW }, () => complete(crewForm));
  expectAllUploaded(await allFiled('phase 1b (the crew)'));
  expect(kills).toHaveLength(3);
  // While the lost create's answer was held, others of the crew were ready (their PDFs staged) and none created.
  expect(lostCrewCreate).toMatchObject({ createdDuringHold: 0, heldUntilDeath: true });
  expect(lostCrewCreate!.stagedBeforeKill).toBeGreaterThanOrEqual(3);
  const crewLostForm = await formOfFile(fileOfUpload(lostCrewCreate!.uploadUuid));
  expect(crew).toContain(crewLostForm);

  // What the first uploads said: the lost answers' forms found again, every form created, or found again,
  // or found recorded already (a kill after its link was written); none skipped, held or failed.
  const firstOutcomes = new Map<string, string | null>();
  for (const formId of revisions.keys()) firstOutcomes.set(formId, (await statusOf(formId)).lastOutcome);
  expect(firstOutcomes.get(lostCreateForm!)).toBe('found_after_crash');
  expect(firstOutcomes.get(crewLostForm!)).toBe('found_after_crash');
  const tally = (values: Iterable<string | null>) => {
    const counts: Record<string, number> = {};
    for (const v of values) counts[String(v)] = (counts[String(v)] ?? 0) + 1;
    return counts;
  };
  const firstTally = tally(firstOutcomes.values());
  expect(Object.keys(firstTally).every((o) => ['created', 'found_after_crash', 'already_there'].includes(o))).toBe(true);

  // --- phase 2: edits after filing, each a new version of the form's file (kill 4) -------------------
  const formIds = [...revisions.keys()];
  const edit = (formId: string) => keep(h.corfix.state.editForm(ACCOUNT, formId, {}));
  // Round 1: every third form, but the forms whose creates were lost: those are left for round 2.
  const lostCreates = [lostCreateForm!, crewLostForm!];
  const round1 = formIds.filter((id, i) => i % 3 === 0 && !lostCreates.includes(id));
  for (const formId of round1) edit(formId);
  expectAllUploaded(await allFiled('phase 2, round 1 (new versions)'));
  expect(kills).toHaveLength(4);
  expect(lostVersion).toMatchObject({ heldUntilDeath: true });
  const lostVersionForm = await formOfFile(h.procore.state.files.get(lostVersion!.fileId));
  expect(round1).toContain(lostVersionForm);
  expect((await statusOf(lostVersionForm!)).lastOutcome).toBe('found_after_crash');
  // Round 2: the forms whose answers were lost, and four more of round 1, once more.
  const round2 = [...lostCreates, lostVersionForm!, ...round1.filter((id) => id !== lostVersionForm).slice(0, 4)];
  for (const formId of round2) edit(formId);
  const links = await allFiled('phase 2, round 2');
  expectAllUploaded(links);
  stopObserving();

  // --- the kills happened where intended ------------------------------------------------------
  expect(kills).toEqual([
    'create-file landed in Procore, its answer lost (POST /rest/v1.0/files)',
    'during the storage POST (upload step 2)',
    'create-file of one of six same-named forms landed, its answer lost (POST /rest/v1.0/files)',
    'new version landed in Procore, its answer lost (PATCH /rest/v1.0/files/:file_id)',
  ]);

  // --- Procore: the folders once each, every form one file, renamed only as same names ask ------------
  const state = h.procore.state;
  const liveFiles = [...state.files.values()].filter((f) => !f.is_deleted);
  expect(liveFiles).toHaveLength(revisions.size);
  for (const [p, project] of procoreProjects.entries()) {
    const root = state.rootFolder(project.id);
    const formsFolders = state.childrenOf(root).folders.filter((f) => f.name.includes('Corfix Forms'));
    expect(formsFolders.map((f) => f.name)).toEqual(['Corfix Forms']);
    const monthFolders = state.childrenOf(formsFolders[0]!).folders;
    expect(monthFolders.map((f) => f.name).sort()).toEqual(['2026-11', '2026-12']);
    const plans = [...planOf.values()].filter((plan) => plan.project === p);
    for (const month of monthFolders) {
      // Each name once, then " (1)", " (2)", ... for the other forms of the same template and day.
      const counts = new Map<string, number>();
      for (const plan of plans.filter((f) => monthFolderName(f.form_date) === month.name)) {
        const name = formFileName(plan.template_name, plan.form_date);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      const expected = [...counts].flatMap(([name, n]) =>
        Array.from({ length: n }, (_, k) => (k === 0 ? name : name.replace(/\.pdf$/, ` (${k}).pdf`))),
      );
      expect(state.childrenOf(month).files.map((f) => f.name).sort()).toEqual(expected.sort());
    }
    const projectFiles = liveFiles.filter((f) => f.project_id === project.id);
    expect(projectFiles).toHaveLength(plans.length);
    expect(projectFiles.every((f) => monthFolders.some((m) => m.id === f.parent_id))).toBe(true);
  }

  // --- form_links: one to one with the files, no intent left, the version counts as Procore has them ----
  expect(links).toHaveLength(revisions.size);
  const fileById = new Map(liveFiles.map((f) => [String(f.id), f]));
  expect(new Set(links.map((l) => String(l.procore_file_id)))).toEqual(new Set(fileById.keys()));
  for (const link of links) {
    expect(link).toMatchObject({
      state: 'uploaded',
      intent_revision: null,
      intent_upload_uuid: null,
      intent_file_name: null,
      intent_folder_id: null,
      intent_size: null,
      intent_at: null,
    });
    const file = fileById.get(String(link.procore_file_id)) as SimFile;
    expect(file.project_id).toBe(procoreProjects[planOf.get(link.corfix_form_id)!.project]!.id);
    expect(link.procore_file_name).toBe(file.name);
    expect(link.procore_version_count).toBe(file.versions.length);
  }

  // --- each file: its own form's revisions, each once and in order, the newest last -------------------
  const linkOfForm = new Map(links.map((l) => [l.corfix_form_id, l]));
  const pdfs = new Map<string, Buffer[]>();
  for (const [formId, records] of revisions) {
    const projectName = PROJECTS[planOf.get(formId)!.project]!;
    pdfs.set(formId, await Promise.all(records.map(async (r) => Buffer.from(await renderFormPdf(r, projectName)))));
  }
  /** whose PDF some bytes are: "form@revision" */
  const whosePdf = (bytes: Buffer) => {
    for (const [formId, list] of pdfs) {
      const k = list.findIndex((b) => b.equals(bytes));
      if (k >= 0) return `${formId}@${k + 1}`;
    }
    return 'nobody';
  };
  const misfiled: Array<{ formId: string; file: string; revisions: number; versions: string[] }> = [];
  let newVersions = 0;
  for (const [formId, records] of revisions) {
    const file = fileById.get(String(linkOfForm.get(formId)?.procore_file_id)) as SimFile;
    // One version per revision (the first made the file, every edit one new version), each that revision's PDF.
    const versions = file.versions.map((v) => whosePdf(v.content));
    if (versions.join() !== records.map((r) => `${formId}@${r.revision}`).join()) {
      misfiled.push({ formId, file: file.name, revisions: records.length, versions });
    }
    newVersions += file.versions.length - 1;
  }
  expect(misfiled).toEqual([]);
  expect(newVersions).toBe(round1.length + round2.length);

  // --- the sync report and the status API agree ---------------------------------------------------
  const status = await h.status(ACCOUNT);
  const edited = new Set([...round1, ...round2]).size;
  expect(status['forms']).toEqual({
    states: { pending: 0, retrying: 0, uploaded: revisions.size, failed: 0, skipped: 0 },
    outcomes: { uploaded: revisions.size - edited, new_version: edited },
  });
  const outcomes = await h.t.db('sync_outcomes').where({ integration_id: integrationId, entity: 'form' });
  expect(outcomes).toHaveLength(revisions.size);
}, 240_000);
