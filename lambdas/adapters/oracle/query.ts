/**
 * The SQL the Oracle source runs (docs/oracle.md, "The query"), built from validated parts only:
 *
 * - identifiers (schema, table, physical columns) must match ORACLE_IDENTIFIER and are then quoted,
 *   upper-cased the way Oracle resolves the unquoted name an operator types, so reserved words such
 *   as DATE are safe and nothing else can reach the SQL text;
 * - the run window travels as bind variables, never in the text. DATE is a zone-less local time in
 *   the desk's zone, so the binds are the window's local wall-clock strings, converted by TO_DATE
 *   with an explicit format: independent of the Node process zone, the session zone and NLS
 *   settings (binding a JS Date would go through the driver's time zone handling). TO_DATE rather
 *   than TO_TIMESTAMP keeps a DATE column compared with a DATE, so an index on it stays usable; a
 *   TIMESTAMP column converts the bound DATE instead, which is just as exact for midnight bounds.
 * - date columns are selected as TO_CHAR(col), formatted by the session's NLS formats that
 *   {@link sessionSetupSql} sets. The conversion happens in the database, so thin and thick mode
 *   give the same text and the Node process time zone never shifts a zone-less DATE. (Thin mode
 *   fetches DATE as a JS Date built in the process zone — lossy in that zone's DST gaps — and its
 *   DATE→string fetch is Date.toString(); both were read in node-oracledb 26's lib/impl/resultset.js.)
 *   TO_CHAR with no format works for DATE, every TIMESTAMP kind and even VARCHAR2.
 *
 * No ORDER BY: the pipeline orders rows totally, whatever order the database returns them in.
 */
import { ConfigError, SettingsError } from '../../errors.js';
import { COLUMN_TYPES, COLUMNS, type ColumnName } from '../../pipeline/columns.js';
import { ORACLE_IDENTIFIER } from '../../pipeline/config.js';

/** Format of the window binds: `YYYY-MM-DDTHH:MM:SS`, as RunWindowBounds.startLocal/endLocal. */
const WINDOW_BIND_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS';

/** Session formats that make TO_CHAR of any date type ISO-8601 text the pipeline's parseDate reads. */
const SESSION_FORMATS = {
  NLS_DATE_FORMAT: 'YYYY-MM-DD"T"HH24:MI:SS',
  NLS_TIMESTAMP_FORMAT: 'YYYY-MM-DD"T"HH24:MI:SS.FF9',
  NLS_TIMESTAMP_TZ_FORMAT: 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM',
  // Thick mode converts NUMBER to text in the client with these; thin mode decodes them itself.
  NLS_NUMERIC_CHARACTERS: '.,',
} as const;

export interface ColorQueryInput {
  readonly schema: string;
  readonly table: string;
  /** Logical → physical column names (RunConfig.columns). */
  readonly columns: Readonly<Record<ColumnName, string>>;
  readonly window: { readonly startLocal: string; readonly endLocal: string };
}

export interface ColorQuery {
  readonly sql: string;
  readonly binds: { readonly window_start: string; readonly window_end: string };
  /** Logical column names, in COLUMNS order: the select list's order. */
  readonly header: readonly ColumnName[];
  /** Positions in the select list whose values are dates (TO_CHAR'd). */
  readonly dateColumns: readonly number[];
  /** `SCHEMA.TABLE`, for descriptions and messages. */
  readonly target: string;
}

const LOCAL_WALL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

/** `"NAME"` for a valid identifier; anything else is refused before it can reach SQL. */
export function quoteIdentifier(name: string): string {
  if (!ORACLE_IDENTIFIER.test(name)) throw new RangeError('not a valid Oracle identifier');
  return `"${name.toUpperCase()}"`;
}

export function buildColorQuery(input: ColorQueryInput): ColorQuery {
  const schema = settingIdentifier('schema', input.schema);
  const table = settingIdentifier('table', input.table);
  const physical = COLUMNS.map((column) => columnIdentifier(column, input.columns[column]));
  for (const [name, value] of [
    ['start', input.window.startLocal],
    ['end', input.window.endLocal],
  ] as const) {
    if (!LOCAL_WALL_TIME.test(value)) throw new RangeError(`window ${name} must be YYYY-MM-DDTHH:MM:SS, got ${JSON.stringify(value)}`);
  }
  const dateColumns: number[] = [];
  const selectList = COLUMNS.map((column, index) => {
    if (COLUMN_TYPES[column] !== 'date') return physical[index]!;
    dateColumns.push(index);
    return `TO_CHAR(${physical[index]})`;
  });
  const dateColumn = physical[COLUMNS.indexOf('DATE')]!;
  const sql = [
    `SELECT ${selectList.join(', ')}`,
    `FROM ${schema}.${table}`,
    `WHERE ${dateColumn} >= TO_DATE(:window_start, '${WINDOW_BIND_FORMAT}')`,
    `AND ${dateColumn} < TO_DATE(:window_end, '${WINDOW_BIND_FORMAT}')`,
  ].join('\n');
  return {
    sql,
    binds: { window_start: input.window.startLocal, window_end: input.window.endLocal },
    header: [...COLUMNS],
    dateColumns,
    target: `${input.schema.toUpperCase()}.${input.table.toUpperCase()}`,
  };
}

const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?$/;

/**
 * Oracle has no date-only type: a DATE holding a calendar date is that day at midnight. Such a
 * value is written as `YYYY-MM-DD`, as the same date read from a file is, so a date column moved
 * from CSV to Oracle publishes the same text. The instant, and so every comparison, is unchanged.
 */
export function dateOnlyWhenMidnight(text: string): string {
  const match = MIDNIGHT.exec(text);
  return match ? match[1]! : text;
}

/**
 * ALTER SESSION for the formats above and the desk's time zone. The zone matters for TIMESTAMP
 * WITH LOCAL TIME ZONE columns (shown in the session zone, which parseDate then reads as desk
 * time) and for comparing a TIMESTAMP WITH TIME ZONE column with the DATE window bounds. DDL takes
 * no binds, so the zone is checked against IANA name characters before it is quoted in.
 */
export function sessionSetupSql(timeZone: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(timeZone)) throw new RangeError(`not an IANA time zone name: ${JSON.stringify(timeZone)}`);
  const settings = Object.entries(SESSION_FORMATS).map(([name, value]) => `${name} = '${value}'`);
  return `ALTER SESSION SET ${settings.join(' ')} TIME_ZONE = '${timeZone}'`;
}

function settingIdentifier(parameter: 'schema' | 'table', value: string): string {
  try {
    return quoteIdentifier(value);
  } catch {
    // The value is not echoed: it failed validation, so it may be anything (it is never a secret,
    // but a log line is no place for a would-be injection string either).
    throw new SettingsError(
      `the Oracle ${parameter} parameter is not a valid Oracle identifier (a letter, then letters, digits, _ $ #; at most 128); ` +
        `fix the ${parameter} parameter in SSM`,
    );
  }
}

function columnIdentifier(column: ColumnName, physical: string | undefined): string {
  try {
    return quoteIdentifier(physical ?? column);
  } catch {
    const message = 'not a valid Oracle identifier (letter first, then letters, digits, _ $ #; at most 128)';
    throw new ConfigError('columns', [{ path: `columns.${column}`, message }]);
  }
}
