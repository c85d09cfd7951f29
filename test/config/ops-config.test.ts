// The operator CLI's configuration: the service's database and Temporal
// groups, read through zod like every process's, named when bad.
import { opsClientConfigSchema, opsConfigSchema, readConfig } from '../../src/config.js';
import { problemsOf } from '../support/config-problems.js';


test('DATABASE_URL alone is enough: Temporal defaults as the service has them, logs at warn, no Web UI and no public URL', () => {
  const config = readConfig(opsConfigSchema, { DATABASE_URL: 'postgres://ops@127.0.0.1:5432/app' });
  expect(config).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'corfix-procore', LOG_LEVEL: 'warn' });
  expect(config.TEMPORAL_WEB_UI_URL).toBeUndefined();
  expect(config.PUBLIC_URL).toBeUndefined();
});

test("the service's environment reads as it is (its other variables are not the CLI's business)", () => {
  const config = readConfig(opsConfigSchema, {
    DATABASE_URL: 'postgres://ops@127.0.0.1:5432/app',
    TEMPORAL_WEB_UI_URL: 'http://127.0.0.1:8233',
    PUBLIC_URL: 'https://integration.example.test',
    PROCORE_WEBHOOK_SECRET: 'a-webhook-secret',
    API_TOKEN: 'an-api-token-of-length',
    LOG_LEVEL: 'info',
  });
  expect(config).toMatchObject({ TEMPORAL_WEB_UI_URL: 'http://127.0.0.1:8233', PUBLIC_URL: 'https://integration.example.test', LOG_LEVEL: 'info' });
  expect(config).not.toHaveProperty('API_TOKEN');
});

test('every bad variable is named, never its value', () => {
  const problems = problemsOf(opsConfigSchema, {
    TEMPORAL_WEB_UI_URL: 'ftp://ui.example.test',
    PUBLIC_URL: 'not a url',
    TEMPORAL_TLS_CERT_PATH: '/secret/cert.pem',
  });
  expect(problems).toEqual(
    expect.arrayContaining([
      'DATABASE_URL is required but not set',
      'TEMPORAL_WEB_UI_URL must be an http(s) URL',
      'PUBLIC_URL must be an http(s) URL',
    ]),
  );
  expect(problems.join('\n')).not.toMatch(/ftp:|not a url/);
});

test('a disconnect names the API client settings it lacks', () => {
  expect(problemsOf(opsClientConfigSchema, { PROCORE_CLIENT_ID: 'id' })).toEqual([
    'PROCORE_API_BASE_URL is required but not set',
    'PROCORE_AUTH_BASE_URL is required but not set',
    'PROCORE_CLIENT_SECRET is required but not set',
    'CORFIX_API_BASE_URL is required but not set',
    'CORFIX_API_TOKEN is required but not set',
  ]);
});
