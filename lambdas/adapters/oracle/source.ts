/**
 * The day's colors from Oracle (SPEC §6) as a {@link ColorSource}.
 *
 * open() reads the settings, builds the query (identifiers validated and quoted, window as binds),
 * connects — reusing a warm connection that still answers a ping — through retry and the circuit
 * breaker, and opens a result set. Rows are then streamed `fetchArraySize` at a time, one round
 * trip per batch, so memory holds one batch, not the day.
 *
 * Failure policy:
 * - transient (network, paused instance, dropped connection) before any row: retried with backoff
 *   while the deadline (and the open timeout, when given) allows; after that a TransientSourceError
 *   counting the attempts;
 * - refused credentials: the settings cache is dropped and re-read, and the connection tried once
 *   more — how a password rotated in SSM takes effect with no restart; refused again: CredentialsError;
 * - a failure once rows have flowed: TransientSourceError (or DatabaseError), never a silent
 *   partial read, since the run must not publish part of a day;
 * - anything else: DatabaseError with the Oracle code and what to check.
 * Secrets never reach a log line or an error: settings objects are never logged or attached, and
 * driver messages are redacted before they are wrapped.
 */
import { ConfigError, CredentialsError, MarketPulseError, TransientSourceError } from '../../errors.js';
import type { Log } from '../../log.js';
import { silentLog } from '../../log.js';
import type { ColorSource, OpenedSource, RawRecord } from '../../pipeline/ports.js';
import { CircuitBreaker, CircuitOpenError } from './circuit-breaker.js';
import type { OracleSourceOptions } from './source-options.js';
import {
  connectionKey,
  NodeOracleConnectionFactory,
  type OracleConnectionFactory,
  type OracleConnectionLike,
  type OracleRowBatches,
} from './connection.js';
import { classifyOracleError, isCredentialsOracleError, isTransientOracleError, oracleErrorCodes, toSourceError } from './errors.js';
import { buildColorQuery, dateOnlyWhenMidnight, sessionSetupSql, type ColorQuery } from './query.js';
import type { OracleSettings } from './settings.js';
import { closeWithin } from './warm-connection.js';
import { DEFAULT_RETRY_POLICY, retry, RetryExhaustedError, type RetryPolicy } from './retry.js';

export type { OracleRetry, OracleSourceOptions } from './source-options.js';

export const DEFAULT_FETCH_ARRAY_SIZE = 1_000;
const DEFAULT_MAX_CALL_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_CONNECT_TIMEOUT_MS = 20_000;
const CLOSE_TIMEOUT_MS = 2_000;

/** The module-scope breaker: it survives warm invocations, which is the point. */
export const oracleCircuitBreaker = new CircuitBreaker({ name: 'the Oracle database' });

interface Opened {
  readonly connection: OracleConnectionLike;
  readonly rows: OracleRowBatches;
  readonly query: ColorQuery;
  readonly key: string;
  readonly secrets: readonly (string | undefined)[];
}

export class OracleSource implements ColorSource {
  private readonly factory: OracleConnectionFactory;
  private readonly log: Log;
  private readonly breaker: CircuitBreaker | null;
  private readonly policy: RetryPolicy;
  private readonly deadline: () => number;
  private readonly now: () => number;
  private readonly fetchArraySize: number;
  private target: string | undefined;
  /** While open() runs with an open timeout: the time (on `now`) it must be done by. */
  private openBy: number | undefined;
  /** The last error the database itself gave while opening, to explain a run the breaker then stopped. */
  private lastDatabaseError: unknown;

  constructor(private readonly options: OracleSourceOptions) {
    this.factory = options.factory ?? new NodeOracleConnectionFactory();
    this.log = options.log ?? silentLog;
    this.breaker = options.breaker === undefined ? oracleCircuitBreaker : options.breaker;
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.deadline = options.deadline ?? (() => Number.POSITIVE_INFINITY);
    this.now = options.now ?? Date.now;
    if (options.openTimeoutMs !== undefined && !(options.openTimeoutMs > 0)) throw new RangeError('openTimeoutMs must be positive');
    this.fetchArraySize = options.fetchArraySize ?? DEFAULT_FETCH_ARRAY_SIZE;
    if (!Number.isInteger(this.fetchArraySize) || this.fetchArraySize < 1) throw new RangeError('fetchArraySize must be a positive integer');
  }

  /** `oracle:SCHEMA.TABLE` once open() has read the settings; `oracle` before. */
  get description(): string {
    return this.target === undefined ? 'oracle' : `oracle:${this.target}`;
  }

  async open(): Promise<OpenedSource> {
    this.openBy = this.options.openTimeoutMs === undefined ? undefined : this.now() + this.options.openTimeoutMs;
    try {
      const opened = await this.openRecoveringCredentials();
      return { header: opened.query.header, records: this.stream(opened) };
    } finally {
      this.openBy = undefined;
    }
  }

  private async openRecoveringCredentials(): Promise<Opened> {
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
        if (isCredentialsOracleError(second)) throw this.credentialsError(second, fresh);
        throw this.failure(second, fresh);
      }
    }
  }

  private async openWith(settings: OracleSettings): Promise<Opened> {
    const query = buildColorQuery({ schema: settings.schema, table: settings.table, columns: this.options.config.columns, window: this.options.window });
    this.target = query.target;
    const sessionSql = this.sessionSql();
    const key = connectionKey(settings, this.factory.mode);
    const secrets = [settings.password, settings.walletPassword, settings.wallet];
    const once = () => this.attempt(settings, query, sessionSql, key, secrets);
    const attempt = async (): Promise<Opened> => {
      try {
        return await (this.breaker ? this.breaker.run(once, isTransientOracleError) : once());
      } catch (error) {
        if (!(error instanceof CircuitOpenError)) this.lastDatabaseError = error;
        throw error;
      }
    };
    return retry(attempt, {
      // The safety margin is already out of budgetMs().
      policy: { ...this.policy, safetyMarginMs: 0 },
      remainingMs: () => this.budgetMs(),
      sleep: this.options.sleep,
      random: this.options.random,
      now: this.now,
      isRetryable: (error) => error instanceof CircuitOpenError || isTransientOracleError(error),
      retryAfterMs: (error) => (error instanceof CircuitOpenError ? error.retryAfterMs : undefined),
      onRetry: ({ attempt, delayMs, error }) => this.reportRetry(attempt, delayMs, error, settings),
    });
  }

  private reportRetry(attempt: number, delayMs: number, error: unknown, settings: OracleSettings): void {
    const code = oracleErrorCodes(error)[0] ?? 'circuit-open';
    if (this.options.onRetry === undefined) {
      this.log.warn('oracle: transient failure; retrying', { attempt, delayMs, code });
      return;
    }
    this.options.onRetry({
      attempt,
      maxAttempts: this.policy.maxAttempts,
      delayMs,
      code,
      endpoint: `${settings.host}:${settings.port}/${settings.serviceName}`,
      budgetMs: this.budgetMs(),
    });
  }

  /** One try: a warm connection that answers a ping, or a new one; then the session formats and the query. */
  private async attempt(settings: OracleSettings, query: ColorQuery, sessionSql: string, key: string, secrets: Opened['secrets']): Promise<Opened> {
    let connection = await this.options.warm?.take(key, this.log);
    const reused = connection !== undefined;
    connection ??= await this.factory.connect(settings, {
      connectTimeoutMs: Math.min(this.options.maxConnectTimeoutMs ?? DEFAULT_MAX_CONNECT_TIMEOUT_MS, this.timeLeft()),
      callTimeoutMs: this.callTimeoutMs(),
    });
    try {
      if (connection.warningCode === 'ORA-28002') {
        this.log.warn('oracle: the database says the password expires soon (ORA-28002); set a new one and update the SSM password parameter');
      }
      connection.callTimeout = this.callTimeoutMs();
      await connection.execute(sessionSql);
      const rows = await connection.query(query.sql, query.binds, { fetchArraySize: this.fetchArraySize });
      this.log.info('oracle: query opened', { target: query.target, mode: this.factory.mode, reused, fetchArraySize: this.fetchArraySize });
      return { connection, rows, query, key, secrets };
    } catch (error) {
      await closeWithin(connection, CLOSE_TIMEOUT_MS);
      throw error;
    }
  }

  private async *stream(opened: Opened): AsyncGenerator<RawRecord> {
    const { connection, rows, query } = opened;
    const now = this.now;
    const started = now();
    let sourceRow = 0;
    let batches = 0;
    let healthy = true;
    try {
      for (;;) {
        let batch: (string | null)[][];
        try {
          connection.callTimeout = this.callTimeoutMs();
          batch = await rows.getRows(this.fetchArraySize);
        } catch (error) {
          healthy = false;
          throw toSourceError(error, {
            action: `reading ${query.target} (stopped after ${sourceRow} rows; nothing from this read is published)`,
            secrets: opened.secrets,
          });
        }
        if (batch.length === 0) break;
        batches++;
        for (const values of batch) yield record(++sourceRow, values, query);
      }
      this.log.info('oracle: rows read', { target: query.target, rows: sourceRow, batches, durationMs: now() - started });
    } finally {
      await this.release(opened, healthy);
    }
  }

  /** Closes the result set; keeps a healthy connection warm when asked to, else closes it. */
  private async release(opened: Opened, healthy: boolean): Promise<void> {
    let reusable = healthy;
    if (reusable) {
      try {
        await opened.rows.close();
      } catch {
        reusable = false;
      }
    }
    if (reusable && this.options.warm !== undefined) this.options.warm.keep(opened.key, opened.connection);
    else await closeWithin(opened.connection, CLOSE_TIMEOUT_MS);
  }

  /** Time for a call: what is left after the safety margin, capped. Out of time is transient. */
  private callTimeoutMs(): number {
    return Math.min(this.options.maxCallTimeoutMs ?? DEFAULT_MAX_CALL_TIMEOUT_MS, this.timeLeft());
  }

  /** What may still be spent: the deadline less the safety margin, and while opening, the open timeout. */
  private budgetMs(): number {
    const beforeDeadline = this.deadline() - this.policy.safetyMarginMs;
    return this.openBy === undefined ? beforeDeadline : Math.min(beforeDeadline, this.openBy - this.now());
  }

  private timeLeft(): number {
    const left = this.budgetMs();
    if (left < this.policy.minAttemptMs) {
      throw new TransientSourceError(`not enough time left to read ${this.target ?? 'Oracle'}; the run stops before the deadline so nothing partial is published`);
    }
    return Math.floor(left);
  }

  private sessionSql(): string {
    try {
      return sessionSetupSql(this.options.config.window.timeZone);
    } catch (error) {
      throw new ConfigError('window.timeZone', [{ path: 'window.timeZone', message: 'must be an IANA zone name (e.g. America/New_York) to read Oracle' }], { cause: error });
    }
  }

  private failure(error: unknown, settings: OracleSettings): MarketPulseError {
    const endpoint = `${settings.host}:${settings.port}/${settings.serviceName}`;
    const secrets = [settings.password, settings.walletPassword, settings.wallet];
    if (error instanceof RetryExhaustedError) {
      if (error.attempts === 0) {
        return new TransientSourceError(`not enough time left to open ${this.target ?? 'Oracle'} at ${endpoint}; nothing was tried and nothing is published`);
      }
      const why = error.reason === 'attempts' ? 'the attempt limit was reached' : this.outOfTimeReason();
      // When the breaker refused the last try, the database's own last answer is what explains it.
      const breakerOpen = error.cause instanceof CircuitOpenError && this.lastDatabaseError !== undefined;
      return toSourceError(breakerOpen ? this.lastDatabaseError : error.cause, {
        action:
          `opening ${this.target ?? 'Oracle'} at ${endpoint} (${error.attempts} attempt(s) in ${(error.elapsedMs / 1000).toFixed(1)} s; ${why}` +
          `${breakerOpen ? '; the circuit breaker is now open' : ''})`,
        secrets,
      });
    }
    return toSourceError(error, { action: `opening ${this.target ?? 'Oracle'} at ${endpoint}`, secrets });
  }

  /** Which bound stopped the retries: the open timeout when it is the nearer one, else the deadline. */
  private outOfTimeReason(): string {
    const openTimeoutMs = this.options.openTimeoutMs;
    const openTimeoutFirst = this.openBy !== undefined && this.openBy - this.now() <= this.deadline() - this.policy.safetyMarginMs;
    return openTimeoutFirst ? `too little of the ${openTimeoutMs! / 1000} s allowed for connecting was left for another attempt` : 'the time left ran out';
  }

  private credentialsError(error: unknown, settings: OracleSettings): CredentialsError {
    const { code, hint } = classifyOracleError(error);
    const parameter = `${this.options.parameterPrefix ?? '…/oracle/'}password`;
    return new CredentialsError(
      `Oracle at ${settings.host}:${settings.port}/${settings.serviceName} refused the credentials of user ${settings.username} (${code}), ` +
        `also after re-reading them from SSM: ${hint}. Check or rotate the SSM parameter ${parameter} — the job reads it at run time, ` +
        'so no redeploy is needed',
      { cause: toSourceError(error, { action: 'connecting', secrets: [settings.password, settings.walletPassword, settings.wallet] }) },
    );
  }
}

function record(sourceRow: number, values: (string | null)[], query: ColorQuery): RawRecord {
  if (values.length !== query.header.length) {
    return { sourceRow, values, problem: `the database returned ${values.length} fields, expected ${query.header.length}` };
  }
  for (const position of query.dateColumns) {
    const value = values[position];
    if (value !== null && value !== undefined) values[position] = dateOnlyWhenMidnight(value);
  }
  return { sourceRow, values };
}
