/**
 * The one way into Oracle: the run's source, `health` and `extract` all open a session here.
 *
 * - The settings come from the provider (SSM, cached). Refused credentials (ORA-01017, ORA-28001…)
 *   drop the cache, re-read it and try once more: how a password rotated in SSM takes effect with no
 *   restart and no redeploy.
 * - An attempt takes the kept connection when a {@link WarmConnection} is given and it still answers
 *   a ping, else connects through the factory (thin or thick, TCPS); logs the ORA-28002 warning;
 *   sets the session up; and runs the caller's first step (the source opens its query). A failure
 *   anywhere in it closes the connection and is retried or reported like a failed connect.
 * - Transient failures are retried with backoff and jitter while time allows: the deadline (the
 *   Lambda's remaining time) less the policy's safety margin, and the open timeout when one is given
 *   (the CLI's --timeout). Every connect and call timeout is held below what is left.
 * - An optional {@link CircuitBreaker} fails fast while the database keeps failing. The run-colors
 *   Lambda keeps one across warm invocations; the ops tools (each in its own container, invoked
 *   rarely) and the CLI (one run per process) use none, and no warm connection either: a health check
 *   must prove that a new connection works, and a kept socket would keep a CLI process alive.
 * - Failures are product errors naming the work, the endpoint, the Oracle code and what to check,
 *   with every secret redacted (open-failure.ts, errors.ts).
 */
import type { MarketPulseError } from '../../errors.js';
import { type Log, silentLog } from '../../log.js';
import { type CircuitBreaker, CircuitOpenError } from './circuit-breaker.js';
import { type ClientMode, connectionKey, type OracleConnectionFactory, type OracleConnectionLike } from './connection.js';
import { classifyOracleError, isCredentialsOracleError, isTransientOracleError, oracleErrorCodes, toSourceError } from './errors.js';
import { credentialsRefusedAgain, openFailure, type SessionPurpose } from './open-failure.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy, retry } from './retry.js';
import { endpointOf, type OracleSettings, type SettingsProvider, secretsOf } from './settings.js';
import { TimeBudget } from './time-budget.js';
import { closeWithin, type WarmConnection } from './warm-connection.js';

export type { SessionPurpose } from './open-failure.js';

export interface OracleSessionOptions {
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  /** Milliseconds left before the hard deadline (Lambda: getRemainingTimeInMillis); none by default. */
  readonly deadline?: () => number;
  /**
   * Milliseconds opening may spend (connects, retries and their waits, the first step), however far
   * the deadline is; the session's calls afterwards are not limited by it.
   */
  readonly openTimeoutMs?: number;
  /** Run on every connection, new or reused, before the first step (sessionSetupSql's ALTER SESSION). */
  readonly setupSql?: string;
  /** Where a connection is kept between invocations; none by default. */
  readonly warm?: WarmConnection;
  /** Fails fast while the database keeps failing; none by default. */
  readonly breaker?: CircuitBreaker;
  readonly retry?: Partial<RetryPolicy>;
  readonly maxConnectTimeoutMs?: number;
  readonly maxCallTimeoutMs?: number;
  /** Names the work in messages; by default `connecting to host:port/service as USER`. */
  readonly purpose?: (settings: OracleSettings) => SessionPurpose;
  /** The SSM prefix named when credentials are refused, e.g. `/market-pulse/prod/oracle/`. */
  readonly parameterPrefix?: string;
  /** Told of each retry instead of the default warning log line (the CLI prints its own line). */
  readonly onRetry?: (retry: OracleRetry) => void;
  readonly log?: Log;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

/** A failed attempt to open a session that will be tried again (no driver text, so no secret). */
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

/**
 * What to do once connected, planned from the settings before the first connect, so that a setting
 * that cannot work (a table name that is no identifier) fails before any connection is made.
 */
export type FirstStep<T> = (settings: OracleSettings) => (session: OracleSession) => Promise<T>;

const DEFAULT_MAX_CONNECT_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_CALL_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** Rows per round trip for {@link OracleSession.rows}: dictionary listings and samples are small. */
const MAX_FETCH_ARRAY_SIZE = 1_000;

export class OracleSession {
  /** Made by {@link OracleSession.open} and {@link OracleSession.openFor} only. */
  constructor(
    readonly connection: OracleConnectionLike,
    /** Holds the password: never log it, never put it in an output. */
    readonly settings: OracleSettings,
    readonly mode: ClientMode,
    /** Whether the connection is a kept one, reused. */
    readonly reused: boolean,
    private readonly keep: { readonly key: string; readonly warm: WarmConnection | undefined },
    private readonly time: TimeBudget,
  ) {}

  static async open(options: OracleSessionOptions): Promise<OracleSession> {
    return (await OracleSession.openFor(options, () => async () => undefined)).session;
  }

  /** Opens a session and takes its first step inside the same attempt; failures are product errors. */
  static openFor<T>(options: OracleSessionOptions, first: FirstStep<T>): Promise<{ readonly session: OracleSession; readonly first: T }> {
    return new Opening(options, first).run();
  }

  /** `host:port/service`, for messages. */
  get endpoint(): string {
    return endpointOf(this.settings);
  }

  /** Values that must never reach a message. */
  get secrets(): readonly (string | undefined)[] {
    return secretsOf(this.settings);
  }

  /** Time for the next call: what is left before the deadline (less the margin), capped. Out of time is transient. */
  callTimeoutMs(): number {
    return this.time.callTimeoutMs();
  }

  /**
   * Runs one read-only query and returns at most `maxRows` rows (every value text or null). Driver
   * errors are thrown as they are, so a caller can tolerate one (a v$ view it may not read) or wrap
   * it with {@link OracleSession.failure}.
   */
  async rows(sql: string, binds: Readonly<Record<string, string>>, maxRows: number): Promise<(string | null)[][]> {
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError('maxRows must be a positive integer');
    const fetchArraySize = Math.min(maxRows, MAX_FETCH_ARRAY_SIZE);
    this.connection.callTimeout = this.callTimeoutMs();
    const resultSet = await this.connection.query(sql, binds, { fetchArraySize });
    const rows: (string | null)[][] = [];
    try {
      while (rows.length < maxRows) {
        this.connection.callTimeout = this.callTimeoutMs();
        const batch = await resultSet.getRows(Math.min(fetchArraySize, maxRows - rows.length));
        if (batch.length === 0) break;
        rows.push(...batch);
      }
    } finally {
      await resultSet.close().catch(() => {});
    }
    return rows;
  }

  /** A driver error as a product error: code, redacted driver text, and what to check. */
  failure(error: unknown, action: string): MarketPulseError {
    return toSourceError(error, { action, secrets: this.secrets });
  }

  /** Ends the session: a connection still fit for use is kept when a WarmConnection was given, else closed. */
  async release(reusable: boolean): Promise<void> {
    if (reusable && this.keep.warm !== undefined) this.keep.warm.keep(this.keep.key, this.connection);
    else await closeWithin(this.connection, CLOSE_TIMEOUT_MS);
  }

  close(): Promise<void> {
    return this.release(false);
  }
}

/** One call of {@link OracleSession.openFor}: its time budget and what it learned along the way. */
class Opening<T> {
  private readonly log: Log;
  private readonly policy: RetryPolicy;
  private readonly time: TimeBudget;
  /** The last error the database itself gave, to explain a last try the breaker then refused. */
  private lastDatabaseError: unknown;

  constructor(
    private readonly options: OracleSessionOptions,
    private readonly first: FirstStep<T>,
  ) {
    checkOpenTimeout(options.openTimeoutMs);
    this.log = options.log ?? silentLog;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const now = options.now ?? Date.now;
    const openBy = options.openTimeoutMs === undefined ? undefined : now() + options.openTimeoutMs;
    const deadline = options.deadline ?? (() => Number.POSITIVE_INFINITY);
    const limits = { ...this.policy, maxCallTimeoutMs: options.maxCallTimeoutMs ?? DEFAULT_MAX_CALL_TIMEOUT_MS };
    this.time = new TimeBudget(deadline, now, limits, openBy);
  }

  async run(): Promise<{ readonly session: OracleSession; readonly first: T }> {
    const first = await this.options.settings.get();
    try {
      return await this.openWith(first);
    } catch (error) {
      if (!isCredentialsOracleError(error)) throw this.failure(error, first);
      this.log.warn('oracle: the database refused the credentials; re-reading the settings from SSM and trying once more', {
        code: classifyOracleError(error).code,
      });
      this.options.settings.invalidate();
      const fresh = await this.options.settings.get();
      try {
        return await this.openWith(fresh);
      } catch (second) {
        if (isCredentialsOracleError(second)) throw credentialsRefusedAgain(second, this.context(fresh));
        throw this.failure(second, fresh);
      }
    }
  }

  private openWith(settings: OracleSettings): Promise<{ readonly session: OracleSession; readonly first: T }> {
    const step = this.first(settings);
    const key = connectionKey(settings, this.options.factory.mode);
    const once = () => this.attempt(settings, key, step);
    const { breaker } = this.options;
    const guarded = async () => {
      try {
        return await (breaker ? breaker.run(once, isTransientOracleError) : once());
      } catch (error) {
        if (!(error instanceof CircuitOpenError)) this.lastDatabaseError = error;
        throw error;
      }
    };
    return retry(guarded, {
      // The safety margin is already out of the time left.
      policy: { ...this.policy, safetyMarginMs: 0 },
      remainingMs: () => this.time.leftMs(),
      sleep: this.options.sleep,
      random: this.options.random,
      now: this.options.now,
      isRetryable: (error) => error instanceof CircuitOpenError || isTransientOracleError(error),
      retryAfterMs: (error) => (error instanceof CircuitOpenError ? error.retryAfterMs : undefined),
      onRetry: ({ attempt, delayMs, error }) => this.reportRetry(attempt, delayMs, error, settings),
    });
  }

  private async attempt(settings: OracleSettings, key: string, step: (session: OracleSession) => Promise<T>) {
    const { factory, warm, setupSql } = this.options;
    let connection = await warm?.take(key, this.log);
    const reused = connection !== undefined;
    connection ??= await factory.connect(settings, {
      connectTimeoutMs: Math.min(this.options.maxConnectTimeoutMs ?? DEFAULT_MAX_CONNECT_TIMEOUT_MS, this.time.forCall()),
      callTimeoutMs: this.time.callTimeoutMs(),
    });
    try {
      if (connection.warningCode === 'ORA-28002') {
        this.log.warn(
          'oracle: the database says the password expires soon (ORA-28002); set a new one and update the SSM password parameter',
        );
      }
      connection.callTimeout = this.time.callTimeoutMs();
      if (setupSql !== undefined) await connection.execute(setupSql);
      // Once open, the session's calls are bounded by the deadline only.
      const session = new OracleSession(connection, settings, factory.mode, reused, { key, warm }, this.time.afterOpening());
      return { session, first: await step(session) };
    } catch (error) {
      await closeWithin(connection, CLOSE_TIMEOUT_MS);
      throw error;
    }
  }

  private reportRetry(attempt: number, delayMs: number, error: unknown, settings: OracleSettings): void {
    const code = error instanceof CircuitOpenError ? 'circuit-open' : (oracleErrorCodes(error)[0] ?? 'unknown');
    if (this.options.onRetry === undefined) {
      this.log.warn('oracle: transient failure; retrying', { attempt, delayMs, code });
      return;
    }
    const { maxAttempts } = this.policy;
    this.options.onRetry({ attempt, maxAttempts, delayMs, code, endpoint: endpointOf(settings), budgetMs: this.time.leftMs() });
  }

  private failure(error: unknown, settings: OracleSettings): MarketPulseError {
    return openFailure(error, this.context(settings));
  }

  private context(settings: OracleSettings) {
    const purpose = this.options.purpose?.(settings) ?? connecting(settings);
    const { parameterPrefix } = this.options;
    const outOfTime = this.time.openTimeoutFirst()
      ? `too little of the ${this.options.openTimeoutMs! / 1000} s allowed for connecting was left for another attempt`
      : 'the time left ran out';
    return { settings, purpose, outOfTime, lastDatabaseError: this.lastDatabaseError, ...(parameterPrefix ? { parameterPrefix } : {}) };
  }
}

export function checkOpenTimeout(ms: number | undefined): void {
  if (ms !== undefined && !(ms > 0)) throw new RangeError('openTimeoutMs must be positive');
}

function connecting(settings: OracleSettings): SessionPurpose {
  const what = `${endpointOf(settings)} as ${settings.username}`;
  return { doing: `connecting to ${what}`, toDo: `connect to ${what}` };
}
