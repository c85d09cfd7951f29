// The Corfix client against the simulator: form metadata and the PDF at the
// form's current revision.
import { PDFDocument } from 'pdf-lib';
import { CorfixNotFoundError, CorfixRequestRejectedError } from '../../src/corfix/errors.js';
import { ACCOUNT, ContractValidator, SECOND_ACCOUNT, startHarness, type Harness } from './support.js';

let h: Harness;
let projectId: string;
beforeAll(async () => {
  h = await startHarness();
  projectId = (await h.client.createProject(ACCOUNT, { name: 'Form Site', status: 'active' })).id;
});
afterAll(async () => {
  await h.stop();
});

describe('forms', () => {
  test('a completed form: metadata, and a real PDF carrying its revision', async () => {
    const created = await h.admin('POST', `/accounts/${ACCOUNT}/forms`, {
      project_id: projectId,
      template_name: 'Daily Hazard Assessment',
      form_date: '2026-11-27',
    });
    expect(created.status).toBe(201);
    const formId: string = created.body.id;
    await h.admin('POST', `/accounts/${ACCOUNT}/forms/${formId}/complete`);

    const form = await h.client.getForm(ACCOUNT, formId);
    expect(form).toMatchObject({
      id: formId,
      account_id: ACCOUNT,
      project_id: projectId,
      template_name: 'Daily Hazard Assessment',
      status: 'completed',
      revision: 2,
      form_date: '2026-11-27',
    });
    expect(form.completed_at).not.toBeNull();

    const pdf = await h.client.getFormPdf(ACCOUNT, formId);
    expect(pdf.revision).toBe(2);
    const doc = await PDFDocument.load(pdf.bytes);
    expect(doc.getPageCount()).toBe(1);
    expect(doc.getTitle()).toBe('Daily Hazard Assessment 2026-11-27 (revision 2)');

    const edited = await h.admin('POST', `/accounts/${ACCOUNT}/forms/${formId}/edit`, {});
    expect(edited.body.revision).toBe(3);
    const newer = await h.client.getFormPdf(ACCOUNT, formId);
    expect(newer.revision).toBe(3);
    expect(Buffer.compare(newer.bytes, pdf.bytes)).not.toBe(0);
    expect((await PDFDocument.load(newer.bytes)).getTitle()).toMatch(/revision 3/);
    await expect(h.client.getForm(ACCOUNT, formId)).resolves.toMatchObject({ revision: 3 });
  });

  test('forms in bulk: made in the order given, each raising its event; one unknown project makes none', async () => {
    const eventsBefore = h.sim.state.snapshot().events.length;
    const bulk = await h.admin('POST', `/accounts/${ACCOUNT}/forms/bulk`, {
      forms: [
        { project_id: projectId, template_name: 'Plant Check', form_date: '2026-12-03', status: 'completed' },
        { project_id: projectId, template_name: 'Site Induction', form_date: '2026-12-04' },
      ],
    });
    expect(bulk.status).toBe(201);
    expect(bulk.body.forms).toMatchObject([
      { template_name: 'Plant Check', status: 'completed', revision: 1 },
      { template_name: 'Site Induction', status: 'draft', revision: 1 },
    ]);
    const events = h.sim.state.snapshot().events.slice(eventsBefore);
    expect(events).toMatchObject([{ event_type: 'form.completed', form_id: bulk.body.forms[0].id }]);

    const formsBefore = h.sim.state.snapshot().forms.length;
    const refused = await h.admin('POST', `/accounts/${ACCOUNT}/forms/bulk`, {
      forms: [
        { project_id: projectId, template_name: 'Plant Check', form_date: '2026-12-05' },
        { project_id: 'prj_nowhere', template_name: 'Plant Check', form_date: '2026-12-06' },
      ],
    });
    expect(refused.status).toBe(404);
    expect(h.sim.state.snapshot().forms.length).toBe(formsBefore);
    expect((await h.admin('POST', `/accounts/${ACCOUNT}/forms/bulk`, { forms: [] })).status).toBe(400);
  });

  test('the raw PDF answer has the contract headers', async () => {
    const form = h.sim.state.createForm(ACCOUNT, {
      project_id: projectId,
      template_name: 'Toolbox Talk',
      form_date: '2026-12-01',
      status: 'completed',
    });
    const raw = await h.api('GET', `/v1/accounts/${ACCOUNT}/forms/${form.id}/pdf`);
    expect(raw.status).toBe(200);
    expect(raw.headers['content-type']).toBe('application/pdf');
    expect(raw.headers['corfix-form-revision']).toBe('1');
  });

  test('a draft has no PDF: 409 form_not_completed', async () => {
    const draft = h.sim.state.createForm(ACCOUNT, { project_id: projectId, template_name: 'Permit', form_date: '2026-12-02' });
    const err = await h.client.getFormPdf(ACCOUNT, draft.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorfixRequestRejectedError);
    expect(err).toMatchObject({ status: 409, code: 'form_not_completed', retryable: false });
    await expect(h.client.getForm(ACCOUNT, draft.id)).resolves.toMatchObject({ status: 'draft', completed_at: null });
  });

  test('a missing form, or one of another account, is a typed not-found', async () => {
    await expect(h.client.getForm(ACCOUNT, 'frm_missing')).rejects.toBeInstanceOf(CorfixNotFoundError);
    await expect(h.client.getFormPdf(ACCOUNT, 'frm_missing')).rejects.toBeInstanceOf(CorfixNotFoundError);
    const otherProject = h.sim.state.createProject(SECOND_ACCOUNT, { name: 'Other', status: 'active' });
    const other = h.sim.state.createForm(SECOND_ACCOUNT, {
      project_id: otherProject.id,
      template_name: 'Elsewhere',
      form_date: '2026-12-03',
      status: 'completed',
    });
    await expect(h.client.getForm(ACCOUNT, other.id)).rejects.toBeInstanceOf(CorfixNotFoundError);
  });

  test('every response seen validates against corfix-api.yaml', () => {
    expect(h.records.length).toBeGreaterThan(8);
    expect(ContractValidator.load().checkAll(h.records)).toEqual([]);
  });
});
