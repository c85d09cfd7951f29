import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { migrateConfigSchema, readConfig, serviceConfigSchema, workerConfigSchema } from '../../src/config.js';
import { problemsOf } from '../support/config-problems.js';

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
  CONNECT_STATE_SECRET: 'a-state-secret-of-at-least-32-characters',
  PROCORE_REDIRECT_URI: 'https://integration.example.test/v1/oauth/procore/callback',
  CONNECT_RETURN_URL: 'https://app.corfix.example.test/settings/procore',
};


test('a complete environment reads with defaults filled in', () => {
  const config = readConfig(serviceConfigSchema, complete);
  expect(config.API_PORT).toBe(3000);
  expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
  expect(config.TEMPORAL_TASK_QUEUE).toBe('corfix-procore');
  expect(config.PUBLIC_URL).toBeUndefined();
  expect(config.PROCORE_APPLICATION_ID).toBeUndefined();
  expect(readConfig(serviceConfigSchema, { ...complete, PROCORE_APPLICATION_ID: '7700123' }).PROCORE_APPLICATION_ID).toBe('7700123');
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
  for (const name of Object.keys(complete)) {
    // the sign-in's variables say why they are required (CONNECT_REQUIRE_PROCORE_SIGNIN)
    expect(problems.find((p) => p.startsWith(`${name} is required`))).toBeDefined();
  }
});

test('secrets never appear in the message', () => {
  const problems = problemsOf(serviceConfigSchema, { ...complete, API_TOKEN: 'short' });
  expect(problems).toEqual(['API_TOKEN must be at least 16 characters (each token of a comma-separated list)']);
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

test('DATABASE_POOL_MAX defaults to 20, is read by every process, and a bad one is named', () => {
  const { DATABASE_URL } = complete;
  expect(readConfig(migrateConfigSchema, { DATABASE_URL }).DATABASE_POOL_MAX).toBe(20);
  expect(readConfig(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: '' }).DATABASE_POOL_MAX).toBe(20);
  expect(readConfig(serviceConfigSchema, { ...complete, DATABASE_POOL_MAX: '40' }).DATABASE_POOL_MAX).toBe(40);
  for (const bad of ['1', '0', '-3', '2.5', 'lots', '100000']) {
    expect(problemsOf(migrateConfigSchema, { DATABASE_URL, DATABASE_POOL_MAX: bad })).toEqual([
      'DATABASE_POOL_MAX must be a whole number between 2 and 1000',
    ]);
  }
});

test('CORFIX_CREATE_CONCURRENCY defaults to 16, and one the pool cannot serve (over 4 per connection) or out of range is named', () => {
  expect(readConfig(workerConfigSchema, complete).CORFIX_CREATE_CONCURRENCY).toBe(16);
  expect(readConfig(workerConfigSchema, { ...complete, CORFIX_CREATE_CONCURRENCY: '8', DATABASE_POOL_MAX: '2' }).CORFIX_CREATE_CONCURRENCY).toBe(8);
  expect(problemsOf(workerConfigSchema, { ...complete, CORFIX_CREATE_CONCURRENCY: '16', DATABASE_POOL_MAX: '3' })).toEqual([
    'CORFIX_CREATE_CONCURRENCY must be at most 4 x DATABASE_POOL_MAX (12); raise DATABASE_POOL_MAX for more creates in flight',
  ]);
  for (const bad of ['0', '65', '2.5', 'many']) {
    expect(problemsOf(workerConfigSchema, { ...complete, CORFIX_CREATE_CONCURRENCY: bad })).toEqual([
      'CORFIX_CREATE_CONCURRENCY must be a whole number between 1 and 64',
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

describe('the Procore sign-in at connect', () => {
  const { CONNECT_STATE_SECRET: _s, PROCORE_REDIRECT_URI: _r, CONNECT_RETURN_URL: _u, ...withoutSignin } = complete;

  test('is required by default: the direct connect stays off unless CONNECT_REQUIRE_PROCORE_SIGNIN is false', () => {
    expect(readConfig(serviceConfigSchema, complete).CONNECT_REQUIRE_PROCORE_SIGNIN).toBe(true);
    expect(problemsOf(serviceConfigSchema, withoutSignin)).toEqual([
      'CONNECT_STATE_SECRET is required while CONNECT_REQUIRE_PROCORE_SIGNIN is true (connects go through a Procore sign-in)',
      'PROCORE_REDIRECT_URI is required while CONNECT_REQUIRE_PROCORE_SIGNIN is true (connects go through a Procore sign-in)',
      'CONNECT_RETURN_URL is required while CONNECT_REQUIRE_PROCORE_SIGNIN is true (connects go through a Procore sign-in)',
    ]);
    const direct = readConfig(serviceConfigSchema, { ...withoutSignin, CONNECT_REQUIRE_PROCORE_SIGNIN: 'FALSE' });
    expect(direct.CONNECT_REQUIRE_PROCORE_SIGNIN).toBe(false);
    expect(direct.CONNECT_STATE_SECRET).toBeUndefined();
  });

  test('its three variables go together, the secret has 32+ characters, the URLs are http(s), and a bad flag is named', () => {
    expect(problemsOf(serviceConfigSchema, { ...withoutSignin, CONNECT_REQUIRE_PROCORE_SIGNIN: 'false', CONNECT_RETURN_URL: complete.CONNECT_RETURN_URL })).toEqual([
      'CONNECT_STATE_SECRET is required when any of CONNECT_STATE_SECRET, PROCORE_REDIRECT_URI, CONNECT_RETURN_URL is set (the Procore sign-in needs all three)',
      'PROCORE_REDIRECT_URI is required when any of CONNECT_STATE_SECRET, PROCORE_REDIRECT_URI, CONNECT_RETURN_URL is set (the Procore sign-in needs all three)',
    ]);
    const problems = problemsOf(serviceConfigSchema, {
      ...complete,
      CONNECT_STATE_SECRET: 'short-secret-value',
      PROCORE_REDIRECT_URI: 'ftp://x',
      CONNECT_REQUIRE_PROCORE_SIGNIN: 'yes',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'CONNECT_STATE_SECRET must be at least 32 characters',
        'PROCORE_REDIRECT_URI must be an http(s) URL',
        'CONNECT_REQUIRE_PROCORE_SIGNIN must be true or false',
      ]),
    );
    expect(problems.join('\n')).not.toContain('short-secret-value');
  });
});

test('API_TOKEN takes a comma-separated list (a rotation), each token 16+ characters, and never repeats one in an error', () => {
  expect(readConfig(serviceConfigSchema, { ...complete, API_TOKEN: 'old-token-0123456789, new-token-0123456789' }).API_TOKEN).toEqual([
    'old-token-0123456789',
    'new-token-0123456789',
  ]);
  expect(readConfig(serviceConfigSchema, complete).API_TOKEN).toEqual(['an-api-token-of-length']);
  const problems = problemsOf(serviceConfigSchema, { ...complete, API_TOKEN: 'old-token-0123456789,shorty' });
  expect(problems).toEqual(['API_TOKEN must be at least 16 characters (each token of a comma-separated list)']);
  expect(problemsOf(serviceConfigSchema, { ...complete, API_TOKEN: 'old-token-0123456789,' })).toEqual([
    'API_TOKEN must be at least 16 characters (each token of a comma-separated list)',
  ]);
});
