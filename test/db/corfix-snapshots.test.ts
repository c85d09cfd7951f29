// The Corfix snapshot's repository against a real Postgres: generations per
// integration, a listing kept page by page (a crash keeps a page's keys and
// its count together), keys found a page's worth at a time, and all of it
// gone when the sync ends.
import {
  addToSnapshot,
  dropSnapshots,
  findSnapshotKeys,
  keepSnapshotPage,
  newestCompleteSnapshot,
  openSnapshot,
  snapshotListing,
  takeSnapshotRecords,
  type SnapshotScope,
} from '../../src/db/repositories/corfix-snapshots.js';
import { createTestDatabase, newIntegrationId, type TestDatabase } from '../support/database.js';

let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

const newIntegration = () => newIntegrationId(t.db, 'snap');

const plain = (key: string) => ({ key, corfixId: 'c_1', corfixStatus: 'active', taken: false });

test('each opening is a new generation, also when two open at once', async () => {
  const id = await newIntegration();
  const generations = await Promise.all([openSnapshot(t.db, id), openSnapshot(t.db, id), openSnapshot(t.db, id)]);
  expect([...generations].sort()).toEqual([1, 2, 3]);
  expect(await snapshotListing(t.db, { ownerId: id, generation: 2, entity: 'worker' })).toEqual({ pagesRead: 0, complete: false });
});

test('a listing goes on after its last kept page; the snapshot counts as complete once both lists are', async () => {
  const id = await newIntegration();
  const generation = await openSnapshot(t.db, id);
  const projects: SnapshotScope = { ownerId: id, generation, entity: 'project' };
  const workers: SnapshotScope = { ...projects, entity: 'worker' };
  await keepSnapshotPage(t.db, projects, 1, [plain('number:a'), plain('name:b')], true);
  await keepSnapshotPage(t.db, workers, 1, [plain('email:c'), { key: 'ref:procore:1:user:9', corfixId: 'w_9', corfixStatus: 'active', taken: true }], false);
  expect(await snapshotListing(t.db, workers)).toEqual({ pagesRead: 1, complete: false });
  expect(await newestCompleteSnapshot(t.db, id)).toBeUndefined();

  // The same page kept again (a retry) changes nothing; the next one completes the list.
  await keepSnapshotPage(t.db, workers, 1, [plain('email:c')], false);
  await keepSnapshotPage(t.db, workers, 2, [plain('email:d')], true);
  expect(await snapshotListing(t.db, workers)).toEqual({ pagesRead: 2, complete: true });
  expect(await newestCompleteSnapshot(t.db, id)).toBe(generation);

  // A newer generation that is not complete does not replace it.
  await openSnapshot(t.db, id);
  expect(await newestCompleteSnapshot(t.db, id)).toBe(generation);
});

test('keys are found per entity and generation, only those asked for; what the sync makes is added once', async () => {
  const id = await newIntegration();
  const first = await openSnapshot(t.db, id);
  const second = await openSnapshot(t.db, id);
  const workers: SnapshotScope = { ownerId: id, generation: first, entity: 'worker' };
  await keepSnapshotPage(t.db, workers, 1, [plain('email:x'), plain('email:y')], true);
  await keepSnapshotPage(t.db, { ...workers, generation: second }, 1, [plain('email:z')], true);
  await keepSnapshotPage(t.db, { ...workers, entity: 'project' }, 1, [plain('email:y-as-a-project-key')], true);

  const made = [plain('email:new'), { key: 'ref:procore:1:user:5', corfixId: 'w_5', corfixStatus: 'pending_account_activation', taken: true }];
  await addToSnapshot(t.db, workers, made);
  await addToSnapshot(t.db, workers, made);

  const found = await findSnapshotKeys(t.db, workers, ['email:x', 'email:z', 'email:new', 'ref:procore:1:user:5', 'email:y-as-a-project-key']);
  expect(found.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
    plain('email:new'),
    plain('email:x'),
    { key: 'ref:procore:1:user:5', corfixId: 'w_5', corfixStatus: 'pending_account_activation', taken: true },
  ]);
  expect(await findSnapshotKeys(t.db, workers, [])).toEqual([]);
});

test('dropping the snapshots of an integration takes its keys along, and no other integration\'s', async () => {
  const [id, other] = [await newIntegration(), await newIntegration()];
  for (const integrationId of [id, other]) {
    const generation = await openSnapshot(t.db, integrationId);
    await keepSnapshotPage(t.db, { ownerId: integrationId, generation, entity: 'worker' }, 1, [plain('email:kept')], true);
  }
  await dropSnapshots(t.db, id);
  expect(await t.db('corfix_snapshots').where({ owner_id: id })).toEqual([]);
  expect(await t.db('corfix_snapshot_keys').where({ owner_id: id })).toEqual([]);
  expect(await findSnapshotKeys(t.db, { ownerId: other, generation: 1, entity: 'worker' }, ['email:kept'])).toHaveLength(1);
});

test('a key held by several records keeps each; a record adopted is taken under every key it holds', async () => {
  const id = await newIntegration();
  const generation = await openSnapshot(t.db, id);
  const projects: SnapshotScope = { ownerId: id, generation, entity: 'project' };
  const held = (key: string, corfixId: string) => ({ key, corfixId, corfixStatus: 'active', taken: false });
  await keepSnapshotPage(t.db, projects, 1, [held('number:n1', 'p_1'), held('name:a', 'p_1'), held('number:n1', 'p_2')], true);
  const before = await findSnapshotKeys(t.db, projects, ['number:n1', 'name:a']);
  expect(before.map((k) => `${k.key}/${k.corfixId}/${k.taken}`).sort()).toEqual(['name:a/p_1/false', 'number:n1/p_1/false', 'number:n1/p_2/false']);

  await takeSnapshotRecords(t.db, projects, ['p_1']);
  // Kept again (a retried page): the record stays taken.
  await addToSnapshot(t.db, projects, [held('name:a', 'p_1')]);
  const after = await findSnapshotKeys(t.db, projects, ['number:n1', 'name:a']);
  expect(after.map((k) => `${k.key}/${k.corfixId}/${k.taken}`).sort()).toEqual(['name:a/p_1/true', 'number:n1/p_1/true', 'number:n1/p_2/false']);
});
