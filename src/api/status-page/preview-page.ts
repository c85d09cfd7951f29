// The previews of a connect on the status page: a table of previews (on the
// page of every integration and on an account's page, connected or not), and
// GET /status/previews/{id}: one preview's settings, state, counts by reason
// as asked and with Adopt existing the other way, and the Procore records
// that collide with the Corfix account's or would be adopted, with the Corfix
// records in question, a page at a time.
import { PREVIEW_KEPT_DAYS } from '../../db/repositories/previews.js';
import { webUiWorkflowUrl, type WebUi } from '../../temporal/web-ui.js';
import type { PreviewDetail, PreviewOutcomeView, PreviewView } from '../preview-overview.js';
import { changedText, counts, decidedText, moment, nextTryText, onOff, settingsText } from '../overview-text.js';
import { integrationStatusPath, previewStatusPagePath, STATUS_PAGE_PATH } from '../status-page-paths.js';
import { html, link, page, state, table, type Html, type HtmlValue } from './html.js';

/** Previews, newest first: state, when, counts; `withAccount` adds the account (the list of every account's). */
export function previewsTable(previews: readonly PreviewView[], withAccount: boolean, empty = 'No previews.'): Html {
  const headers = [
    'Preview',
    ...(withAccount ? ['Corfix account'] : []),
    'Procore company',
    'State',
    'Asked',
    'Completed',
    'Projects',
    'Users',
    'Adopt existing the other way changes',
  ];
  const rows = previews.map((p) => [
    link(previewStatusPagePath(p.preview_id), p.preview_id),
    ...(withAccount ? [link(integrationStatusPath(p.corfix_account_id), p.corfix_account_id)] : []),
    p.procore_company_id,
    state(p.state),
    moment(p.created_at),
    moment(p.completed_at),
    counts(p.counts.project),
    counts(p.counts.user),
    changedText(p.with_adopt_existing_toggled.changed),
  ]);
  return table(headers, rows, empty);
}

/** The problem a running preview waits out, with its next try. */
const problem = (pr: PreviewView['progress']['problem']): HtmlValue =>
  pr ? html`${pr.message} <span class="none">${nextTryText(pr.next_try_at)}</span>` : '–';

function summary(p: PreviewView, webUi: WebUi | undefined): Html {
  const item = (term: string, value: HtmlValue) => html`<dt>${term}</dt><dd>${value}</dd>`;
  return html`<dl>
${item('Preview id', p.preview_id)}
${item('Corfix account', link(integrationStatusPath(p.corfix_account_id), p.corfix_account_id))}
${item('Procore company', p.procore_company_id)}
${item('State', state(p.state))}
${item('Error', p.error ?? '–')}
${item('Waiting to try again', problem(p.progress.problem))}
${item('Settings', settingsText(p.settings))}
${item('Phase', p.progress.phase ?? '–')}
${item('Projects', decidedText(p.progress.projects))}
${item('Users', decidedText(p.progress.users))}
${item('Procore records without a readable id', p.progress.unreadable_records)}
${item('Asked', moment(p.created_at))}
${item('Completed', moment(p.completed_at))}
${item('Workflow', webUi ? link(webUiWorkflowUrl(webUi.url, webUi.namespace, p.workflow_id), p.workflow_id) : p.workflow_id)}
</dl>`;
}

/** Per entity and reason: as asked, and with Adopt existing the other way. */
function countsTable(p: PreviewView): Html {
  const other = p.with_adopt_existing_toggled;
  const rows = (['project', 'user'] as const).flatMap((entity) => {
    const asAsked = p.counts[entity];
    const otherWay = other.counts[entity];
    const reasons = [...new Set([...Object.keys(asAsked), ...Object.keys(otherWay)])];
    return reasons.map((reason) => [entity, reason, asAsked[reason] ?? 0, otherWay[reason] ?? 0]);
  });
  return table(['Entity', 'Reason', `As asked (Adopt existing ${onOff(p.settings.adopt_existing)})`, `With Adopt existing ${onOff(other.adopt_existing)}`], rows, 'No decisions yet.');
}

const collisionRow = (o: PreviewOutcomeView) => [
  o.entity,
  o.procore_id,
  o.outcome,
  o.reason,
  o.corfix_ids.length === 0 ? '–' : o.corfix_ids.join(', '),
  o.other ? `${o.other.outcome} (${o.other.reason})` : 'the same',
];

function collisions(d: PreviewDetail): Html {
  const c = d.collisions;
  const p = d.preview;
  const pages = Math.max(1, Math.ceil(c.total / c.per_page));
  const pageLink = (n: number, text: string) => link(`${previewStatusPagePath(p.preview_id)}?page=${n}`, text);
  const nav =
    pages > 1
      ? html`<nav>Page ${c.page} of ${pages}: ${c.page > 1 ? pageLink(Math.min(c.page - 1, pages), 'previous') : ''} ${c.page < pages ? pageLink(c.page + 1, 'next') : ''}</nav>`
      : '';
  return html`<p>${c.total} line${c.total === 1 ? '' : 's'}: Procore records whose number, name or email a Corfix record already has (number_exists, name_exists, email_exists, ambiguous_match), or that would be linked to it (adopted). All lines: <code>GET ${p.outcomes_url}</code> (API token).</p>
${nav}
${table(['Entity', 'Procore id', 'Outcome', 'Reason', 'Corfix records', `With Adopt existing ${onOff(p.with_adopt_existing_toggled.adopt_existing)}`], c.data.map(collisionRow), 'None.')}
${nav}`;
}

export function previewPage(d: PreviewDetail, webUi: WebUi | undefined): string {
  const p = d.preview;
  const other = p.with_adopt_existing_toggled;
  return page(
    `Preview ${p.preview_id}: Corfix ⇄ Procore`,
    html`<nav>${link(STATUS_PAGE_PATH, 'All integrations')} ${link(integrationStatusPath(p.corfix_account_id), `Corfix account ${p.corfix_account_id}`)}</nav>
<h1>Preview of connecting Procore company ${p.procore_company_id} to Corfix account ${p.corfix_account_id}</h1>
<p>What the initial sync would decide for each Procore project and user; nothing was written to Corfix, Procore or any integration.</p>
${summary(p, webUi)}
<h2>Decisions by reason</h2>
${countsTable(p)}
<h2>What Adopt existing ${onOff(other.adopt_existing)} changes</h2>
<p>${changedText(other.changed)} would be decided otherwise.</p>
<h2>Collisions and adoptions</h2>
${collisions(d)}`,
  );
}

export function unknownPreviewPage(previewId: string): string {
  return page(
    'Unknown preview: Corfix ⇄ Procore',
    html`<nav>${link(STATUS_PAGE_PATH, 'All integrations')}</nav>
<h1>There is no preview ${previewId}</h1>
<p>Previews are kept ${PREVIEW_KEPT_DAYS} days.</p>`,
  );
}

/** An account's previews, on its own page. */
export const previewsSection = (previews: readonly PreviewView[]): Html => html`<h2>Previews (newest first)</h2>
${previewsTable(previews, false, 'No previews.')}`;
