// The forms part of `npm run demo`: a handful of forms filled in on site and
// completed in the Corfix simulator (its admin API), two of them edited
// afterwards, and each followed through the service's API until Procore holds
// its newest revision. One more is completed in a Corfix project no Procore
// project is linked to, to show it is not filed.
import { addDays } from './demo-company.js';
import { waitFor, type CorfixAdmin, type CorfixForm, type FormUpload, type IntegrationApi } from './demo-api.js';

export interface FormPlan {
  template_name: string;
  form_date: string;
  /** edited after its upload (a signature added): a new version of the same Procore file */
  edited: boolean;
}

/**
 * Five forms over two months (so two month folders), two of one template on
 * one day (the same file name: Procore numbers the second "(1)"), two edited.
 */
export function formPlans(today: string): FormPlan[] {
  const yesterday = addDays(today, -1);
  const lastMonth = addDays(`${yesterday.slice(0, 8)}01`, -10);
  return [
    { template_name: 'Daily Site Diary', form_date: yesterday, edited: true },
    { template_name: 'Toolbox Talk', form_date: yesterday, edited: false },
    { template_name: 'Toolbox Talk', form_date: yesterday, edited: false },
    { template_name: 'Pre-start Checklist', form_date: lastMonth, edited: false },
    { template_name: 'Incident Report', form_date: lastMonth, edited: true },
  ];
}

export interface FormsStep {
  api: IntegrationApi;
  corfix: CorfixAdmin;
  accountId: string;
  /** the Corfix project (linked to a Procore project) the forms are filled in */
  projectId: string;
  /** a Corfix project linked to no Procore project */
  unlinkedProjectId: string;
  today: string;
  say: (line: string) => void;
}

const label = (form: Pick<CorfixForm, 'template_name' | 'form_date'>) => `"${form.template_name}" of ${form.form_date}`;

/** Completes, files and edits the forms; how many were filed (uploaded) and how many became new versions. */
export async function completeAndFileForms(step: FormsStep): Promise<{ uploaded: number; newVersions: number }> {
  const { api, corfix, accountId, say } = step;
  const plans = formPlans(step.today);

  say(`Completing ${plans.length} forms in the Corfix simulator (POST /__admin/accounts/${accountId}/forms, then .../complete):`);
  const completed: Array<{ form: CorfixForm; plan: FormPlan }> = [];
  for (const plan of plans) {
    const draft = await corfix.createForm({ project_id: step.projectId, template_name: plan.template_name, form_date: plan.form_date, status: 'draft' });
    completed.push({ form: await corfix.complete(draft.id), plan });
  }
  // Completed straight away, in a project Corfix had before the connect (linked to nothing in Procore).
  const unlinked = await corfix.createForm({ project_id: step.unlinkedProjectId, template_name: 'Site Induction', form_date: step.today, status: 'completed' });

  for (const { form } of completed) {
    const upload = await filed(api, accountId, form);
    say(`  ${form.id} ${label(form)}: filed as "${upload.procore.file_name}" (revision ${upload.uploaded_revision})`);
  }
  const skipped = await waitFor(`the form ${unlinked.id} (in a project not linked to Procore) to be decided`, async () => {
    const upload = await api.form(accountId, unlinked.id);
    return upload?.state === 'skipped' ? upload : undefined;
  });
  say(`  ${unlinked.id} ${label(unlinked)}: not filed, its Corfix project is linked to no Procore project (${skipped.state}, project_not_linked)`);

  const edits = completed.filter(({ plan }) => plan.edited);
  say(`Editing ${edits.length} of them (a signature added: POST .../forms/{id}/edit):`);
  for (const { form } of edits) {
    const edited = await corfix.edit(form.id);
    const upload = await filed(api, accountId, edited);
    say(`  ${edited.id} ${label(edited)}: revision ${upload.uploaded_revision} is version ${upload.procore.versions} of "${upload.procore.file_name}"`);
  }
  return { uploaded: completed.length, newVersions: edits.length };
}

/** Waits until Procore holds the form's revision; a form whose upload failed stops the demo. */
async function filed(api: IntegrationApi, accountId: string, form: CorfixForm): Promise<FormUpload> {
  let last: FormUpload | undefined;
  return waitFor(
    `the upload of form ${form.id} (revision ${form.revision}) to Procore`,
    async () => {
      last = await api.form(accountId, form.id);
      if (last?.state === 'failed') throw new Error(`the upload of form ${form.id} failed: ${last.last_error ?? 'no reason given'}`);
      return last?.state === 'uploaded' && last.uploaded_revision === form.revision ? last : undefined;
    },
    { lastSeen: () => (last ? `${last.state}, revision ${last.uploaded_revision ?? 'none'} in Procore${last.last_error ? `: ${last.last_error}` : ''}` : 'no webhook yet') },
  );
}
