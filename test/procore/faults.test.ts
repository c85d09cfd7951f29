// With a fifth of all answers broken (5xx or a dropped connection), full
// listings still come back complete and exact. The client's short retry
// absorbs most failures; when it gives up on a page (UnavailableError), the
// walk resumes at that page number, which is what the sync's Temporal
// activity retry does (one activity per page, resumed by page number).
import { UnavailableError } from '../../src/http/errors.js';
import type { Page } from '../../src/procore/pagination.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  // Small pages, so that the listing takes enough requests for the faults to bite.
  h = await startHarness({ seed: 20260301, maxPerPage: { projects: 50, users: 100, inactiveUsers: 25 } });
  h.sim.state.generateProjects(h.company.id, 700);
  h.sim.state.generateUsers(h.company.id, 2500);
  h.sim.state.generateUsers(h.company.id, 150, { is_active: false });
  h.sim.faults.setFaults([
    {
      route: '*',
      drop_rate: 0.1,
      errors: [
        { status: 500, rate: 0.05 },
        { status: 502, rate: 0.06 },
      ],
    },
  ]);
});
afterAll(async () => {
  await h.sim.stop();
});

/** Walks every page; when the client gives up on one, starts again from that page (as an activity retry would). */
async function listAll<T>(walk: (startPage: number) => AsyncGenerator<Page<T>>): Promise<{ items: T[]; resumes: number }> {
  const items: T[] = [];
  let nextPage = 1;
  let resumes = 0;
  for (;;) {
    try {
      for await (const page of walk(nextPage)) {
        items.push(...page.items);
        nextPage = page.page + 1;
      }
      return { items, resumes };
    } catch (error) {
      if (!(error instanceof UnavailableError) || resumes >= 20) throw error;
      resumes += 1;
    }
  }
}

test('projects, active and inactive users: complete and exact despite 5xx and dropped connections', async () => {
  const client = h.client();
  const projects = await listAll((start) => client.projectPages({ status: 'All' }, start));
  const active = await listAll((start) => client.activeUserPages({}, start));
  const inactive = await listAll((start) => client.inactiveUserPages(start));

  const expectedProjects = h.sim.state.projectsOf(h.company.id).map((p) => String(p.id));
  const users = h.sim.state.usersOf(h.company.id);
  expect(projects.items.map((p) => p.id)).toEqual(expectedProjects);
  expect(active.items.map((u) => u.id)).toEqual(users.filter((u) => u.is_active).map((u) => String(u.id)));
  expect(inactive.items.map((u) => u.id)).toEqual(users.filter((u) => !u.is_active).map((u) => String(u.id)));

  // The faults did happen: the result above was earned, not given.
  const counts = Object.values(h.sim.faults.requestCounts());
  const dropped = counts.reduce((n, c) => n + c.dropped, 0);
  const serverErrors = h.sim.faults.countOfStatus(500) + h.sim.faults.countOfStatus(502);
  console.log(
    `faults: ${h.sim.faults.totalRequests()} requests, ${dropped} dropped, ${serverErrors} answered 5xx, ` +
      `resumed ${projects.resumes + active.resumes + inactive.resumes} time(s)`,
  );
  expect(dropped).toBeGreaterThan(0);
  expect(serverErrors).toBeGreaterThan(0);
});

test('with no retry inside the client, resuming at the failed page still gives each user exactly once', async () => {
  const client = h.client({ retry: { attempts: 1 } });
  const active = await listAll((start) => client.activeUserPages({}, start));
  const expected = h.sim.state.usersOf(h.company.id).filter((u) => u.is_active).map((u) => String(u.id));
  expect(active.resumes).toBeGreaterThan(0);
  expect(active.items.map((u) => u.id)).toEqual(expected);
});
