/** The adapters' log port for the CLI: warnings and errors to stderr, the rest only with MARKET_PULSE_DEBUG. */
import type { Log } from '../../lambdas/log.js';
import type { CliIo } from './io.js';

export function cliLog(io: CliIo, debug = Boolean(process.env.MARKET_PULSE_DEBUG)): Log {
  const line = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    io.err(`${level}: ${message}${extra === undefined ? '' : ` ${JSON.stringify(extra)}`}`);
  const quiet = () => {};
  return { debug: debug ? line('debug') : quiet, info: debug ? line('info') : quiet, warn: line('warning'), error: line('error') };
}
