// The previews' HTML on the status page, built from the read model alone: a
// table of previews (with the account column on the list of every account's),
// and one preview's page, whose collisions go a page at a time with links
// only where there is somewhere to go. Every value escaped.
import type { PreviewDetail, PreviewView } from '../../src/api/preview-overview.js';
import { previewPage, previewsTable } from '../../src/api/status-page/preview-page.js';

const ID = '0b0c7e1e-6f4e-4d8a-9c55-2b7f3f0d9a11';

const view = (overrides: Partial<PreviewView> = {}): PreviewView => ({
  preview_id: ID,
  corfix_account_id: 'acc_html',
  procore_company_id: '4400000001',
  settings: { sync_employees_only: false, auto_activate_workers: true, sync_forms: false, adopt_existing: false, project_selection: { mode: 'all' } },
  state: 'running',
  error: null,
  progress: {
    phase: 'users',
    projects: { pages_done: 2, entities_done: 150 },
    users: { pages_done: 1, entities_done: 40 },
    unreadable_records: 0,
    problem: { message: 'Procore answered 429 <slow down>', next_try_at: '2026-11-30T10:05:00.000Z' },
  },
  counts: { project: { created: 140, number_exists: 10 }, user: { email_exists: 1 } },
  with_adopt_existing_toggled: { adopt_existing: true, counts: { project: { created: 140, adopted: 10 }, user: { adopted: 1 } }, changed: { project: 10, user: 1 } },
  created_at: '2026-11-30T10:00:00.000Z',
  completed_at: null,
  workflow_id: `preview/${ID}`,
  outcomes_url: `/v1/previews/${ID}/outcomes`,
  ...overrides,
});

const detail = (page: number, total: number, perPage = 2): PreviewDetail => ({
  preview: view(),
  collisions: {
    data: [{ entity: 'user', procore_id: '7', outcome: 'skipped', reason: 'email_exists', field: null, corfix_ids: ['wkr_"7"'], other: { adopt_existing: true, outcome: 'adopted', reason: 'adopted' } }],
    page,
    per_page: perPage,
    total,
  },
});

test('a table of previews: the account column only on the list of every account, counts and what the toggle changes', () => {
  const own = previewsTable([view()], false).text;
  expect(own).not.toContain('<th>Corfix account</th>');
  expect(own).toContain(`<a href="/status/previews/${ID}">${ID}</a>`);
  expect(own).toContain('<span class="state-running">running</span>');
  expect(own).toContain('<td>created 140 · number_exists 10</td>');
  expect(own).toContain('<td>10 projects and 1 user</td>');
  const every = previewsTable([view()], true).text;
  expect(every).toContain('<th>Corfix account</th>');
  expect(every).toContain('<a href="/status/acc_html">acc_html</a>');
  expect(previewsTable([], true, 'No previews yet.').text).toBe('<p class="none">No previews yet.</p>');
});

test('one page of collisions: no paging links', () => {
  const html = previewPage(detail(1, 1), undefined);
  expect(html).not.toContain('Page 1 of');
  expect(html).toContain('<td>wkr_&quot;7&quot;</td><td>adopted (adopted)</td>');
  // without the Web UI, the workflow id as text
  expect(html).toContain(`<dd>preview/${ID}</dd>`);
});

test('the middle page links both ways, the last only back, a page past the end back to the last', () => {
  const middle = previewPage(detail(2, 5), undefined);
  expect(middle).toContain(`Page 2 of 3: <a href="/status/previews/${ID}?page=1">previous</a> <a href="/status/previews/${ID}?page=3">next</a>`);
  const last = previewPage(detail(3, 5), undefined);
  expect(last).toContain(`Page 3 of 3: <a href="/status/previews/${ID}?page=2">previous</a> </nav>`);
  const beyond = previewPage(detail(9, 5), undefined);
  expect(beyond).toContain(`Page 9 of 3: <a href="/status/previews/${ID}?page=3">previous</a> </nav>`);
});

test("a running preview's page says how far it got, and the problem it waits out", () => {
  const html = previewPage(detail(1, 1), undefined);
  expect(html).toContain('<dt>Phase</dt><dd>users</dd>');
  expect(html).toContain('<dt>Projects</dt><dd>150 decided in 2 pages</dd>');
  expect(html).toContain('<dt>Completed</dt><dd>–</dd>');
  expect(html).toContain('<dt>Waiting to try again</dt><dd>Procore answered 429 &lt;slow down&gt; <span class="none">(next try 2026-11-30 10:05:00 UTC)</span></dd>');
});
