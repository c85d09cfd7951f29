// GET /status/{account}: one integration: where it stands, its progress, its
// counts, what went wrong (forms, records) and its latest decisions, with
// links into the Temporal Web UI, and the account's previews of a connect
// (also for an account that has none but previews).
import { webUiIntegrationUrl, webUiWorkflowUrl, type WebUi } from '../../temporal/web-ui.js';
import type { FormUploadView, IntegrationDetail, IntegrationOverview, OutcomeView } from '../integration-overview.js';
import type { PreviewView } from '../preview-overview.js';
import { STATUS_PAGE_PATH } from '../status-page-paths.js';
import { counts, moment, projectSelectionText, settingsText } from '../overview-text.js';
import { html, link, page, state, table, type Html, type HtmlValue } from './html.js';
import { syncStateCell, syncStateLinks } from './integrations-page.js';
import { previewsSection } from './preview-page.js';

function summary(i: IntegrationOverview): Html {
  const item = (term: string, value: HtmlValue) => html`<dt>${term}</dt><dd>${value}</dd>`;
  return html`<dl>
${item('Integration id', i.integration_id)}
${item('Procore company', i.procore_company_id)}
${item('Generation', i.generation)}
${item('Status', state(i.status))}
${item('Sync state', syncStateCell(i.sync_state))}
${item('Last error', i.last_error ? html`${i.last_error.message} <span class="none">(${moment(i.last_error.at)})</span>` : '–')}
${item('Settings', settingsText(i.settings))}
${item('Projects synced', projectSelectionText(i.settings.project_selection))}
${item('Procore webhooks', i.webhooks.registered ? 'registered' : 'not registered (polling)')}
${item('Connected', moment(i.created_at))}
${item('Updated', moment(i.updated_at))}
</dl>`;
}

function progress(i: IntegrationOverview): Html {
  const s = i.initial_sync;
  const initial = table(
    ['Initial sync', 'Phase', 'Project pages', 'Projects', 'User pages', 'Users'],
    [[s.state ? state(s.state) : '–', s.phase ?? '–', s.projects.pages_done, s.projects.entities_done, s.users.pages_done, s.users.entities_done]],
  );
  const loop = (name: string, p: IntegrationOverview['continuous']['users']) => [name, moment(p.synced_until), moment(p.reconciled_at)];
  const continuous = table(
    ['Continuous sync', 'Procore changes synced until', 'Last full reconciliation'],
    [loop('projects', i.continuous.projects), loop('users', i.continuous.users)],
  );
  return html`${initial}${continuous}`;
}

function outcomeCounts(i: IntegrationOverview): Html {
  const rows = (entity: string, byReason: Readonly<Record<string, number>>) =>
    Object.entries(byReason).map(([reason, n]) => [entity, reason, n]);
  return html`${table(
    ['Entity', 'Reason', 'Count'],
    [...rows('project', i.initial_sync.outcomes.project), ...rows('user', i.initial_sync.outcomes.user), ...rows('form', i.forms.outcomes)],
    'No decisions yet.',
  )}
<p>Forms by state: ${counts(i.forms.states)}</p>`;
}

const decisionRow = (o: OutcomeView) => [moment(o.decided_at), o.entity, o.procore_id ?? '–', o.outcome, o.reason, o.field ?? '–', o.corfix_id ?? '–'];
const DECISION_HEADERS = ['Decided', 'Entity', 'Procore id', 'Outcome', 'Reason', 'Field', 'Corfix id'];

function formRow(f: FormUploadView, webUi: WebUi | undefined) {
  const when = f.state === 'failed' ? `failed ${moment(f.failed_at)}` : `next try ${moment(f.next_try_at)}`;
  return [f.form_id, state(f.state), f.last_error ?? '–', when, webUi ? link(webUiWorkflowUrl(webUi.url, webUi.namespace, f.workflow_id), 'workflow') : f.workflow_id];
}

function failures(d: IntegrationDetail, webUi: WebUi | undefined): Html {
  const f = d.failures;
  return html`<h3>Forms failed or retrying</h3>
${table(['Corfix form', 'State', 'Last error', 'When', 'Upload'], f.forms.map((form) => formRow(form, webUi)))}
<h3>Records the sync could not take</h3>
${table(DECISION_HEADERS, f.records.map(decisionRow))}
<h3>Procore records without a readable id</h3>
${table(
  ['Seen', 'Entity', 'List', 'Page', 'Position', 'Field', 'Problem'],
  f.unreadable_records.map((r) => [moment(r.seen_at), r.entity, r.list, r.page, r.position, r.field, r.problem]),
)}`;
}

function links(i: IntegrationOverview, webUi: WebUi | undefined): Html {
  const workflows = webUi ? link(webUiIntegrationUrl(webUi.url, webUi.namespace, i.integration_id), "This integration's workflows in the Web UI") : '';
  return html`<nav>${link(STATUS_PAGE_PATH, 'All integrations')} ${workflows}</nav>`;
}

/** `previews`: the account's newest previews of a connect. */
export function integrationPage(d: IntegrationDetail, previews: readonly PreviewView[], webUi: WebUi | undefined): string {
  const i = d.integration;
  return page(
    `${i.corfix_account_id}: Corfix ⇄ Procore`,
    html`${links(i, webUi)}
<h1>Corfix account ${i.corfix_account_id}</h1>
${summary(i)}
<h2>Progress</h2>
${progress(i)}
<h2>Decisions by reason</h2>
${outcomeCounts(i)}
<h2>Failures</h2>
${failures(d, webUi)}
<h2>Recent decisions (newest first)</h2>
${table(DECISION_HEADERS, d.recent_decisions.map(decisionRow), 'No decisions yet.')}
${previewsSection(previews)}
<h2>Temporal</h2>
${syncStateLinks(webUi)}`,
  );
}

/** An account with previews of a connect but no integration (previews come before a connect). */
export function previewsOnlyPage(accountId: string, previews: readonly PreviewView[]): string {
  return page(
    `${accountId}: Corfix ⇄ Procore`,
    html`<nav>${link(STATUS_PAGE_PATH, 'All integrations')}</nav>
<h1>Corfix account ${accountId}</h1>
<p>This account has no integration: it was never connected to a Procore company.</p>
${previewsSection(previews)}`,
  );
}

export function notConnectedPage(accountId: string): string {
  return page(
    'Not connected: Corfix ⇄ Procore',
    html`<nav>${link(STATUS_PAGE_PATH, 'All integrations')}</nav>
<h1>Corfix account ${accountId} has never been connected</h1>`,
  );
}
