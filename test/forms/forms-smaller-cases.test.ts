// Completed Corfix forms through the whole service (the harness of
// forms-e2e-support.ts: the Corfix simulator's signed webhooks, the real
// worker, the Procore simulator), in the smaller cases: a form whose Corfix
// project is not linked to Procore (skipped, not retried), an operator's
// retry filing a form whose webhook never came, and Sync Forms off (the
// webhook answered ignored, nothing filed) then on (filed from then on).
import { WorkflowNotFoundError } from '@temporalio/client';
import { formUploadWorkflowId } from '../../src/temporal/workflow-ids.js';
import { eventually } from '../support/eventually.js';
import { answers, auth, connectAccount, getJson, h, liveFilesOf, pdfOf, recorderUrl, useFormsHarness, type Connected } from './forms-e2e-support.js';

const MISC_ACCOUNT = 'acc_misc';
const OFF_ACCOUNT = 'acc_off';

useFormsHarness('forms-e2e-small', [MISC_ACCOUNT, OFF_ACCOUNT]);

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
