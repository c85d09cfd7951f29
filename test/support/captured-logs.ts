// A logger whose lines a test reads back (the service's JSON lines, as pino
// writes them), and the secrets no line, answer or workflow history may hold.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLogs {
  logger: Logger;
  /** every line written so far */
  lines: string[];
}

/** At `level` (default debug: the most there is to leak), into `lines`. */
export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      done();
    },
  });
  return { logger: createLogger(level, 'test', { destination: sink }), lines };
}

/** The secrets of `text` among `secrets` (each named), for an assertion that lists what leaked. */
export function leakedIn(text: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => value !== '' && text.includes(value))
    .map(([name]) => name);
}
