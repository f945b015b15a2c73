/**
 * What an {@link OracleSource} is built from, and the retry event it reports. The Lambda passes its
 * remaining time as the deadline and keeps the shared circuit breaker; the CLI passes an open
 * timeout (`--timeout`), no breaker, and prints each retry itself.
 */
import type { RunConfig } from '../../pipeline/config.js';
import type { Log } from '../../log.js';
import type { RunWindowBounds } from '../../pipeline/run-window.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { OracleConnectionFactory } from './connection.js';
import type { SettingsProvider } from './settings.js';
import type { WarmConnection } from './warm-connection.js';
import type { RetryPolicy } from './retry.js';

export interface OracleSourceOptions {
  readonly settings: SettingsProvider;
  readonly config: RunConfig;
  readonly window: RunWindowBounds;
  /** node-oracledb (thin, or thick with ORACLE_CLIENT_MODE=thick) unless a test passes a fake. */
  readonly factory?: OracleConnectionFactory;
  /** Milliseconds left before the hard deadline (Lambda: `context.getRemainingTimeInMillis`); none by default. */
  readonly deadline?: () => number;
  /**
   * Milliseconds open() may spend reaching the database (connects, retries and their waits, opening
   * the query), however far the deadline is; reading rows afterwards is not limited by it. The CLI's
   * `--timeout`: a process with no hard deadline still gives up on an unreachable host in bounded time.
   */
  readonly openTimeoutMs?: number;
  readonly log?: Log;
  /**
   * Shared across warm invocations by default (`oracleCircuitBreaker`). `null` for none: a CLI
   * process makes one run, so a breaker could only make it sit out its cool-down.
   */
  readonly breaker?: CircuitBreaker | null;
  /** Told of each retry instead of the default warning log line (the CLI prints its own line). */
  readonly onRetry?: (retry: OracleRetry) => void;
  /** Where a connection is kept between runs; none by default (a kept socket keeps a CLI process alive). */
  readonly warm?: WarmConnection;
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Rows per round trip and per batch handed to the pipeline. */
  readonly fetchArraySize?: number;
  /** The SSM prefix named in messages, e.g. `/market-pulse/prod/oracle/`. */
  readonly parameterPrefix?: string;
  readonly maxCallTimeoutMs?: number;
  readonly maxConnectTimeoutMs?: number;
}

/** A failed attempt to open the source that will be tried again (no driver text, so no secret). */
export interface OracleRetry {
  /** The attempt that failed, 1-based, and the most there will be. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The wait before the next attempt. */
  readonly delayMs: number;
  /** The Oracle/driver code (NJS-503, ORA-12541…), or `circuit-open`. */
  readonly code: string;
  /** `host:port/service`. */
  readonly endpoint: string;
  /** What is left of the time for opening when the wait starts (Infinity without a bound). */
  readonly budgetMs: number;
}
