/**
 * The day's colors from Oracle (docs/oracle.md) as a {@link ColorSource}.
 *
 * open() opens an {@link OracleSession} — settings, a warm connection that still answers a ping,
 * retries and the circuit breaker, the credentials re-read all live there — whose first step opens
 * the query: identifiers validated and quoted, the run window as binds. Rows are then streamed
 * `fetchArraySize` at a time, one round trip per batch, so memory holds one batch, not the day.
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
import { ConfigError } from '../../errors.js';
import { type Log, silentLog } from '../../log.js';
import type { RunConfig } from '../../pipeline/config.js';
import type { ColorSource, OpenedSource, RawRecord } from '../../pipeline/ports.js';
import type { RunWindowBounds } from '../../pipeline/run-window.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { NodeOracleConnectionFactory, type OracleConnectionFactory, type OracleRowBatches } from './connection.js';
import { buildColorQuery, type ColorQuery, dateOnlyWhenMidnight, sessionSetupSql } from './query.js';
import { checkOpenTimeout, OracleSession, type OracleSessionOptions } from './session.js';
import { endpointOf, type OracleSettings, tableOf } from './settings.js';

/**
 * What an {@link OracleSource} is built from. The Lambda passes its remaining time as the deadline,
 * the warm connection and the shared circuit breaker; the CLI passes an open timeout (`--timeout`),
 * no breaker, and prints each retry itself.
 */
export interface OracleSourceOptions extends Omit<OracleSessionOptions, 'factory' | 'breaker' | 'setupSql' | 'purpose'> {
  readonly config: RunConfig;
  readonly window: RunWindowBounds;
  /** node-oracledb (thin, or thick with ORACLE_CLIENT_MODE=thick) unless a test passes a fake. */
  readonly factory?: OracleConnectionFactory;
  /**
   * Shared across warm invocations by default (`oracleCircuitBreaker`). `null` for none: a CLI
   * process makes one run, so a breaker could only make it sit out its cool-down.
   */
  readonly breaker?: CircuitBreaker | null;
  /** Rows per round trip and per batch handed to the pipeline. */
  readonly fetchArraySize?: number;
}

const DEFAULT_FETCH_ARRAY_SIZE = 1_000;
/** A fetch of a full batch from a large table may take longer than an ops tool's dictionary query. */
const READ_CALL_TIMEOUT_MS = 120_000;

/** The module-scope breaker: it survives warm invocations, which is the point. */
const oracleCircuitBreaker = new CircuitBreaker({ name: 'the Oracle database' });

interface OpenedQuery {
  readonly query: ColorQuery;
  readonly rows: OracleRowBatches;
}

export class OracleSource implements ColorSource {
  private readonly session: OracleSessionOptions;
  private readonly log: Log;
  private readonly fetchArraySize: number;
  private target: string | undefined;

  constructor(private readonly options: OracleSourceOptions) {
    checkOpenTimeout(options.openTimeoutMs);
    this.fetchArraySize = options.fetchArraySize ?? DEFAULT_FETCH_ARRAY_SIZE;
    if (!Number.isInteger(this.fetchArraySize) || this.fetchArraySize < 1)
      throw new RangeError('fetchArraySize must be a positive integer');
    this.log = options.log ?? silentLog;
    this.session = {
      ...options,
      factory: options.factory ?? new NodeOracleConnectionFactory(),
      breaker: options.breaker === null ? undefined : (options.breaker ?? oracleCircuitBreaker),
      maxCallTimeoutMs: options.maxCallTimeoutMs ?? READ_CALL_TIMEOUT_MS,
      purpose: (settings) => {
        const what = `${tableOf(settings)} at ${endpointOf(settings)}`;
        return { doing: `opening ${what}`, toDo: `open ${what}` };
      },
    };
  }

  /** `oracle:SCHEMA.TABLE` once open() has read the settings; `oracle` before. */
  get description(): string {
    return this.target === undefined ? 'oracle' : `oracle:${this.target}`;
  }

  async open(): Promise<OpenedSource> {
    const setupSql = this.sessionSql();
    const { session, first } = await OracleSession.openFor({ ...this.session, setupSql }, (settings) => this.planQuery(settings));
    return { header: first.query.header, records: this.stream(session, first) };
  }

  /** The query for these settings (checked before any connection), and the step that opens it. */
  private planQuery(settings: OracleSettings): (session: OracleSession) => Promise<OpenedQuery> {
    const { config, window } = this.options;
    const query = buildColorQuery({ schema: settings.schema, table: settings.table, columns: config.columns, window });
    this.target = query.target;
    return async (session) => {
      const rows = await session.connection.query(query.sql, query.binds, { fetchArraySize: this.fetchArraySize });
      this.log.info('oracle: query opened', {
        target: query.target,
        mode: session.mode,
        reused: session.reused,
        fetchArraySize: this.fetchArraySize,
      });
      return { query, rows };
    };
  }

  private async *stream(session: OracleSession, { query, rows }: OpenedQuery): AsyncGenerator<RawRecord> {
    const now = this.options.now ?? Date.now;
    const started = now();
    let sourceRow = 0;
    let batches = 0;
    let healthy = true;
    try {
      for (;;) {
        let batch: (string | null)[][];
        try {
          session.connection.callTimeout = session.callTimeoutMs();
          batch = await rows.getRows(this.fetchArraySize);
        } catch (error) {
          healthy = false;
          throw session.failure(error, `reading ${query.target} (stopped after ${sourceRow} rows; nothing from this read is published)`);
        }
        if (batch.length === 0) break;
        batches++;
        for (const values of batch) yield record(++sourceRow, values, query);
      }
      this.log.info('oracle: rows read', { target: query.target, rows: sourceRow, batches, durationMs: now() - started });
    } finally {
      await release(session, rows, healthy);
    }
  }

  private sessionSql(): string {
    try {
      return sessionSetupSql(this.options.config.window.timeZone);
    } catch (error) {
      const message = 'must be an IANA zone name (e.g. America/New_York) to read Oracle';
      throw new ConfigError('window.timeZone', [{ path: 'window.timeZone', message }], { cause: error });
    }
  }
}

/** Closes the result set; a connection that read to the end (or was stopped early) cleanly may be kept warm. */
async function release(session: OracleSession, rows: OracleRowBatches, healthy: boolean): Promise<void> {
  let reusable = healthy;
  if (reusable) {
    try {
      await rows.close();
    } catch {
      reusable = false;
    }
  }
  await session.release(reusable);
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
