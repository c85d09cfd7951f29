// Forms completed and edited in Corfix once the integration is active: the
// Corfix simulator sends their signed webhooks to the API, which hands them to
// the forms' upload workflows. Completions and edits are interleaved in a
// seeded order and spread over `spanMs`, so that kills and restarts meet
// uploads under way. Every form goes to a Corfix project the sync made (so
// linked to a Procore project), with a file name of its own in its folder.
import { procoreProjectExternalRef } from '../src/domain/external-ref.js';
import { SeededRandom } from '../src/simulators/common/random.js';
import type { ProjectRecord } from '../src/simulators/corfix/state.js';
import { planForms, type LinkedProject } from '../bench/forms-support.js';
import { sleep, type SimulatorAdmin } from '../bench/stack.js';
import { CHAOS_ACCOUNT } from './company.js';

export interface FormsDriven {
  completed: string[];
  edits: number;
}

/** The Corfix projects the sync made for Procore projects of `companyId`, by Procore id. */
export async function linkedProjects(corfix: SimulatorAdmin, companyId: number): Promise<LinkedProject[]> {
  const { projects } = await corfix.get<{ projects: ProjectRecord[] }>('/state');
  const prefix = procoreProjectExternalRef(String(companyId), '');
  return projects
    .filter((p) => p.account_id === CHAOS_ACCOUNT && p.external_ref?.startsWith(prefix))
    .map((p) => ({ procoreId: Number((p.external_ref as string).slice(prefix.length)), name: p.name, corfixId: p.id }))
    .sort((a, b) => a.procoreId - b.procoreId);
}

/** Completes `forms` forms and makes `edits` edits of completed ones, in a seeded order, evenly over `spanMs`. */
export async function driveForms(
  corfix: SimulatorAdmin,
  projects: LinkedProject[],
  options: { forms: number; edits: number; spanMs: number; seed: number },
): Promise<FormsDriven> {
  if (projects.length === 0) throw new Error('no Corfix project is linked to a Procore project: the forms have nowhere to go');
  const random = new SeededRandom(options.seed);
  const plan = planForms(options.forms, projects);
  // true: complete the next planned form; false: edit one completed before. The first is a completion.
  const steps = [...Array<boolean>(options.forms).fill(true), ...Array<boolean>(options.edits).fill(false)];
  for (let i = steps.length - 1; i > 1; i -= 1) {
    const j = 1 + Math.floor(random.next() * i);
    [steps[i], steps[j]] = [steps[j] as boolean, steps[i] as boolean];
  }
  const completed: string[] = [];
  let edits = 0;
  const from = Date.now();
  for (const [i, complete] of steps.entries()) {
    await sleep(from + (i * options.spanMs) / Math.max(1, steps.length) - Date.now());
    if (complete || completed.length === 0) {
      const p = plan[completed.length];
      if (!p) continue;
      const form = await corfix.post<{ id: string }>(`/accounts/${CHAOS_ACCOUNT}/forms`, {
        project_id: p.project.corfixId,
        template_name: p.template,
        form_date: p.formDate,
        status: 'completed',
      });
      completed.push(form.id);
    } else {
      const formId = completed[Math.floor(random.next() * completed.length)] as string;
      await corfix.post(`/accounts/${CHAOS_ACCOUNT}/forms/${formId}/edit`, {});
      edits += 1;
    }
  }
  return { completed, edits };
}
