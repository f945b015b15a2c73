/**
 * A short-lived Oracle session for the operations tools (`extract`, and `health`'s probes): the
 * connect path of {@link OracleSource}, reused piece by piece rather than copied — the connection
 * factory (thin/thick, TCPS wallet), connect and call timeouts below the time left, retry with
 * backoff on transient errors, the re-read of SSM on refused credentials (a rotated password takes
 * effect without a restart), and errors classified and redacted by errors.ts.
 *
 * What it deliberately leaves out: no warm connection (a health check must prove that a *new*
 * connection works, and an extract is rare) and no circuit breaker (each ops function runs in its
 * own container, where only its own rare invocations would feed it).
 */
import { MarketPulseError, TransientSourceError, UsageError } from '../../errors.js';
import { silentLog, type Log } from '../../log.js';
import type { ClientMode, OracleConnectionFactory, OracleConnectionLike } from './connection.js';
import { classifyOracleError, isCredentialsOracleError, isTransientOracleError, oracleErrorCodes, toSourceError } from './errors.js';
import { sessionSetupSql } from './query.js';
import type { OracleSettings, SettingsProvider } from './settings.js';
import { closeWithin } from './warm-connection.js';
import { DEFAULT_RETRY_POLICY, retry, RetryExhaustedError, type RetryPolicy } from './retry.js';

export interface OracleSessionOptions {
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  /** Milliseconds left before the hard deadline (Lambda: getRemainingTimeInMillis); none by default. */
  readonly deadline?: () => number;
  /** When given, the session gets the source's NLS formats and this zone (dates as ISO text). */
  readonly timeZone?: string;
  readonly retry?: Partial<RetryPolicy>;
  readonly maxConnectTimeoutMs?: number;
  readonly maxCallTimeoutMs?: number;
  readonly log?: Log;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

const DEFAULT_MAX_CONNECT_TIMEOUT_MS = 20_000;
const DEFAULT_MAX_CALL_TIMEOUT_MS = 60_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** Rows per round trip: dictionary listings and samples are small. */
const MAX_FETCH_ARRAY_SIZE = 1_000;

export class OracleSession {
  private constructor(
    readonly connection: OracleConnectionLike,
    /** Holds the password: never log it, never put it in an output. */
    readonly settings: OracleSettings,
    readonly mode: ClientMode,
    private readonly timeLeftMs: () => number,
    private readonly maxCallTimeoutMs: number,
  ) {}

  /** `host:port/service`, for messages. */
  get endpoint(): string {
    return `${this.settings.host}:${this.settings.port}/${this.settings.serviceName}`;
  }

  /** Values that must never reach a message. */
  get secrets(): readonly (string | undefined)[] {
    return secretsOf(this.settings);
  }

  /**
   * Connects (retrying transient failures while the deadline allows; re-reading the settings once
   * when the credentials are refused) and sets the session up. Failures are product errors whose
   * message names the endpoint, the Oracle code and what to check, with every secret redacted.
   */
  static async open(options: OracleSessionOptions): Promise<OracleSession> {
    const log = options.log ?? silentLog;
    const setup = options.timeZone === undefined ? undefined : setupSql(options.timeZone);
    const first = await options.settings.get();
    try {
      return await OracleSession.connectWith(first, setup, options);
    } catch (error) {
      if (!isCredentialsOracleError(error)) throw connectFailure(error, first);
      log.warn('oracle: the database refused the credentials; re-reading the settings from SSM and trying once more', {
        code: classifyOracleError(error).code,
      });
      options.settings.invalidate();
      const fresh = await options.settings.get();
      try {
        return await OracleSession.connectWith(fresh, setup, options);
      } catch (second) {
        throw connectFailure(second, fresh);
      }
    }
  }

  private static async connectWith(settings: OracleSettings, setup: string | undefined, options: OracleSessionOptions): Promise<OracleSession> {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    const deadline = options.deadline ?? (() => Number.POSITIVE_INFINITY);
    const log = options.log ?? silentLog;
    const maxCall = options.maxCallTimeoutMs ?? DEFAULT_MAX_CALL_TIMEOUT_MS;
    const timeLeftMs = () => {
      const left = deadline() - policy.safetyMarginMs;
      if (left < policy.minAttemptMs) throw new TransientSourceError('not enough time left for another Oracle call; stopping before the deadline');
      return Math.floor(left);
    };
    const attempt = async (): Promise<OracleSession> => {
      const connection = await options.factory.connect(settings, {
        connectTimeoutMs: Math.min(options.maxConnectTimeoutMs ?? DEFAULT_MAX_CONNECT_TIMEOUT_MS, timeLeftMs()),
        callTimeoutMs: Math.min(maxCall, timeLeftMs()),
      });
      try {
        if (connection.warningCode === 'ORA-28002') {
          log.warn('oracle: the database says the password expires soon (ORA-28002); set a new one and update the SSM password parameter');
        }
        if (setup !== undefined) {
          connection.callTimeout = Math.min(maxCall, timeLeftMs());
          await connection.execute(setup);
        }
        return new OracleSession(connection, settings, options.factory.mode, timeLeftMs, maxCall);
      } catch (error) {
        await closeWithin(connection, CLOSE_TIMEOUT_MS);
        throw error;
      }
    };
    return retry(attempt, {
      policy,
      remainingMs: deadline,
      sleep: options.sleep,
      random: options.random,
      now: options.now,
      isRetryable: isTransientOracleError,
      onRetry: ({ attempt: failed, delayMs, error }) =>
        log.warn('oracle: transient failure while connecting; retrying', { attempt: failed, delayMs, code: oracleErrorCodes(error)[0] ?? 'unknown' }),
    });
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

  close(): Promise<void> {
    return closeWithin(this.connection, CLOSE_TIMEOUT_MS);
  }

  private callTimeoutMs(): number {
    return Math.min(this.maxCallTimeoutMs, this.timeLeftMs());
  }
}

function setupSql(timeZone: string): string {
  try {
    return sessionSetupSql(timeZone);
  } catch {
    throw new UsageError(`${JSON.stringify(timeZone)} is not an IANA time zone name (e.g. America/New_York)`);
  }
}

function secretsOf(settings: OracleSettings): (string | undefined)[] {
  return [settings.password, settings.walletPassword, settings.wallet];
}

/** The connect failure as a product error; a retry that ran out says how many attempts it made. */
export function connectFailure(error: unknown, settings: OracleSettings): MarketPulseError {
  const action = `connecting to ${settings.host}:${settings.port}/${settings.serviceName} as ${settings.username}`;
  const secrets = secretsOf(settings);
  if (error instanceof RetryExhaustedError) {
    if (error.attempts === 0) return new TransientSourceError(`${action}: not enough time left to try`);
    // A single attempt (health's probe) has no retry story to tell.
    if (error.attempts === 1 && error.reason === 'attempts') return toSourceError(error.cause, { action, secrets });
    const why = error.reason === 'deadline' ? 'the time left ran out' : 'the attempt limit was reached';
    return toSourceError(error.cause, { action: `${action} (${error.attempts} attempt(s) in ${(error.elapsedMs / 1000).toFixed(1)} s; ${why})`, secrets });
  }
  return toSourceError(error, { action, secrets });
}
