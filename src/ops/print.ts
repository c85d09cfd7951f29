// The operator CLI's text for people: the read model (integration-overview.ts)
// in the words the status page uses (overview-text.ts). Ids, states, counts
// and our own sentences only, as on the page.
import type { FormUploadView, IntegrationDetail, IntegrationOverview, OutcomeView } from '../api/integration-overview.js';
import { changedText, counts, decidedText, moment, nextTryText, onOff, projectSelectionText, settingsText, shorten, syncStateText } from '../api/overview-text.js';
import type { PreviewProgressView, PreviewView } from '../api/preview-overview.js';
import { webUiIntegrationUrl, webUiWorkflowUrl, type WebUi } from '../temporal/web-ui.js';

/** How long a last error may be in the list. */
const ERROR_COLUMN = 80;

/** Rows as columns padded to their widest cell (the last column is not padded). */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

export function integrationList(integrations: readonly IntegrationOverview[]): string {
  if (integrations.length === 0) return 'No integrations yet.';
  return columns([
    ['ACCOUNT', 'COMPANY', 'STATUS', 'SYNC STATE', 'LAST ERROR'],
    ...integrations.map((i) => [
      i.corfix_account_id,
      i.procore_company_id,
      i.status,
      syncStateText(i.sync_state),
      i.last_error ? shorten(i.last_error.message, ERROR_COLUMN) : '',
    ]),
  ]);
}

const section = (title: string, lines: readonly string[], empty = 'none') =>
  [title, ...(lines.length === 0 ? [`  ${empty}`] : lines.map((l) => `  ${l}`))].join('\n');

const decisionLine = (o: OutcomeView) =>
  [moment(o.decided_at), o.entity, o.procore_id ?? '–', o.outcome, o.reason, o.field ? `field ${o.field}` : '', o.corfix_id ? `corfix ${o.corfix_id}` : '']
    .filter((part) => part !== '')
    .join('  ');

function formLine(f: FormUploadView, webUi: WebUi | undefined): string {
  const when = f.state === 'failed' ? `failed since ${moment(f.failed_at)}` : `${f.state}, next try ${moment(f.next_try_at)}`;
  const where = webUi ? webUiWorkflowUrl(webUi.url, webUi.namespace, f.workflow_id) : `workflow ${f.workflow_id}`;
  return `${f.form_id}  ${when}: ${f.last_error ?? 'no error recorded'}\n    ${where}`;
}

function overviewLines(i: IntegrationOverview): string[] {
  const s = i.initial_sync;
  return [
    `Corfix account ${i.corfix_account_id} (integration ${i.integration_id}, generation ${i.generation})`,
    columns([
      ['  Procore company', i.procore_company_id],
      ['  status', i.status],
      ['  sync state', syncStateText(i.sync_state)],
      ['  last error', i.last_error ? `${i.last_error.message} (${moment(i.last_error.at)})` : '–'],
      ['  settings', settingsText(i.settings)],
      ['  projects synced', projectSelectionText(i.settings.project_selection)],
      ['  Procore webhooks', i.webhooks.registered ? 'registered' : 'not registered (polling)'],
    ]),
    section('Progress', [
      `initial sync ${s.state ?? '–'}, phase ${s.phase ?? '–'}: projects ${s.projects.entities_done} in ${s.projects.pages_done} pages, ` +
        `users ${s.users.entities_done} in ${s.users.pages_done} pages`,
      `projects synced until ${moment(i.continuous.projects.synced_until)}, last full reconciliation ${moment(i.continuous.projects.reconciled_at)}`,
      `users synced until ${moment(i.continuous.users.synced_until)}, last full reconciliation ${moment(i.continuous.users.reconciled_at)}`,
    ]),
    section('Decisions by reason', [
      `projects  ${counts(s.outcomes.project)}`,
      `users     ${counts(s.outcomes.user)}`,
      `forms     ${counts(i.forms.outcomes)}`,
      `forms by state  ${counts(i.forms.states)}`,
    ]),
  ];
}

/** `show`: links to the integration's workflows in the Web UI and to its status page (`statusPage`: its URL, or its path on the API). */
export function integrationDetail(d: IntegrationDetail, links: { webUi: WebUi | undefined; statusPage: string }): string {
  const { webUi } = links;
  const f = d.failures;
  return [
    ...overviewLines(d.integration),
    section('Forms failed or retrying', f.forms.map((form) => formLine(form, webUi))),
    section('Records the sync could not take', f.records.map(decisionLine)),
    section(
      'Procore records without a readable id',
      f.unreadable_records.map((r) => `${moment(r.seen_at)}  ${r.entity}  ${r.list} page ${r.page} position ${r.position}  ${r.field}: ${r.problem}`),
    ),
    section('Recent decisions (newest first)', d.recent_decisions.map(decisionLine)),
    section('Links', [
      `Web UI: ${webUi ? webUiIntegrationUrl(webUi.url, webUi.namespace, d.integration.integration_id) : 'none (TEMPORAL_WEB_UI_URL is not set)'}`,
      `status page: ${links.statusPage}`,
    ]),
  ].join('\n');
}

/** What a control left: the status after it, and whether Temporal was told. */
export function controlDone(action: string, i: IntegrationOverview, signalled: boolean): string {
  const lines = [`${action}: Corfix account ${i.corfix_account_id} is ${i.status} (sync state ${syncStateText(i.sync_state)}); audited as ops`];
  if (!signalled) {
    lines.push(
      'Temporal did not answer in time: the change is saved, and the syncs follow it at their next run (the reconciler restarts what should run); run the command again to tell them now',
    );
  }
  return lines.join('\n');
}

/** How far a preview got: its phase, and the projects and users decided. */
function previewProgressText(p: Pick<PreviewView, 'progress'>): string {
  const { phase, projects, users } = p.progress;
  return `phase ${phase ?? '–'}: projects ${decidedText(projects)}, users ${decidedText(users)}`;
}

/** The problem a running preview waits out, with its next try; '–' when none. */
const problemText = (pr: PreviewView['progress']['problem']): string => (pr ? `${pr.message} ${nextTryText(pr.next_try_at)}` : '–');

/** What `preview --wait` prints (on stderr) each time the preview got further, or met a problem it waits out. */
export const previewProgressLine = (p: PreviewProgressView): string =>
  `preview ${p.preview_id} ${p.state}, ${previewProgressText(p)}${p.progress.problem ? `; waiting to try again: ${problemText(p.progress.problem)}` : ''}`;

/** A preview just started. */
export function previewStarted(p: { previewId: string; workflowId: string; corfixAccountId: string; procoreCompanyId: string }, statusPage: string): string {
  return [
    `preview: started preview ${p.previewId} of connecting Procore company ${p.procoreCompanyId} to Corfix account ${p.corfixAccountId} (workflow ${p.workflowId}); it writes nothing`,
    `  follow it: npm run ops -- preview-show ${p.previewId}`,
    `  status page: ${statusPage}`,
  ].join('\n');
}

/** `preview-show` (and `preview --wait` once it ended): state, progress, counts as asked and with Adopt existing the other way, links. */
export function previewDetail(p: PreviewView, links: { webUi: WebUi | undefined; statusPage: string }): string {
  const other = p.with_adopt_existing_toggled;
  const { webUi } = links;
  return [
    `Preview ${p.preview_id} of connecting Procore company ${p.procore_company_id} to Corfix account ${p.corfix_account_id}`,
    columns([
      ['  state', p.state],
      ['  error', p.error ?? '–'],
      ['  waiting', problemText(p.progress.problem)],
      ['  settings', settingsText(p.settings)],
      ['  asked', moment(p.created_at)],
      ['  completed', moment(p.completed_at)],
    ]),
    section('Progress', [
      previewProgressText(p),
      `Procore records without a readable id: ${p.progress.unreadable_records}`,
    ]),
    section(`Decisions by reason (Adopt existing ${onOff(p.settings.adopt_existing)})`, [
      `projects  ${counts(p.counts.project)}`,
      `users     ${counts(p.counts.user)}`,
    ]),
    section(`With Adopt existing ${onOff(other.adopt_existing)} (${changedText(other.changed)} decided otherwise)`, [
      `projects  ${counts(other.counts.project)}`,
      `users     ${counts(other.counts.user)}`,
    ]),
    section('Links', [
      `lines: GET ${p.outcomes_url}`,
      `status page: ${links.statusPage}`,
      `Web UI: ${webUi ? webUiWorkflowUrl(webUi.url, webUi.namespace, p.workflow_id) : 'none (TEMPORAL_WEB_UI_URL is not set)'}`,
    ]),
  ].join('\n');
}
