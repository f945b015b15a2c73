/**
 * A fake Oracle for the adapter tests: a "database" with a password, rows and scripted failures, a
 * connection factory over it, an SSM-like settings provider that caches until invalidated, a fake
 * clock, and a log that records every line. No network, no driver.
 */
import type {
  ClientMode,
  ConnectTimeouts,
  OracleConnectionFactory,
  OracleConnectionLike,
  OracleRowBatches,
} from '../../lambdas/adapters/oracle/connection.js';
import type { OracleSettings, SettingsProvider } from '../../lambdas/adapters/oracle/settings.js';
import type { Log } from '../../lambdas/log.js';
import { COLUMNS, type ColumnName } from '../../lambdas/pipeline/columns.js';

export type DriverError = Error & { code: string; errorNum?: number; isRecoverable?: boolean };

/** An error shaped like node-oracledb's: `code` always, `errorNum` only for ORA codes (NJS-503 has none). */
export function driverError(code: string, text = 'database error'): DriverError {
  const error = new Error(`${code}: ${text}`) as DriverError;
  error.code = code;
  if (code.startsWith('ORA-')) error.errorNum = Number(code.slice(4));
  return error;
}

export const refused = () =>
  driverError('NJS-503', 'connection to host db.internal port 1521 could not be established. (CONNECTION_ID=abc)\nconnect ECONNREFUSED');
export const badLogin = () =>
  driverError('ORA-01017', 'invalid credential or not authorized; logon denied\nHelp: https://docs.oracle.com/error-help/db/ora-01017/');
export const dropped = () =>
  driverError('NJS-500', 'connection to Oracle Database was closed or broken\nORA-03113: end-of-file on communication channel');

export function settingsOf(overrides: Partial<OracleSettings> = {}): OracleSettings {
  return {
    host: 'db.internal',
    port: 1521,
    serviceName: 'COLORSPDB',
    username: 'MARKET_RO',
    password: 'initial-Pa55word',
    schema: 'market',
    table: 'colors',
    ...overrides,
  };
}

/** A full-width row in COLUMNS order. */
export function rowOf(fields: Partial<Record<ColumnName, string | null>>): (string | null)[] {
  return COLUMNS.map((column) => fields[column] ?? null);
}

export class FakeOracleDatabase {
  password: string;
  accountLocked = false;
  rows: (string | null)[][] = [];
  /** Thrown by connect(), one per call, before the password is checked. */
  connectFailures: (() => Error)[] = [];
  /** When set, every connect() fails with it (a database that stays down). */
  down: (() => Error) | undefined;
  /** Thrown by query(), one per call. */
  queryFailures: (() => Error)[] = [];
  /** A fetch that breaks after this many batches have been served. */
  fetchFailure: { readonly afterBatches: number; readonly error: () => Error } | undefined;
  /** Put the attempted password into error messages, as a buggy driver might. */
  echoPasswords = false;
  /** Milliseconds each connect takes on the fake clock. */
  connectCostMs = 0;
  clock: FakeClock | undefined;

  readonly connects: { readonly username: string; readonly password: string; readonly timeouts: ConnectTimeouts }[] = [];
  readonly executed: string[] = [];
  readonly queries: { readonly sql: string; readonly binds: Readonly<Record<string, string>>; readonly fetchArraySize: number }[] = [];
  readonly getRowsCalls: number[] = [];
  readonly connections: FakeConnection[] = [];
  readonly resultSets: FakeResultSet[] = [];

  constructor(password = 'initial-Pa55word') {
    this.password = password;
  }

  /** ALTER USER … IDENTIFIED BY: new logons need the new password; sessions live on unless killed. */
  changePassword(password: string, options: { killSessions?: boolean } = {}): void {
    this.password = password;
    if (options.killSessions) for (const connection of this.connections) connection.alive = false;
  }

  connect(settings: OracleSettings, timeouts: ConnectTimeouts): FakeConnection {
    this.connects.push({ username: settings.username, password: settings.password, timeouts });
    if (this.clock) this.clock.advance(this.connectCostMs);
    const scripted = this.connectFailures.shift() ?? this.down;
    if (scripted) throw scripted();
    if (this.accountLocked) throw driverError('ORA-28000', 'The account is locked.');
    if (settings.password !== this.password) {
      throw this.echoPasswords ? driverError('ORA-01017', `invalid credential for password ${settings.password}`) : badLogin();
    }
    const connection = new FakeConnection(this);
    this.connections.push(connection);
    return connection;
  }
}

export class FakeConnection implements OracleConnectionLike {
  callTimeout = 0;
  alive = true;
  closed = false;
  pings = 0;
  /** A ping that never answers (a blackholed socket). */
  pingHangs = false;
  warningCode: string | undefined;
  readonly callTimeouts: number[] = [];

  constructor(private readonly db: FakeOracleDatabase) {}

  async execute(sql: string): Promise<void> {
    this.check();
    this.callTimeouts.push(this.callTimeout);
    this.db.executed.push(sql);
  }

  async query(
    sql: string,
    binds: Readonly<Record<string, string>>,
    options: { readonly fetchArraySize: number },
  ): Promise<OracleRowBatches> {
    this.check();
    const failure = this.db.queryFailures.shift();
    if (failure) throw failure();
    this.db.queries.push({ sql, binds: { ...binds }, fetchArraySize: options.fetchArraySize });
    const resultSet = new FakeResultSet(this.db, this);
    this.db.resultSets.push(resultSet);
    return resultSet;
  }

  ping(): Promise<void> {
    this.pings++;
    if (this.pingHangs) return new Promise(() => {});
    return this.alive ? Promise.resolve() : Promise.reject(dropped());
  }

  async close(): Promise<void> {
    this.closed = true;
    this.alive = false;
  }

  check(): void {
    if (!this.alive) throw dropped();
  }
}

export class FakeResultSet implements OracleRowBatches {
  closed = false;
  private served = 0;
  private batches = 0;

  constructor(
    private readonly db: FakeOracleDatabase,
    private readonly connection: FakeConnection,
  ) {}

  async getRows(numRows: number): Promise<(string | null)[][]> {
    this.db.getRowsCalls.push(numRows);
    this.connection.check();
    if (this.db.fetchFailure && this.batches >= this.db.fetchFailure.afterBatches) {
      this.connection.alive = false;
      throw this.db.fetchFailure.error();
    }
    const batch = this.db.rows.slice(this.served, this.served + numRows).map((row) => [...row]);
    this.served += batch.length;
    if (batch.length > 0) this.batches++;
    return batch;
  }

  async close(): Promise<void> {
    this.connection.check();
    this.closed = true;
  }
}

export class FakeOracleFactory implements OracleConnectionFactory {
  constructor(
    private readonly db: FakeOracleDatabase,
    readonly mode: ClientMode = 'thin',
  ) {}

  async connect(settings: OracleSettings, timeouts: ConnectTimeouts): Promise<OracleConnectionLike> {
    return this.db.connect(settings, timeouts);
  }
}

/** SSM as the adapter sees it: `stored` is what the parameters hold; get() caches until invalidate(). */
export class FakeSettingsProvider implements SettingsProvider {
  stored: OracleSettings;
  gets = 0;
  reads = 0;
  invalidations = 0;
  private cached: OracleSettings | undefined;

  constructor(settings: OracleSettings = settingsOf()) {
    this.stored = settings;
  }

  async get(): Promise<OracleSettings> {
    this.gets++;
    if (this.cached === undefined) {
      this.reads++;
      this.cached = { ...this.stored };
    }
    return this.cached;
  }

  invalidate(): void {
    this.invalidations++;
    this.cached = undefined;
  }

  /** An operator edits the password parameter in the console; cached copies are not told. */
  rotate(password: string): void {
    this.stored = { ...this.stored, password };
  }
}

/** Time that only moves when told to; sleeping advances it. */
export class FakeClock {
  readonly sleeps: number[] = [];
  constructor(
    public time = 1_000_000,
    public deadlineAt = Number.POSITIVE_INFINITY,
  ) {}

  now = (): number => this.time;
  remaining = (): number => this.deadlineAt - this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Every log line, as text, in order. */
export class RecordingLog implements Log {
  readonly lines: string[] = [];
  debug(message: string, extra?: Record<string, unknown>): void {
    this.record('debug', message, extra);
  }
  info(message: string, extra?: Record<string, unknown>): void {
    this.record('info', message, extra);
  }
  warn(message: string, extra?: Record<string, unknown>): void {
    this.record('warn', message, extra);
  }
  error(message: string, extra?: Record<string, unknown>): void {
    this.record('error', message, extra);
  }
  private record(level: string, message: string, extra?: Record<string, unknown>): void {
    this.lines.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  }
}

/** An error's message, stack, own properties and causes, as one string to search. */
export function errorText(error: unknown, depth = 0): string {
  if (depth > 5 || error === undefined || error === null) return '';
  if (!(error instanceof Error)) return String(error);
  const own = Object.fromEntries(Object.entries(error).filter(([key]) => key !== 'cause'));
  return [error.message, error.stack ?? '', JSON.stringify(own), errorText(error.cause, depth + 1)].join('\n');
}
