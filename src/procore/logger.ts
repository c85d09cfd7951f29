// The client logs through whatever pino-compatible logger the process gives
// it; this is the smallest surface it needs, so a pino Logger fits as is.
export interface ProcoreLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
}

export const silentLogger: ProcoreLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
};
