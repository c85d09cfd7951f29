// The Temporal SDK's Runtime, installed once per process with the service's
// logging and metrics:
// - its log lines (worker state, activity and workflow lifecycle, and the
//   native core's, forwarded instead of printed as text) go through the
//   service's pino logger, at the service's LOG_LEVEL, as JSON lines carrying
//   the workflow's ids and its integration's;
// - its metrics go to the process's /metrics (src/observability/temporal-sdk-metrics.ts).
import { Runtime, type LogLevel, type LogMetadata, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from '../logger.js';
import { sdkMetrics } from '../observability/temporal-sdk-metrics.js';
import { integrationIdOfWorkflow } from './workflow-ids.js';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The SDK's metadata, with the integration its workflow works for; without
 * the activity's task token, which completes the activity for whoever holds it.
 */
export function sdkLogFields(meta: LogMetadata | undefined): Record<string, unknown> {
  const { taskToken: _taskToken, ...fields } = meta ?? {};
  const workflowId = fields['workflowId'];
  const integrationId = typeof workflowId === 'string' ? integrationIdOfWorkflow(workflowId) : undefined;
  return integrationId !== undefined ? { integrationId, ...fields } : fields;
}

class PinoSdkLogger implements SdkLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    this.pino[LEVELS[level]](sdkLogFields(meta), message);
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
 * server). If the SDK's runtime already exists, its logger and metrics stay
 * (the dev stack installs it first, with its own logger and these metrics).
 */
export function installSdkLogger(logger: Logger): void {
  try {
    Runtime.install({
      logger: new PinoSdkLogger(logger.child({ component: 'temporal-sdk' })),
      telemetryOptions: {
        // The core's own lines (warnings and errors) come through the logger above rather than printed as text.
        logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
        metrics: { buffer: sdkMetrics.buffer },
      },
    });
    sdkMetrics.startDraining();
  } catch {
    // Installed earlier in this process (the dev stack does it first).
  }
}
