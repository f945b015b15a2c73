/**
 * A fake Oracle that answers by SQL: each query is matched against scripted routes (a regex on the
 * SQL text) and answered with rows or a driver error, so the ops tools' dictionary queries can be
 * scripted one by one and every SQL text and bind set is recorded for assertions. Connects check
 * the password like fake-oracle.ts's database, and can be scripted to fail or hang.
 */
import type {
  ClientMode,
  ConnectTimeouts,
  OracleConnectionFactory,
  OracleConnectionLike,
  OracleRowBatches,
} from '../../lambdas/adapters/oracle/connection.js';
import type { OracleSettings } from '../../lambdas/adapters/oracle/settings.js';
import { badLogin, driverError } from './fake-oracle.js';

export type Rows = (string | null)[][];
/** Rows; a zero-argument error factory; or a one-argument function of the binds (a never-settling promise hangs the call). */
export type Answer = Rows | (() => Error) | ((binds: Readonly<Record<string, string>>) => Rows | Promise<Rows>);

interface Route {
  readonly match: RegExp;
  readonly answer: Answer;
}

export class ScriptedOracle implements OracleConnectionFactory {
  password: string;
  /** Thrown by connect(), one per call, before the password is checked. */
  connectFailures: (() => Error)[] = [];
  /** Every connect fails with it (a database that stays down, or thick mode without the client). */
  down: (() => Error) | undefined;
  /** connect() never settles (a blackholed network path). */
  connectHangs = false;
  readonly connects: { readonly username: string; readonly timeouts: ConnectTimeouts }[] = [];
  readonly executed: string[] = [];
  readonly queries: {
    readonly sql: string;
    readonly binds: Readonly<Record<string, string>>;
    readonly fetchArraySize: number;
    readonly callTimeout: number;
  }[] = [];
  readonly connections: ScriptedConnection[] = [];
  private readonly routes: Route[] = [];

  constructor(
    readonly mode: ClientMode = 'thin',
    password = 'initial-Pa55word',
  ) {
    this.password = password;
  }

  /** Answers SQL matching `match`; later routes win over earlier ones, so a test can override a default. */
  on(match: RegExp, answer: Answer): this {
    this.routes.unshift({ match, answer });
    return this;
  }

  answer(sql: string, binds: Readonly<Record<string, string>>): Rows | Promise<Rows> {
    const route = this.routes.find((candidate) => candidate.match.test(sql));
    if (!route) throw new Error(`ScriptedOracle: no scripted answer for SQL:\n${sql}`);
    const { answer } = route;
    if (Array.isArray(answer)) return answer.map((row) => [...row]);
    // A zero-argument function is an error factory; a one-argument one computes rows from the binds.
    if (answer.length === 0) throw (answer as () => Error)();
    return (answer as (binds: Readonly<Record<string, string>>) => Rows | Promise<Rows>)(binds);
  }

  async connect(settings: OracleSettings, timeouts: ConnectTimeouts): Promise<OracleConnectionLike> {
    this.connects.push({ username: settings.username, timeouts });
    if (this.connectHangs) return new Promise(() => {});
    const scripted = this.connectFailures.shift() ?? this.down;
    if (scripted) throw scripted();
    if (settings.password !== this.password) throw badLogin();
    const connection = new ScriptedConnection(this);
    this.connections.push(connection);
    return connection;
  }
}

export class ScriptedConnection implements OracleConnectionLike {
  callTimeout = 0;
  closed = false;
  readonly warningCode: string | undefined = undefined;

  constructor(private readonly db: ScriptedOracle) {}

  async execute(sql: string): Promise<void> {
    this.db.executed.push(sql);
  }

  async query(
    sql: string,
    binds: Readonly<Record<string, string>>,
    options: { readonly fetchArraySize: number },
  ): Promise<OracleRowBatches> {
    if (this.closed) throw driverError('NJS-003', 'invalid or closed connection');
    this.db.queries.push({ sql, binds: { ...binds }, fetchArraySize: options.fetchArraySize, callTimeout: this.callTimeout });
    const rows = await this.db.answer(sql, binds);
    let served = 0;
    return {
      getRows: async (numRows) => {
        const batch = rows.slice(served, served + numRows);
        served += batch.length;
        return batch;
      },
      close: async () => {},
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}

export const noTable = () =>
  driverError('ORA-00942', 'table or view does not exist\nHelp: https://docs.oracle.com/error-help/db/ora-00942/');
export const noPrivilege = () => driverError('ORA-01031', 'insufficient privileges');

/** The columns of the scripted MARKET.COLORS, as ALL_TAB_COLUMNS returns them (numbers as text). */
export const COLOR_COLUMNS: Rows = [
  ['MESSAGE_ID', 'NUMBER', '22', '0', '19', '0', 'N', '1'],
  ['CUSIP', 'VARCHAR2', '9', '9', null, null, 'N', '2'],
  ['DATE', 'DATE', '7', '0', null, null, 'Y', '3'],
  ['PX', 'NUMBER', '22', '0', null, null, 'Y', '4'],
  ['DEALER', 'VARCHAR2', '100', '100', null, null, 'Y', '5'],
  ['CREATED_AT', 'TIMESTAMP(6) WITH TIME ZONE', '13', '0', null, null, 'Y', '6'],
  ['PAYLOAD', 'BLOB', '4000', '0', null, null, 'Y', '7'],
];

/** Sample rows for the sampled columns (PAYLOAD, a BLOB, is left out): what TO_CHAR and the text fetch give. */
export const COLOR_ROWS: Rows = [
  ['1234567890123456789', '912828XY1', '2026-11-20T10:15:00', '99.125', 'Dealer, "Quoted" & Co', '2026-11-20T10:15:00.000000000-05:00'],
  ['9007199254740993', '38141GXZ2', '2026-11-20T00:00:00', '0.5', null, null],
];

/**
 * A database with one readable table, MARKET.COLORS, and the dictionary answers an ordinary account
 * gets: PUBLIC views readable, V$VERSION not.
 */
export function scriptedDictionary(db = new ScriptedOracle()): ScriptedOracle {
  return db
    .on(/^SELECT 1 FROM dual$/, [['1']])
    .on(/FROM product_component_version/, [['Oracle Database 19c Enterprise Edition ', '19.0.0.0.0']])
    .on(/FROM v\$version/, noTable)
    .on(/SYS_CONTEXT\('USERENV', 'DB_NAME'\)/, [
      [
        'COLORSDB',
        'colorsdb1',
        'COLORSPDB',
        'MARKET',
        'MARKET_RO',
        '2026-11-20T23:00:00.123+00:00',
        '2026-11-20T23:00:00',
        '+00:00',
        'America/New_York',
      ],
    ])
    .on(/FROM nls_database_parameters/, [
      ['NLS_CHARACTERSET', 'AL32UTF8'],
      ['NLS_NCHAR_CHARACTERSET', 'AL16UTF16'],
    ])
    .on(/FROM all_tables t/, [
      ['MARKET', 'COLORS', '1250000', '2026-11-19T02:00:00'],
      ['MARKET', 'DEALERS', null, null],
    ])
    .on(/FROM all_tab_columns/, (binds) => (binds.owner === 'MARKET' && binds.table_name === 'COLORS' ? COLOR_COLUMNS : []))
    .on(/FROM all_constraints/, (binds) => (binds.owner === 'MARKET' && binds.table_name === 'COLORS' ? [['COLORS_PK', 'MESSAGE_ID']] : []))
    .on(/^SELECT 1 FROM "MARKET"\."COLORS" WHERE ROWNUM <= 1$/, [['1']])
    .on(/FROM "MARKET"\."COLORS"\nWHERE ROWNUM <= :max_rows$/, (binds) => COLOR_ROWS.slice(0, Number(binds.max_rows)));
}
