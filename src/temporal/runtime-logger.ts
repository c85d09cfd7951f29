// The Temporal SDK's own log lines (worker state, activity failures) go
// through the service's pino logger, at the service's LOG_LEVEL.
import { Runtime, type LogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

class PinoSdkLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[LEVELS[level]](meta ?? {}, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * Once per process, before anything of the SDK's runs (a worker, a dev
 * server). If the SDK's runtime already exists, its logger stays.
 */
export function installSdkLogger(logger: Logger): void {
  try {
    Runtime.install({ logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' })) });
  } catch {
    // Installed earlier in this process (the dev stack does it first).
  }
}
