// What `npm run demo` prints at the end, as plain lines: the sync report as
// a table (entity, outcome, reason, count), a project's Procore Documents as
// a tree, and the links into the Temporal Web UI and the API.
import { integrationStatusPath, STATUS_PAGE_PATH } from '../api/status-page-paths.js';
import { isReason, outcomeOfReason, type Outcome, PROJECT_REASONS, USER_REASONS, FORM_REASONS, SYNC_ENTITIES } from '../domain/sync-outcome.js';
import { integrationWorkflowsQuery, webUiIntegrationUrl } from '../temporal/web-ui.js';
import type { DocumentsFolder, IntegrationStatus } from './demo-api.js';

export interface SummaryRow {
  entity: (typeof SYNC_ENTITIES)[number];
  outcome: string;
  reason: string;
  count: number;
}

const REASON_ORDER: Record<SummaryRow['entity'], readonly string[]> = { project: PROJECT_REASONS, user: USER_REASONS, form: FORM_REASONS };
/** What was done first, then what was left alone, then what failed. */
const OUTCOME_ORDER: readonly Outcome[] = ['created', 'linked', 'updated', 'blocked', 'unblocked', 'skipped', 'failed'];
const rank = (list: readonly string[], value: string) => (list.includes(value) ? list.indexOf(value) : list.length);

/** The status API's counts by reason, one row per entity, outcome and reason: what was done, then what was left alone in the order the rules decide it. */
export function summaryRows(status: Pick<IntegrationStatus, 'initial_sync' | 'forms'>): SummaryRow[] {
  const counts: Array<[SummaryRow['entity'], Record<string, number>]> = [
    ['project', status.initial_sync.outcomes.project],
    ['user', status.initial_sync.outcomes.user],
    ['form', status.forms.outcomes],
  ];
  const rows = counts.flatMap(([entity, byReason]) =>
    Object.entries(byReason).map(([reason, count]) => ({ entity, reason, count, outcome: isReason(reason) ? outcomeOfReason(reason) : '?' })),
  );
  return rows.sort(
    (a, b) =>
      rank(SYNC_ENTITIES, a.entity) - rank(SYNC_ENTITIES, b.entity) ||
      rank(OUTCOME_ORDER, a.outcome) - rank(OUTCOME_ORDER, b.outcome) ||
      rank(REASON_ORDER[a.entity], a.reason) - rank(REASON_ORDER[b.entity], b.reason) ||
      a.reason.localeCompare(b.reason),
  );
}

/** Columns padded to their widest cell; numbers aligned right. */
export function table(header: string[], rows: Array<Array<string | number>>): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)];
}

/** The report as a table, with each entity's total. */
export function summaryTable(rows: SummaryRow[]): string[] {
  const totals = SYNC_ENTITIES.map((entity) => [entity, rows.filter((r) => r.entity === entity).reduce((n, r) => n + r.count, 0)] as const);
  return [
    ...table(
      ['entity', 'outcome', 'reason', 'count'],
      rows.map((r) => [r.entity, r.outcome, r.reason, r.count]),
    ),
    `total: ${totals.map(([entity, n]) => `${n} ${entity}s`).join(', ')}`,
  ];
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

/** A folder tree as `tree` draws it: folders first (the Recycle Bin last), then files, by name; each file with its number of versions. */
export function documentsTree(root: DocumentsFolder): string[] {
  const lines = [root.name];
  const walk = (folder: DocumentsFolder, prefix: string) => {
    const folders = [...folder.folders].sort((a, b) => Number(a.is_recycle_bin) - Number(b.is_recycle_bin) || byName(a, b));
    const entries: Array<{ label: string; folder?: DocumentsFolder }> = [
      ...folders.map((f) => ({ label: `${f.name}/`, folder: f })),
      ...[...folder.files].sort(byName).map((f) => ({ label: `${f.name}  (${f.versions.length === 1 ? '1 version' : `${f.versions.length} versions`})` })),
    ];
    entries.forEach((entry, i) => {
      const last = i === entries.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${entry.label}`);
      if (entry.folder) walk(entry.folder, `${prefix}${last ? '    ' : '│   '}`);
    });
  };
  walk(root, '');
  return lines;
}

export interface DemoLinks {
  /** undefined when Temporal was given (TEMPORAL_ADDRESS) without TEMPORAL_WEB_UI_URL */
  webUiUrl: string | undefined;
  namespace: string;
  integrationId: string;
  apiUrl: string;
  accountId: string;
}

export function linkLines(links: DemoLinks): string[] {
  const query = integrationWorkflowsQuery(links.integrationId);
  const status = `${links.apiUrl}/v1/integrations/${encodeURIComponent(links.accountId)}`;
  return [
    links.webUiUrl
      ? `Temporal Web UI, this integration's workflows: ${webUiIntegrationUrl(links.webUiUrl, links.namespace, links.integrationId)}`
      : 'Temporal Web UI: not known (set TEMPORAL_WEB_UI_URL beside TEMPORAL_ADDRESS)',
    `  (the list's query: ${query})`,
    `API: ${links.apiUrl} (OpenAPI at ${links.apiUrl}/openapi.json)`,
    `status page: ${links.apiUrl}${integrationStatusPath(links.accountId)} (every integration: ${links.apiUrl}${STATUS_PAGE_PATH}; any user name, the API token as password)`,
    `status (JSON): ${status}`,
    `report: ${status}/outcomes`,
  ];
}
