// Paging through large lists: every record exactly once, whatever page size
// the server actually uses, and any single page fetchable by number.
import { collect, startHarness, type Harness } from './harness.js';

let h: Harness;
let activeIds: string[];
let inactiveIds: string[];

beforeAll(async () => {
  // The server clamps below what the client asks for (1000), so the client
  // must go by Per-Page and Link rather than by its own request.
  h = await startHarness({ maxPerPage: { projects: 300, users: 700, inactiveUsers: 100 } });
  const created = await fetch(`${h.sim.url}/__admin/companies/${h.company.id}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ generate: { count: 2500 } }),
  });
  expect(created.status).toBe(201);
  h.sim.state.generateUsers(h.company.id, 250, { is_active: false });
  activeIds = h.sim.state.usersOf(h.company.id).filter((u) => u.is_active).map((u) => String(u.id));
  inactiveIds = h.sim.state.usersOf(h.company.id).filter((u) => !u.is_active).map((u) => String(u.id));
});
afterAll(async () => {
  await h.sim.stop();
});

test('2,500 users (plus the service account) come back exactly once each, in pages of the clamped size', async () => {
  const client = h.client();
  const pages = [];
  for await (const page of client.activeUserPages({})) pages.push(page);
  expect(pages.map((p) => [p.page, p.items.length, p.perPage, p.hasNext])).toEqual([
    [1, 700, 700, true],
    [2, 700, 700, true],
    [3, 700, 700, true],
    [4, 401, 700, false],
  ]);
  expect(pages.every((p) => p.total === 2501)).toBe(true);
  const ids = pages.flatMap((p) => p.items.map((u) => u.id));
  expect(ids).toHaveLength(2501);
  expect(new Set(ids).size).toBe(2501);
  expect([...ids].sort()).toEqual([...activeIds].sort());
});

test('inactive users: the client asks 1000, the server uses 100, all 250 come back once', async () => {
  const users = await collect(h.client().inactiveUserPages());
  expect(users.map((u) => u.id).sort()).toEqual([...inactiveIds].sort());
});

test('one page by number: items, whether a next page exists, and the total', async () => {
  const client = h.client();
  const third = await client.activeUsersPage({}, 3);
  expect(third.items.map((u) => u.id)).toEqual(activeIds.slice(1400, 2100));
  expect(third).toMatchObject({ page: 3, total: 2501, hasNext: true, nextPage: 4 });
  const last = await client.activeUsersPage({}, 4);
  expect(last).toMatchObject({ hasNext: false, nextPage: null });
  const beyond = await client.activeUsersPage({}, 9);
  expect(beyond).toMatchObject({ items: [], hasNext: false, total: 2501 });
});

test('resuming the walk at a page number picks up where an earlier activity stopped', async () => {
  const rest = await collect(h.client().activeUserPages({}, 3));
  expect(rest.map((u) => u.id)).toEqual(activeIds.slice(1400));
});
