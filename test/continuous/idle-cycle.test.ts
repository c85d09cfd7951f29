// An idle cycle costs Procore only what it must read (issue: "an idle cycle
// reads only what changed (the filtered lists) plus the inactive list"): the
// project list and the active users filtered by updated_at, and every page of
// the inactive users (Procore cannot filter that list). No GET /me, no
// unfiltered list, no Corfix call at all. One cycle at a time is woken here
// by the loop's own signal, with the poll interval far away.
import { continuousSyncStatus, notifyProcoreChange } from '../../src/client.js';
import type { ContinuousEntity } from '../../src/workflows/continuous-messages.js';
import { eventually } from '../support/eventually.js';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness.js';

let h: SyncHarness;
const HOUR = 60 * 60_000;

beforeAll(async () => {
  h = await startSyncHarness({ name: 'idle-cycle', corfixAccounts: ['acc_idle'] });
  await h.startWorker({ pollIntervalMs: HOUR, fullSyncIntervalMs: 24 * HOUR });
});
afterAll(async () => h?.stop());

/** Wakes one loop for one cycle and answers what the cycle asked of Procore and of Corfix, by route and query. */
async function oneCycle(integrationId: string, entity: ContinuousEntity): Promise<{ procore: string[]; corfix: string[] }> {
  const cycles = async () => (await continuousSyncStatus(h.temporal.client, integrationId, entity)).cycles;
  const before = await cycles();
  const procore: string[] = [];
  const corfix: string[] = [];
  const describe = (route: string, query: unknown) => {
    const q = query as Record<string, string>;
    const filtered = q['filters[updated_at]'] !== undefined ? ' filtered' : '';
    return `${route}${filtered}${q['page'] ? ` page ${q['page']}` : ''}`;
  };
  const stopProcore = h.procore.faults.observe(({ phase, route, request }) => {
    if (phase === 'response') procore.push(describe(route, request.query));
  });
  const stopCorfix = h.corfix.faults.observe(({ phase, route, request }) => {
    if (phase === 'response') corfix.push(describe(route, request.query));
  });
  try {
    expect(await notifyProcoreChange(h.temporal.client, integrationId, entity)).toBe(true);
    await eventually(async () => ((await cycles()) > before ? true : undefined));
  } finally {
    stopProcore();
    stopCorfix();
  }
  expect(await cycles()).toBe(before + 1);
  return { procore: procore.sort(), corfix };
}

test('an idle cycle reads the filtered lists and the inactive pages, nothing else', async () => {
  const company = h.procore.state.addCompany({ name: 'Idle' });
  // 300 active and 250 inactive users: the simulator serves the inactive list 100 at a time, so three pages.
  h.procore.state.generateUsers(company.id, 300, { is_active: true, is_employee: false });
  h.procore.state.generateUsers(company.id, 250, { is_active: false });
  h.procore.state.generateProjects(company.id, 5);
  // A company whose records last changed an hour ago: each cycle reads again the two minutes
  // before its cursor (clock skew), and records changed in them would be read again.
  const anHourAgo = new Date(Date.now() - HOUR).toISOString();
  for (const record of [...h.procore.state.usersOf(company.id), ...h.procore.state.projectsOf(company.id)]) record.updated_at = anHourAgo;
  // Sync Employees Only and non-employees: the connect creates no workers, so it stays quick.
  const connected = await h.connect({ corfix_account_id: 'acc_idle', procore_company_id: String(company.id), sync_employees_only: true });
  const integrationId = connected.json['integration_id'] as string;
  await h.connectResult(integrationId);
  // The loops' first cycles (right after the connect) are behind us.
  await eventually(async () => {
    const [users, projects] = await Promise.all(
      (['users', 'projects'] as const).map((entity) => continuousSyncStatus(h.temporal.client, integrationId, entity).catch(() => undefined)),
    );
    return users && projects && users.cycles >= 1 && projects.cycles >= 1 && users.phase === 'waiting' && projects.phase === 'waiting' ? true : undefined;
  });

  const users = await oneCycle(integrationId, 'users');
  expect(users.procore).toEqual([
    'GET /rest/v1.0/companies/:company_id/users/inactive page 1',
    'GET /rest/v1.0/companies/:company_id/users/inactive page 2',
    'GET /rest/v1.0/companies/:company_id/users/inactive page 3',
    'GET /rest/v1.3/companies/:company_id/users filtered page 1',
  ]);
  expect(users.corfix).toEqual([]);

  const projects = await oneCycle(integrationId, 'projects');
  expect(projects.procore).toEqual(['GET /rest/v1.1/projects filtered page 1']);
  expect(projects.corfix).toEqual([]);
}, 120_000);
