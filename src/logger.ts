import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs; anything that looks like a credential is masked wherever it
 * appears. To stdout, unless `destination` says otherwise (the operator CLI
 * logs to stderr: its stdout is what was asked for).
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
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
  return destination ? pino(options, destination) : pino(options);
}
