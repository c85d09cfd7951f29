// The repository carries a copy of the Corfix contract so that a clone alone
// can run the tests; where the shared original sits beside the repository
// (CI, team machines), the copy must be identical to it.
import { existsSync, readFileSync } from 'node:fs';
import { CONTRACT_PATH, SHARED_CONTRACT_PATH } from './support.js';

const shared = existsSync(SHARED_CONTRACT_PATH);

(shared ? test : test.skip)('contracts/corfix-api.yaml is the shared contract, byte for byte', () => {
  expect(readFileSync(CONTRACT_PATH, 'utf8')).toBe(readFileSync(SHARED_CONTRACT_PATH, 'utf8'));
});
