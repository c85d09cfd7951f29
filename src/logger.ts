import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { logContextFields } from './observability/log-context.js';

export type { Logger };

/** LOG_FORMAT: JSON lines (production), or lines a person reads (`npm run dev`, the demo). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The process's logger: one JSON object a line, or the same lines made
 * readable (`pretty`, through pino-pretty in this process: no worker thread).
 * Every line logged inside an activity carries its integration, workflow and
 * activity ids, and inside an API request its integration once known
 * (src/observability/log-context.ts). Anything that looks like a credential
 * is masked wherever it appears.
 */
export function createLogger(level: string, name: string, format: LogFormat = 'json'): Logger {
  const options = {
    name,
    level,
    mixin: logContextFields,
    redact: {
      paths: [
        '*.authorization',
        '*.Authorization',
        '*.token',
        '*.access_token',
        '*.client_secret',
        '*.password',
        '*.headers.authorization',
        '*.headers["corfix-signature"]',
        'config.*',
      ],
      censor: '[redacted]',
    },
  };
  if (format === 'pretty') {
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return pino(options);
}
