// LOG_FORMAT, METRICS_TOKEN, METRICS_PORT and METRICS_HOST: read by the
// service's processes, refused with a message naming the variable (never its value).
import { migrateConfigSchema, readConfig, serviceConfigSchema, workerConfigSchema } from '../../src/config.js';
import { problemsOf } from '../support/config-problems.js';

const service = {
  DATABASE_URL: 'postgres://app@127.0.0.1:5432/app',
  PROCORE_API_BASE_URL: 'https://procore.example.test',
  PROCORE_AUTH_BASE_URL: 'https://login.procore.example.test',
  PROCORE_CLIENT_ID: 'client-id',
  PROCORE_CLIENT_SECRET: 'very-secret-value',
  CORFIX_API_BASE_URL: 'https://corfix.example.test',
  CORFIX_API_TOKEN: 'corfix-token-value',
  CORFIX_WEBHOOK_SECRET: 'corfix-webhook-secret',
  API_TOKEN: 'an-api-token-of-length',
  CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
};
const { API_TOKEN: _api, CONNECT_REQUIRE_PROCORE_SIGNIN: _signin, ...worker } = service;


test('LOG_FORMAT is json or pretty, unset by default (JSON lines), and read by every process', () => {
  expect(readConfig(serviceConfigSchema, service).LOG_FORMAT).toBeUndefined();
  expect(readConfig(serviceConfigSchema, { ...service, LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  expect(readConfig(workerConfigSchema, { ...worker, LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
  expect(readConfig(migrateConfigSchema, { DATABASE_URL: service.DATABASE_URL, LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  expect(problemsOf(serviceConfigSchema, { ...service, LOG_FORMAT: 'yaml' })).toEqual(['LOG_FORMAT must be one of json, pretty']);
});

test('/metrics is off without METRICS_TOKEN; the token has 16+ characters and is never repeated', () => {
  const config = readConfig(serviceConfigSchema, service);
  expect(config.METRICS_TOKEN).toBeUndefined();
  expect(config.METRICS_PORT).toBeUndefined();
  expect(readConfig(workerConfigSchema, { ...worker, METRICS_TOKEN: 'a-metrics-token-0123' }).METRICS_TOKEN).toBe('a-metrics-token-0123');
  const problems = problemsOf(serviceConfigSchema, { ...service, METRICS_TOKEN: 'short-token' });
  expect(problems).toEqual(['METRICS_TOKEN must be at least 16 characters']);
  expect(problems.join('\n')).not.toContain('short-token');
});

test('METRICS_PORT is a port, needs METRICS_TOKEN, and listens on METRICS_HOST', () => {
  const token = { METRICS_TOKEN: 'a-metrics-token-0123' };
  const config = readConfig(workerConfigSchema, { ...worker, ...token, METRICS_PORT: '9464', METRICS_HOST: '127.0.0.1' });
  expect(config.METRICS_PORT).toBe(9464);
  expect(config.METRICS_HOST).toBe('127.0.0.1');
  expect(problemsOf(workerConfigSchema, { ...worker, ...token, METRICS_PORT: 'ninety' })).toEqual(['METRICS_PORT must be a port number']);
  expect(problemsOf(workerConfigSchema, { ...worker, ...token, METRICS_PORT: '70000' })).toEqual(['METRICS_PORT must be between 1 and 65535']);
  expect(problemsOf(workerConfigSchema, { ...worker, METRICS_PORT: '9464' })).toEqual([
    'METRICS_TOKEN is required when METRICS_PORT is set (/metrics is served only to a scrape that sends it)',
  ]);
  expect(problemsOf(serviceConfigSchema, { ...service, METRICS_PORT: '9464' })).toEqual([
    'METRICS_TOKEN is required when METRICS_PORT is set (/metrics is served only to a scrape that sends it)',
  ]);
});
