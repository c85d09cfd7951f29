// GET /: every account's integration in one table, with links to each one's
// page and to its workflows in the Temporal Web UI; then the newest previews
// of a connect, each linking to its page and its account's.
import { syncStateQuery, webUiIntegrationUrl, webUiListUrl, type WebUi } from '../../temporal/web-ui.js';
import type { IntegrationOverview } from '../integration-overview.js';
import type { PreviewView } from '../preview-overview.js';
import { integrationStatusPath } from '../status-page-paths.js';
import { counts, moment, shorten } from '../overview-text.js';
import { html, link, page, state, table, type Html } from './html.js';
import { previewsTable } from './preview-page.js';

/** How long a last error may be in a table cell. */
const ERROR_CELL = 160;

/** The sync state with since when, and when it tries again while retrying. */
export function syncStateCell(s: IntegrationOverview['sync_state']): Html {
  if (s.state === 'ok') return state('ok');
  const next = s.state === 'retrying' && s.next_try_at ? html`<br>next try ${moment(s.next_try_at)}` : '';
  return html`${state(s.state)} since ${moment(s.since)}${next}`;
}

/** Links to the Web UI's lists of workflows retrying and failed, across integrations. */
export function syncStateLinks(webUi: WebUi | undefined): Html {
  if (!webUi) return html`<p class="none">No Temporal Web UI links: TEMPORAL_WEB_UI_URL is not set.</p>`;
  const list = (s: 'retrying' | 'failed') => link(webUiListUrl(webUi.url, webUi.namespace, syncStateQuery(s)), `${syncStateQuery(s)} in the Web UI`);
  return html`<nav>${list('retrying')} ${list('failed')}</nav>`;
}

function row(i: IntegrationOverview, webUi: WebUi | undefined) {
  return [
    link(integrationStatusPath(i.corfix_account_id), i.corfix_account_id),
    i.procore_company_id,
    state(i.status),
    syncStateCell(i.sync_state),
    i.last_error ? html`<span title="${i.last_error.message}">${shorten(i.last_error.message, ERROR_CELL)}</span>` : '–',
    counts(i.initial_sync.outcomes.project),
    counts(i.initial_sync.outcomes.user),
    counts(i.forms.states),
    webUi ? link(webUiIntegrationUrl(webUi.url, webUi.namespace, i.integration_id), 'workflows') : '–',
  ];
}

/** `previews`: every account's newest previews of a connect (an account not connected yet is reached through them). */
export function integrationsPage(integrations: readonly IntegrationOverview[], previews: readonly PreviewView[], webUi: WebUi | undefined): string {
  const headers = ['Corfix account', 'Procore company', 'Status', 'Sync state', 'Last error', 'Projects', 'Users', 'Forms', 'Web UI'];
  return page(
    'Corfix ⇄ Procore integrations',
    html`<h1>Corfix ⇄ Procore integrations</h1>
<p>${integrations.length} integration${integrations.length === 1 ? '' : 's'} (each account's current one), read from Postgres.</p>
${syncStateLinks(webUi)}
${table(headers, integrations.map((i) => row(i, webUi)), 'No integrations yet.')}
<h2>Recent previews of a connect (newest first)</h2>
${previewsTable(previews, true, 'No previews yet.')}`,
  );
}
