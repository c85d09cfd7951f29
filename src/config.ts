// Configuration from the environment, read once per process through zod.
// Each process asks only for the groups it needs; a missing or bad variable
// stops the process with a message naming it (never its value: many are secrets).
// The dev stack (src/dev) fills in local defaults before a process reads them;
// nothing here falls back to an embedded database.
import { z } from 'zod';
import { LOG_FORMATS } from './logger.js';

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const url = nonEmpty.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }));
const port = z.coerce
  .number({ message: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65_535, 'must be between 1 and 65535');

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
/** A duration like `500ms`, `30s`, `5m`, `24h`, read as milliseconds. */
export const duration = nonEmpty
  .regex(/^\d+(ms|s|m|h)$/, 'must be a duration like 30s, 5m or 24h')
  .transform((v) => {
    const [, amount, unit] = /^(\d+)(ms|s|m|h)$/.exec(v) as unknown as [string, string, keyof typeof DURATION_UNITS_MS];
    return Number(amount) * DURATION_UNITS_MS[unit];
  })
  .refine((ms) => ms >= 1_000, 'must be at least 1s');

/** Postgres connections per process unless DATABASE_POOL_MAX says otherwise: with the default creates in flight, 5 activity slots per worker (src/temporal/worker-tuning.ts). */
export const DEFAULT_DATABASE_POOL_MAX = 20;

const database = z.object({
  DATABASE_URL: nonEmpty.refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
  /** connections per process; the worker's activity slots follow from it (src/temporal/worker-tuning.ts) */
  DATABASE_POOL_MAX: z.coerce
    .number({ message: 'must be a whole number between 2 and 1000' })
    .int('must be a whole number between 2 and 1000')
    .min(2, 'must be a whole number between 2 and 1000')
    .max(1000, 'must be a whole number between 2 and 1000')
    .default(DEFAULT_DATABASE_POOL_MAX),
});

const temporal = z.object({
  TEMPORAL_ADDRESS: nonEmpty.default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: nonEmpty.default('default'),
  TEMPORAL_TASK_QUEUE: nonEmpty.default('corfix-procore'),
  TEMPORAL_API_KEY: nonEmpty.optional(),
  TEMPORAL_TLS_CERT_PATH: nonEmpty.optional(),
  TEMPORAL_TLS_KEY_PATH: nonEmpty.optional(),
  /** the Temporal Web UI's address, for the links the status page, the operator CLI and the alerts give (none without it) */
  TEMPORAL_WEB_UI_URL: url.optional(),
});

const procore = z.object({
  PROCORE_API_BASE_URL: url,
  PROCORE_AUTH_BASE_URL: url,
  PROCORE_CLIENT_ID: nonEmpty,
  PROCORE_CLIENT_SECRET: nonEmpty,
});

const corfix = z.object({
  CORFIX_API_BASE_URL: url,
  CORFIX_API_TOKEN: nonEmpty,
});

const webhooks = z.object({
  CORFIX_WEBHOOK_SECRET: nonEmpty,
  /** Without it no Procore webhooks are registered: polling alone keeps things in step. */
  PUBLIC_URL: url.optional(),
  PROCORE_WEBHOOK_SECRET: nonEmpty.optional(),
  /**
   * The Corfix app's Procore application id: a webhook whose
   * metadata.source_application_id is this one reports a change the service
   * itself made, and is ignored (it would only make a loop read it back).
   */
  PROCORE_APPLICATION_ID: nonEmpty.optional(),
});

/** Queries (from page activities) that may want one pooled connection at once, at worst (src/temporal/worker-tuning.ts). */
export const POOL_OVERSUBSCRIPTION = 4;

/** Corfix creates in flight per Procore page, unless CORFIX_CREATE_CONCURRENCY says otherwise (chosen from the bench: bench/README.md). */
export const DEFAULT_CORFIX_CREATE_CONCURRENCY = 16;

const worker = z.object({
  /** how often a worker makes Temporal agree with Postgres (src/workflows/reconcile-integrations.ts) */
  RECONCILE_INTERVAL: duration.default(60_000),
  /** how often a continuous sync reads what changed in Procore, webhooks or not */
  SYNC_POLL_INTERVAL: duration.default(5 * 60_000),
  /** how often a continuous sync reads everything (catches what webhooks and cycles missed, and deletions) */
  SYNC_RECONCILE_INTERVAL: duration.default(24 * 60 * 60_000),
  /** Corfix creates in flight per Procore page (src/activities/entity-page.ts; the default is chosen in bench/README.md) */
  CORFIX_CREATE_CONCURRENCY: z.coerce
    .number({ message: 'must be a whole number between 1 and 64' })
    .int('must be a whole number between 1 and 64')
    .min(1, 'must be a whole number between 1 and 64')
    .max(64, 'must be a whole number between 1 and 64')
    .default(DEFAULT_CORFIX_CREATE_CONCURRENCY),
  /** where the alerts are posted (src/activities/alerts.ts); without it no alerts are sent */
  ALERT_WEBHOOK_URL: url.optional(),
  /** the HMAC-SHA256 key that signs each alert (Alert-Signature) */
  ALERT_WEBHOOK_SECRET: nonEmpty.min(32, 'must be at least 32 characters').optional(),
  /** how long a sync may retry before an admin is told */
  ALERT_AFTER: duration.default(30 * 60_000),
});

/** `true` or `false` (any case); anything else is refused. */
const flag = nonEmpty
  .toLowerCase()
  .refine((v) => v === 'true' || v === 'false', 'must be true or false')
  .transform((v) => v === 'true');

/**
 * One token, or several separated by commas (to rotate without downtime:
 * add the new one, move the callers, drop the old one); each 16+ characters.
 */
const apiTokens = nonEmpty.transform((value, ctx) => {
  const tokens = value.split(',').map((t) => t.trim());
  if (tokens.some((t) => t.length < 16)) {
    ctx.addIssue({ code: 'custom', message: 'must be at least 16 characters (each token of a comma-separated list)' });
    return z.NEVER;
  }
  return tokens;
});

const api = z.object({
  API_PORT: port.default(3000),
  API_HOST: nonEmpty.default('0.0.0.0'),
  API_TOKEN: apiTokens,
  /** refuse POST /v1/integrations (connect without a Procore sign-in); default true */
  CONNECT_REQUIRE_PROCORE_SIGNIN: flag.default(true),
  /** the HMAC-SHA256 key of the sign-in's `state` */
  CONNECT_STATE_SECRET: nonEmpty.min(32, 'must be at least 32 characters').optional(),
  /** the sign-in's redirect_uri: this service's GET /v1/oauth/procore/callback, as registered with the Procore app */
  PROCORE_REDIRECT_URI: url.optional(),
  /** where the browser is sent after the sign-in, with the result */
  CONNECT_RETURN_URL: url.optional(),
});

/** The Procore sign-in at connect is configured by three variables: all of them, or none. */
export const SIGNIN_VARIABLES = ['CONNECT_STATE_SECRET', 'PROCORE_REDIRECT_URI', 'CONNECT_RETURN_URL'] as const;

const logging = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json (createLogger's default when unset): one JSON object a line (production); pretty: lines a person reads (`npm run dev`, the demo) */
  LOG_FORMAT: z.enum(LOG_FORMATS, { message: `must be one of ${LOG_FORMATS.join(', ')}` }).optional(),
});

/**
 * /metrics (Prometheus): served only with METRICS_TOKEN, which a scrape
 * sends as its bearer token. Its own token rather than API_TOKEN: a scraper
 * needs to read counters, not to connect or disconnect accounts.
 */
const metrics = z.object({
  METRICS_TOKEN: nonEmpty.min(16, 'must be at least 16 characters').optional(),
  /** a port of its own for /metrics (a worker alone has no API); any process may have one */
  METRICS_PORT: port.optional(),
  /** where METRICS_PORT listens (every interface unless set) */
  METRICS_HOST: nonEmpty.default('0.0.0.0'),
});

const withTls = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) =>
  schema.superRefine((env: Record<string, unknown>, ctx) => {
    const cert = env['TEMPORAL_TLS_CERT_PATH'];
    const key = env['TEMPORAL_TLS_KEY_PATH'];
    if ((cert === undefined) !== (key === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [cert === undefined ? 'TEMPORAL_TLS_CERT_PATH' : 'TEMPORAL_TLS_KEY_PATH'],
        message: 'TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH go together',
      });
    }
    const pool = env['DATABASE_POOL_MAX'];
    const creates = env['CORFIX_CREATE_CONCURRENCY'];
    // A page's creates each write to Postgres: more of them than 4 per pooled connection would queue on the pool (src/temporal/worker-tuning.ts).
    if (typeof pool === 'number' && typeof creates === 'number' && creates > pool * POOL_OVERSUBSCRIPTION) {
      ctx.addIssue({
        code: 'custom',
        path: ['CORFIX_CREATE_CONCURRENCY'],
        message: `must be at most ${POOL_OVERSUBSCRIPTION} x DATABASE_POOL_MAX (${pool * POOL_OVERSUBSCRIPTION}); raise DATABASE_POOL_MAX for more creates in flight`,
      });
    }
    if (env['METRICS_PORT'] !== undefined && env['METRICS_TOKEN'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['METRICS_TOKEN'],
        message: 'is required when METRICS_PORT is set (/metrics is served only to a scrape that sends it)',
      });
    }
    if (env['PUBLIC_URL'] !== undefined && env['PROCORE_WEBHOOK_SECRET'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['PROCORE_WEBHOOK_SECRET'],
        message: 'is required when PUBLIC_URL is set (Procore webhooks are registered with it)',
      });
    }
    if (env['ALERT_WEBHOOK_URL'] !== undefined) {
      if (env['ALERT_WEBHOOK_SECRET'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['ALERT_WEBHOOK_SECRET'], message: 'is required when ALERT_WEBHOOK_URL is set (every alert is signed with it)' });
      }
      if (env['PUBLIC_URL'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'is required when ALERT_WEBHOOK_URL is set (every alert links to the status page under it)' });
      }
    }
  });

export const migrateConfigSchema = database.extend(logging.shape);
export const prepareConfigSchema = withTls(database.extend({ ...temporal.shape, ...logging.shape }));
/** What a worker reads; the API reads all of it too (it checks connects against the same clients), and its own group. */
const workerShape = {
  ...temporal.shape,
  ...procore.shape,
  ...corfix.shape,
  ...webhooks.shape,
  ...worker.shape,
  ...metrics.shape,
  ...logging.shape,
};
export const workerConfigSchema = withTls(database.extend(workerShape));
export const apiConfigSchema = withTls(database.extend({ ...workerShape, ...api.shape })).superRefine((env: Record<string, unknown>, ctx) => {
  const missing = SIGNIN_VARIABLES.filter((name) => env[name] === undefined);
  const required = env['CONNECT_REQUIRE_PROCORE_SIGNIN'] !== false;
  if (missing.length === 0 || (missing.length === SIGNIN_VARIABLES.length && !required)) return;
  for (const name of missing) {
    ctx.addIssue({
      code: 'custom',
      path: [name],
      message: required
        ? 'is required while CONNECT_REQUIRE_PROCORE_SIGNIN is true (connects go through a Procore sign-in)'
        : `is required when any of ${SIGNIN_VARIABLES.join(', ')} is set (the Procore sign-in needs all three)`,
    });
  }
  // Also when other variables are bad, so that one start names everything missing.
}, { when: (payload) => typeof payload.value === 'object' && payload.value !== null });
/** `npm start`: the API and the worker in one process. */
export const serviceConfigSchema = apiConfigSchema;

/**
 * `npm run ops`: the operator CLI reads Postgres and tells Temporal as the
 * API's controls do, links into the Web UI, and names the status page at
 * PUBLIC_URL (where the service is reached) when set. Its logs go to stderr.
 */
export const opsConfigSchema = z.intersection(
  withTls(database.extend({ ...temporal.shape, LOG_LEVEL: logging.shape.LOG_LEVEL.unwrap().default('warn') })),
  z.object({ PUBLIC_URL: url.optional() }),
);
/** `npm run ops -- disconnect` also removes the integration's Procore hook, with the service's API client settings. */
export const opsClientConfigSchema = procore.extend(corfix.shape);

export type MigrateConfig = z.infer<typeof migrateConfigSchema>;
export type PrepareConfig = z.infer<typeof prepareConfigSchema>;
export type WorkerConfig = z.infer<typeof workerConfigSchema>;
export type ApiConfig = z.infer<typeof apiConfigSchema>;
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
export type OpsConfig = z.infer<typeof opsConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `env` through `schema`; throws ConfigError naming every bad variable. */
export function readConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  // An empty variable counts as unset (compose files pass `${X:-}` through).
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const missing = issue.code === 'invalid_type' && present[name] === undefined;
    return missing ? `${name} is required but not set` : `${name} ${issue.message}`;
  });
  throw new ConfigError(problems);
}
