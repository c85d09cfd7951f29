import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { logContextFields } from './observability/log-context.js';

export type { Logger };

/** LOG_FORMAT: JSON lines (production), or lines a person reads (`npm run dev`). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
type LogFormat = (typeof LOG_FORMATS)[number];

/** What every logger masks: anything that looks like a credential, wherever it appears. */
const REDACT = {
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
};

interface LoggerOutput {
  /** json (default) or pretty */
  format?: LogFormat | undefined;
  /** where JSON lines go instead of stdout (the operator CLI: stderr, its stdout is what was asked for; the demo: a file) */
  destination?: DestinationStream | undefined;
}

/**
 * The process's logger: one JSON object a line, or the same lines made
 * readable (`pretty`, through pino-pretty in this process: no worker thread).
 * Every line logged inside an activity carries its integration, workflow and
 * activity ids, and inside an API request its integration once known
 * (src/observability/log-context.ts). Anything that looks like a credential
 * is masked wherever it appears.
 */
export function createLogger(level: string, name: string, output: LoggerOutput = {}): Logger {
  const options = { name, level, mixin: logContextFields, redact: REDACT };
  if (output.format === 'pretty') {
    return pino(options, pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return output.destination ? pino(options, output.destination) : pino(options);
}

/**
 * The same JSON logs written to `file` (made afresh, its folder too) instead
 * of stdout: `npm run demo` keeps the screen for its progress view. Written
 * synchronously, so nothing is lost when the process exits.
 */
export function createFileLogger(level: string, name: string, file: string): Logger {
  return createLogger(level, name, { destination: pino.destination({ dest: file, mkdir: true, append: false, sync: true }) });
}
