/**
 * The data-dictionary reads behind the extract (docs/oracle.md, "extract"): who and where we are, the
 * tables the user can read, and one table's columns and primary key. Every query is read-only and
 * takes owner and table names as bind variables — no name is ever part of the SQL text. Views an
 * ordinary account may not read (V$VERSION) are tolerated and noted; PUBLIC views are preferred.
 */
import { oracleErrorCodes } from '../adapters/oracle/errors.js';
import { serverVersion } from '../adapters/oracle/server-version.js';
import type { OracleSession } from '../adapters/oracle/session.js';

const SESSION_INFO_SQL = [
  "SELECT SYS_CONTEXT('USERENV', 'DB_NAME'), SYS_CONTEXT('USERENV', 'INSTANCE_NAME'), SYS_CONTEXT('USERENV', 'SERVICE_NAME'),",
  "SYS_CONTEXT('USERENV', 'CURRENT_SCHEMA'), SYS_CONTEXT('USERENV', 'SESSION_USER'),",
  `TO_CHAR(SYSTIMESTAMP, 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM'), TO_CHAR(SYSDATE, 'YYYY-MM-DD"T"HH24:MI:SS'), DBTIMEZONE, SESSIONTIMEZONE`,
  'FROM dual',
].join('\n');

const CHARACTER_SET_SQL =
  "SELECT parameter, value FROM nls_database_parameters WHERE parameter IN ('NLS_CHARACTERSET', 'NLS_NCHAR_CHARACTERSET')";

const TABLES_SELECT = `SELECT t.owner, t.table_name, t.num_rows, TO_CHAR(t.last_analyzed, 'YYYY-MM-DD"T"HH24:MI:SS') FROM all_tables t`;
/** ALL_USERS.ORACLE_MAINTAINED (12.1+) marks the schemas Oracle installs; dropped tables sit in the recycle bin. */
const ACCESSIBLE_TABLES_SQL = [
  TABLES_SELECT,
  "WHERE t.dropped = 'NO' AND t.owner NOT IN (SELECT u.username FROM all_users u WHERE u.oracle_maintained = 'Y')",
  'ORDER BY t.owner, t.table_name',
].join('\n');

/** For databases without ORACLE_MAINTAINED (11g, thick mode): the schemas Oracle ships, as binds. */
const ORACLE_SCHEMAS = [
  'ANONYMOUS',
  'APEX_PUBLIC_USER',
  'APPQOSSYS',
  'AUDSYS',
  'CTXSYS',
  'DBSFWUSER',
  'DBSNMP',
  'DIP',
  'DVF',
  'DVSYS',
  'EXFSYS',
  'FLOWS_FILES',
  'GGSYS',
  'GSMADMIN_INTERNAL',
  'GSMCATUSER',
  'GSMUSER',
  'LBACSYS',
  'MDDATA',
  'MDSYS',
  'MGMT_VIEW',
  'OJVMSYS',
  'OLAPSYS',
  'ORACLE_OCM',
  'ORDDATA',
  'ORDPLUGINS',
  'ORDSYS',
  'OUTLN',
  'OWBSYS',
  'REMOTE_SCHEDULER_AGENT',
  'SI_INFORMTN_SCHEMA',
  'SPATIAL_CSW_ADMIN_USR',
  'SPATIAL_WFS_ADMIN_USR',
  'SYS',
  'SYS$UMF',
  'SYSBACKUP',
  'SYSDG',
  'SYSKM',
  'SYSMAN',
  'SYSRAC',
  'SYSTEM',
  'TSMSYS',
  'WMSYS',
  'XDB',
  'XS$NULL',
] as const;
const FALLBACK_BINDS = Object.fromEntries(ORACLE_SCHEMAS.map((name, index) => [`s${index}`, name]));
const ACCESSIBLE_TABLES_FALLBACK_SQL = `${TABLES_SELECT}\nWHERE t.owner NOT IN (${ORACLE_SCHEMAS.map((_, index) => `:s${index}`).join(', ')})\nORDER BY t.owner, t.table_name`;

const TABLE_COLUMNS_SQL = [
  'SELECT column_name, data_type, data_length, char_length, data_precision, data_scale, nullable, column_id',
  'FROM all_tab_columns WHERE owner = :owner AND table_name = :table_name ORDER BY column_id',
].join('\n');

const PRIMARY_KEY_SQL = [
  'SELECT c.constraint_name, cc.column_name',
  'FROM all_constraints c',
  'JOIN all_cons_columns cc ON cc.owner = c.owner AND cc.constraint_name = c.constraint_name AND cc.table_name = c.table_name',
  "WHERE c.owner = :owner AND c.table_name = :table_name AND c.constraint_type = 'P'",
  'ORDER BY cc.position',
].join('\n');

/** More tables than anyone reads in a JSON file; the listing says when it stopped. */
const MAX_LISTED_TABLES = 5_000;
const MAX_COLUMNS = 1_000; // Oracle's own limit per table

export interface DatabaseInfo {
  readonly version: string | null;
  readonly version_banner: readonly string[];
  readonly db_name: string | null;
  readonly instance_name: string | null;
  readonly service_name: string | null;
  readonly current_schema: string | null;
  readonly session_user: string | null;
  readonly database_time: string | null;
  readonly database_sysdate: string | null;
  readonly db_timezone: string | null;
  readonly session_timezone: string | null;
  readonly nls_characterset: string | null;
  readonly nls_nchar_characterset: string | null;
  /** Views that could not be read, with the code (missing privileges are normal for v$ views). */
  readonly unavailable: readonly string[];
}

export interface AccessibleTable {
  readonly owner: string;
  readonly table_name: string;
  /** The optimizer's estimate as of the last statistics gathering; null when never analyzed. */
  readonly num_rows: number | null;
  readonly last_analyzed: string | null;
}

export interface ColumnInfo {
  readonly column_id: number;
  readonly column_name: string;
  readonly data_type: string;
  readonly data_length: number | null;
  readonly char_length: number | null;
  readonly data_precision: number | null;
  readonly data_scale: number | null;
  readonly nullable: boolean;
}

export interface PrimaryKey {
  readonly constraint_name: string;
  readonly columns: readonly string[];
}

export async function readDatabaseInfo(session: OracleSession): Promise<DatabaseInfo> {
  const row = (await session.rows(SESSION_INFO_SQL, {}, 1))[0] ?? [];
  const at = (index: number) => row[index] ?? null;
  const { version, banner, unavailable } = await serverVersion(session, { banner: true });
  const missing = [...unavailable];
  const charsets = new Map<string, string | null>();
  try {
    for (const [name, value] of await session.rows(CHARACTER_SET_SQL, {}, 10)) if (name) charsets.set(name, value ?? null);
  } catch (error) {
    missing.push(`NLS_DATABASE_PARAMETERS: ${oracleErrorCodes(error)[0] ?? 'error'}`);
  }
  return {
    version,
    version_banner: banner,
    db_name: at(0),
    instance_name: at(1),
    service_name: at(2),
    current_schema: at(3),
    session_user: at(4),
    database_time: at(5),
    database_sysdate: at(6),
    db_timezone: at(7),
    session_timezone: at(8),
    nls_characterset: charsets.get('NLS_CHARACTERSET') ?? null,
    nls_nchar_characterset: charsets.get('NLS_NCHAR_CHARACTERSET') ?? null,
    unavailable: missing,
  };
}

export interface TableListing {
  readonly tables: readonly AccessibleTable[];
  readonly truncated: boolean;
  /** How Oracle's own schemas were left out: by ALL_USERS.ORACLE_MAINTAINED, or by a fixed list (pre-12c). */
  readonly excluded_by: 'oracle_maintained' | 'fixed list';
}

export async function listAccessibleTables(session: OracleSession): Promise<TableListing> {
  let rows: (string | null)[][];
  let excluded_by: TableListing['excluded_by'] = 'oracle_maintained';
  try {
    rows = await session.rows(ACCESSIBLE_TABLES_SQL, {}, MAX_LISTED_TABLES + 1);
  } catch (error) {
    // ORA-00904: no ORACLE_MAINTAINED column before 12.1.
    if (!oracleErrorCodes(error).includes('ORA-00904')) throw error;
    excluded_by = 'fixed list';
    rows = await session.rows(ACCESSIBLE_TABLES_FALLBACK_SQL, FALLBACK_BINDS, MAX_LISTED_TABLES + 1);
  }
  const tables = rows.slice(0, MAX_LISTED_TABLES).map(([owner, table_name, num_rows, last_analyzed]) => ({
    owner: owner ?? '',
    table_name: table_name ?? '',
    num_rows: toNumber(num_rows),
    last_analyzed: last_analyzed ?? null,
  }));
  return { tables, truncated: rows.length > MAX_LISTED_TABLES, excluded_by };
}

export async function readColumns(session: OracleSession, owner: string, table: string): Promise<ColumnInfo[]> {
  const rows = await session.rows(TABLE_COLUMNS_SQL, { owner, table_name: table }, MAX_COLUMNS);
  return rows.map(([name, type, length, charLength, precision, scale, nullable, id]) => ({
    column_id: toNumber(id) ?? 0,
    column_name: name ?? '',
    data_type: type ?? '',
    data_length: toNumber(length),
    char_length: toNumber(charLength),
    data_precision: toNumber(precision),
    data_scale: toNumber(scale),
    nullable: nullable !== 'N',
  }));
}

export async function readPrimaryKey(session: OracleSession, owner: string, table: string): Promise<PrimaryKey | null> {
  const rows = await session.rows(PRIMARY_KEY_SQL, { owner, table_name: table }, MAX_COLUMNS);
  const first = rows[0];
  if (!first) return null;
  return { constraint_name: first[0] ?? '', columns: rows.map((row) => row[1] ?? '') };
}

/** Dictionary numbers (lengths, counts) fit a double; text that is not a number becomes null. */
function toNumber(text: string | null | undefined): number | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}
