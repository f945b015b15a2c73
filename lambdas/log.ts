/**
 * The logging port adapters write through. Powertools' Logger satisfies it in the Lambdas; tests
 * pass a recorder. Callers never put secret values in `extra` (see SECRET_SETTINGS).
 */
export interface Log {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
