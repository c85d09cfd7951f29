import { matchExisting } from '../../src/domain/existing-match.js';

const free = (id: string) => ({ id, taken: false });
const taken = (id: string) => ({ id, taken: true });

test('no record holds the key: nothing to match', () => {
  expect(matchExisting([], false)).toEqual({ kind: 'none' });
  expect(matchExisting([], true)).toEqual({ kind: 'none' });
});

test("without adopt_existing any match is the seed's skip, naming the records", () => {
  expect(matchExisting([free('p1')], false)).toEqual({ kind: 'exists', corfixIds: ['p1'] });
  expect(matchExisting([free('p1'), taken('p2')], false)).toEqual({ kind: 'exists', corfixIds: ['p1', 'p2'] });
});

test('with adopt_existing exactly one free record is adopted', () => {
  expect(matchExisting([free('p1')], true)).toEqual({ kind: 'adopt', corfixId: 'p1' });
});

test('more than one record is never guessed, whether free or taken', () => {
  expect(matchExisting([free('p1'), free('p2')], true)).toEqual({ kind: 'ambiguous', corfixIds: ['p1', 'p2'] });
  expect(matchExisting([taken('p1'), free('p2')], true)).toEqual({ kind: 'ambiguous', corfixIds: ['p1', 'p2'] });
});

test('one record that belongs to an integration, or is unknown, keeps the skip', () => {
  expect(matchExisting([taken('p1')], true)).toEqual({ kind: 'exists', corfixIds: ['p1'] });
  expect(matchExisting([free('')], true)).toEqual({ kind: 'exists', corfixIds: [] });
  expect(matchExisting([free(''), free('p1')], true)).toEqual({ kind: 'ambiguous', corfixIds: ['p1'] });
});

test('one record met twice (a key listed again) is still one record', () => {
  expect(matchExisting([free('p1'), free('p1')], true)).toEqual({ kind: 'adopt', corfixId: 'p1' });
  expect(matchExisting([free('p1'), taken('p1')], true)).toEqual({ kind: 'exists', corfixIds: ['p1'] });
});
