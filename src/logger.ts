import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON logs; anything that looks like a credential is masked wherever it appears. */
export function createLogger(level: string, name: string): Logger {
  return pino({
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
  });
}
