// What `npm run demo` prints at its end: the report table, the Documents tree and the links.
import { documentsTree, linkLines, summaryRows, summaryTable } from '../../src/dev/demo-summary.js';
import type { DocumentsFolder } from '../../src/dev/demo-api.js';

const status = {
  initial_sync: {
    outcomes: {
      project: { completed_not_in_corfix: 7, created: 48, template: 1 },
      user: { email_exists: 2, created: 352, service_account: 1 },
    },
  },
  forms: { outcomes: { new_version: 2, uploaded: 3, project_not_linked: 1 } },
} as unknown as Parameters<typeof summaryRows>[0];

test('rows by entity: what was done, then the skips in the order the rules decide them', () => {
  expect(summaryRows(status).map((r) => `${r.entity} ${r.outcome} ${r.reason} ${r.count}`)).toEqual([
    'project created created 48',
    'project skipped template 1',
    'project skipped completed_not_in_corfix 7',
    'user created created 352',
    'user skipped service_account 1',
    'user skipped email_exists 2',
    'form created uploaded 3',
    'form updated new_version 2',
    'form skipped project_not_linked 1',
  ]);
});

test('the table pads its columns, aligns counts right and totals each entity', () => {
  const lines = summaryTable(summaryRows(status));
  expect(lines[0]).toBe('entity   outcome  reason                   count');
  expect(lines).toContain('project  skipped  completed_not_in_corfix      7');
  expect(lines).toContain('user     created  created                    352');
  expect(lines.at(-1)).toBe('total: 56 projects, 355 users, 6 forms');
});

test('the Documents tree: folders first (the Recycle Bin last), files by name with their versions', () => {
  const file = (name: string, versions: number) => ({ name, versions: Array.from({ length: versions }, (_, i) => ({ number: i + 1, size: 10 })) });
  const root: DocumentsFolder = {
    name: 'Documents',
    is_recycle_bin: false,
    files: [],
    folders: [
      { name: 'Recycle Bin', is_recycle_bin: true, files: [], folders: [] },
      {
        name: 'Corfix Forms',
        is_recycle_bin: false,
        files: [],
        folders: [
          { name: '2026-05', is_recycle_bin: false, files: [file('Toolbox Talk 2026-05-13.pdf', 1), file('Daily Site Diary 2026-05-13.pdf', 2)], folders: [] },
          { name: '2026-04', is_recycle_bin: false, files: [file('Incident Report 2026-04-21.pdf', 1)], folders: [] },
        ],
      },
    ],
  };
  expect(documentsTree(root)).toEqual([
    'Documents',
    '├── Corfix Forms/',
    '│   ├── 2026-04/',
    '│   │   └── Incident Report 2026-04-21.pdf  (1 version)',
    '│   └── 2026-05/',
    '│       ├── Daily Site Diary 2026-05-13.pdf  (2 versions)',
    '│       └── Toolbox Talk 2026-05-13.pdf  (1 version)',
    '└── Recycle Bin/',
  ]);
});

test("the links: the Web UI's list of the integration's workflows, with its query, and the API", () => {
  const lines = linkLines({
    webUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    integrationId: '3f1c',
    apiUrl: 'http://127.0.0.1:3000',
    accountId: 'acc_demo',
  });
  expect(lines[0]).toContain('http://127.0.0.1:8233/namespaces/default/workflows?query=IntegrationId%20%3D%20%223f1c%22');
  expect(lines).toContain('  (the list\'s query: IntegrationId = "3f1c")');
  expect(lines).toContain('status (JSON): http://127.0.0.1:3000/v1/integrations/acc_demo');
  expect(lines).toContainEqual(expect.stringMatching(/^status page: http:\/\/127\.0\.0\.1:3000\/status\/acc_demo /));
  expect(linkLines({ webUiUrl: undefined, namespace: 'default', integrationId: '3f1c', apiUrl: 'http://x', accountId: 'a' })[0]).toMatch(/not known/);
});
