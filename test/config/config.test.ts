import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ConfigError, migrateConfigSchema, readConfig, serviceConfigSchema, workerConfigSchema } from '../../src/config.js';

const complete = {
  DATABASE_URL: 'postgres://app@127.0.0.1:5432/app',
  PROCORE_API_BASE_URL: 'https://procore.example.test',
  PROCORE_AUTH_BASE_URL: 'https://login.procore.example.test',
  PROCORE_CLIENT_ID: 'client-id',
  PROCORE_CLIENT_SECRET: 'very-secret-value',
  CORFIX_API_BASE_URL: 'https://corfix.example.test',
  CORFIX_API_TOKEN: 'corfix-token-value',
  CORFIX_WEBHOOK_SECRET: 'corfix-webhook-secret',
  API_TOKEN: 'an-api-token-of-length',
};

function problemsOf(schema: Parameters<typeof readConfig>[0], env: NodeJS.ProcessEnv): string[] {
  try {
    readConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test('a complete environment reads with defaults filled in', () => {
  const config = readConfig(serviceConfigSchema, complete);
  expect(config.API_PORT).toBe(3000);
  expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  expect(config.TEMPORAL_TASK_QUEUE).toBe('corfix-procore');
  expect(config.PUBLIC_URL).toBeUndefined();
});

test('a bad value is named, and its value is not repeated', () => {
  const problems = problemsOf(serviceConfigSchema, { ...complete, API_PORT: 'abc', PROCORE_API_BASE_URL: 'ftp://x' });
  expect(problems).toHaveLength(2);
  expect(problems.find((p) => p.startsWith('API_PORT'))).toMatch(/port/);
  expect(problems.find((p) => p.startsWith('PROCORE_API_BASE_URL'))).toMatch(/http/);
  expect(problems.join('\n')).not.toContain('ftp://x');
});

test('every missing variable is named, DATABASE_URL included', () => {
  const problems = problemsOf(serviceConfigSchema, {});
  for (const name of Object.keys(complete)) expect(problems).toContain(`${name} is required but not set`);
});

test('secrets never appear in the message', () => {
  const problems = problemsOf(serviceConfigSchema, { ...complete, API_TOKEN: 'short' });
  expect(problems).toEqual(['API_TOKEN must be at least 16 characters']);
});

test('each process reads only what it needs', () => {
  expect(readConfig(migrateConfigSchema, { DATABASE_URL: complete.DATABASE_URL }).DATABASE_URL).toBe(complete.DATABASE_URL);
  const { API_TOKEN: _unused, ...workerEnv } = complete;
  expect(() => readConfig(workerConfigSchema, workerEnv)).not.toThrow();
});

test('TLS files go together and PUBLIC_URL needs the Procore webhook secret', () => {
  const problems = problemsOf(serviceConfigSchema, {
    ...complete,
    TEMPORAL_TLS_CERT_PATH: '/etc/tls/client.pem',
    PUBLIC_URL: 'https://integration.example.test',
  });
  expect(problems).toEqual([
    'TEMPORAL_TLS_KEY_PATH TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
    'PROCORE_WEBHOOK_SECRET is required when PUBLIC_URL is set (Procore webhooks are registered with it)',
  ]);
});

test('DATABASE_POOL_MAX defaults to 10, is read by every process, and a bad one is named', () => {
  const { DATABASE_URL } = complete;
  expect(readConfig(migrateConfigSchema, { DATABASE_URL }).DATABASE_POOL_MAX).toBe(10);
  expect(readConfig(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: '' }).DATABASE_POOL_MAX).toBe(10);
  expect(readConfig(serviceConfigSchema, { ...complete, DATABASE_POOL_MAX: '40' }).DATABASE_POOL_MAX).toBe(40);
  for (const bad of ['1', '0', '-3', '2.5', 'lots', '100000']) {
    expect(problemsOf(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: bad })).toEqual([
      'DATABASE_POOL_MAX must be a whole number between 2 and 1000',
    ]);
  }
});

describe('the start command', () => {
  const start = fileURLToPath(new URL('../../src/bin/start.ts', import.meta.url));
  const run = (env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', start], { env: { PATH: process.env['PATH'], ...env } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );

  test('exits non-zero naming API_PORT when it is not a number', async () => {
    const { code, stderr } = await run({ ...complete, API_PORT: 'abc' });
    expect(code).toBe(1);
    expect(stderr).toContain('API_PORT must be a port number');
  });

  test('refuses to run without DATABASE_URL (never an embedded database in production)', async () => {
    const { DATABASE_URL: _unused, ...env } = complete;
    const { code, stderr } = await run(env);
    expect(code).toBe(1);
    expect(stderr).toContain('DATABASE_URL is required but not set');
  });
});
