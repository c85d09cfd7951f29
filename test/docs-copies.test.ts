// The repository carries copies of the shared documents so that a clone alone
// has them (and the tests can read the Corfix contract); where the shared
// originals sit beside the repository (CI, team machines), each copy must be
// identical to its original. Without a shared/ folder beside the clone, each
// check is skipped.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDocs = path.resolve(repoRoot, '../shared/docs');

/** Copy in the repository -> original in shared/docs/. */
const COPIES: ReadonlyArray<readonly [copy: string, original: string]> = [
  ['contracts/corfix-api.yaml', 'corfix-api.yaml'],
  ['docs/design.md', 'design.md'],
  ['docs/procore-api.md', 'procore-api.md'],
];

describe.each(COPIES)('%s', (copy, original) => {
  const originalPath = path.join(sharedDocs, original);
  (existsSync(originalPath) ? test : test.skip)(`is shared/docs/${original}, byte for byte`, () => {
    const copied = readFileSync(path.join(repoRoot, copy));
    const shared = readFileSync(originalPath);
    // As text first, so that a difference shows as a readable diff; then bytes.
    expect(copied.toString('utf8')).toBe(shared.toString('utf8'));
    expect(Buffer.compare(copied, shared)).toBe(0);
  });
});
