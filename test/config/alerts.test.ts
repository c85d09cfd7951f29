// The alerts' settings: ALERT_WEBHOOK_URL turns them on, and then needs its
// signing secret and PUBLIC_URL (each alert links to the status page there);
// ALERT_AFTER is a duration, 30 minutes unless set. The worker gets them as
// it reads them.
import { readConfig, serviceConfigSchema, workerConfigSchema } from '../../src/config.js';
import { alertSettingsOf } from '../../src/worker.js';
import { problemsOf as problemsWith } from '../support/config-problems.js';

const worker = {
  DATABASE_URL: 'postgres://app@127.0.0.1:5432/app',
  PROCORE_API_BASE_URL: 'https://procore.example.test',
  PROCORE_AUTH_BASE_URL: 'https://login.procore.example.test',
  PROCORE_CLIENT_ID: 'client-id',
  PROCORE_CLIENT_SECRET: 'very-secret-value',
  CORFIX_API_BASE_URL: 'https://corfix.example.test',
  CORFIX_API_TOKEN: 'corfix-token-value',
  CORFIX_WEBHOOK_SECRET: 'corfix-webhook-secret',
};
const SECRET = 'an-alert-secret-of-at-least-32-characters';
const alerting = {
  ...worker,
  ALERT_WEBHOOK_URL: 'https://alerts.example.test/hooks/integration?key=receiver-key',
  ALERT_WEBHOOK_SECRET: SECRET,
  PUBLIC_URL: 'https://integration.example.test',
  PROCORE_WEBHOOK_SECRET: 'procore-webhook-secret',
};

const problemsOf = (env: NodeJS.ProcessEnv) => problemsWith(workerConfigSchema, env);

test('without ALERT_WEBHOOK_URL there are no alerts, and ALERT_AFTER defaults to 30 minutes', () => {
  const config = readConfig(workerConfigSchema, worker);
  expect(config.ALERT_WEBHOOK_URL).toBeUndefined();
  expect(config.ALERT_AFTER).toBe(30 * 60_000);
  expect(alertSettingsOf(config)).toEqual({});
  // A secret alone turns nothing on.
  expect(alertSettingsOf(readConfig(workerConfigSchema, { ...worker, ALERT_WEBHOOK_SECRET: SECRET }))).toEqual({});
});

test('with ALERT_WEBHOOK_URL, its secret and PUBLIC_URL, the worker sends alerts (with a Web UI link when TEMPORAL_WEB_UI_URL is set)', () => {
  const config = readConfig(workerConfigSchema, { ...alerting, ALERT_AFTER: '45m', TEMPORAL_WEB_UI_URL: 'http://127.0.0.1:8233' });
  expect(alertSettingsOf(config)).toEqual({
    alerts: {
      webhook: { url: alerting.ALERT_WEBHOOK_URL, secret: SECRET },
      alertAfterMs: 45 * 60_000,
      publicUrl: 'https://integration.example.test',
      webUi: { url: 'http://127.0.0.1:8233', namespace: 'default' },
    },
  });
  expect(alertSettingsOf(readConfig(workerConfigSchema, alerting))).toEqual({
    alerts: expect.not.objectContaining({ webUi: expect.anything() }),
  });
  // `npm start` reads them too (the API's schema holds the worker's).
  expect(readConfig(serviceConfigSchema, {
    ...alerting,
    API_TOKEN: 'an-api-token-of-length',
    CONNECT_REQUIRE_PROCORE_SIGNIN: 'false',
  }).ALERT_WEBHOOK_URL).toBe(alerting.ALERT_WEBHOOK_URL);
});

test('ALERT_WEBHOOK_URL without its secret, or without PUBLIC_URL, is refused naming what is missing', () => {
  const { ALERT_WEBHOOK_SECRET: _secret, PUBLIC_URL: _public, PROCORE_WEBHOOK_SECRET: _hook, ...bare } = alerting;
  expect(problemsOf(bare)).toEqual([
    'ALERT_WEBHOOK_SECRET is required when ALERT_WEBHOOK_URL is set (every alert is signed with it)',
    'PUBLIC_URL is required when ALERT_WEBHOOK_URL is set (every alert links to the status page under it)',
  ]);
});

test('a bad URL, a short secret or a bad duration is named, never repeated', () => {
  const problems = problemsOf({ ...alerting, ALERT_WEBHOOK_URL: 'ftp://alerts.example.test', ALERT_WEBHOOK_SECRET: 'short-secret', ALERT_AFTER: 'half an hour' });
  expect(problems).toEqual([
    'ALERT_WEBHOOK_URL must be an http(s) URL',
    'ALERT_WEBHOOK_SECRET must be at least 32 characters',
    'ALERT_AFTER must be a duration like 30s, 5m or 24h',
  ]);
  expect(problems.join('\n')).not.toMatch(/short-secret|ftp:|half an hour/);
});
