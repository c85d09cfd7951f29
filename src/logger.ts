import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

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

/**
 * JSON logs; anything that looks like a credential is masked wherever it
 * appears. To stdout, unless `destination` says otherwise (the operator CLI
 * logs to stderr: its stdout is what was asked for).
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: REDACT };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * The same JSON logs written to `file` (made afresh, its folder too) instead
 * of stdout: `npm run demo` keeps the screen for its progress view. Written
 * synchronously, so nothing is lost when the process exits.
 */
export function createFileLogger(level: string, name: string, file: string): Logger {
  return createLogger(level, name, pino.destination({ dest: file, mkdir: true, append: false, sync: true }));
}
