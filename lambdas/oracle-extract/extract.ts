/**
 * The extract (docs/oracle.md, "extract"): one read-only session, then five files
 * under `extracts/<timestamp>/` —
 *
 *   database_info.json       version, instance/service, current schema/user, database time
 *   accessible_tables.json   owner, table, row estimate of every table the user can read
 *   <TABLE>_schema.json      columns (type, length, precision/scale, nullability) and primary key
 *   <TABLE>_sample.csv       the first N rows (default 100), values as text
 *   <TABLE>_sample.json      the same rows as objects
 *
 * When the table cannot be read, the first two files are still written — the list of tables the
 * user *can* read is exactly what fixes "table not found" — and the extract fails saying where they are.
 * Shared by the Lambda and the CLI; every edge is passed in.
 */

import type { OracleConnectionFactory } from '../adapters/oracle/connection.js';
import { classifyOracleError } from '../adapters/oracle/errors.js';
import { sessionSetupSql } from '../adapters/oracle/query.js';
import type { RetryPolicy } from '../adapters/oracle/retry.js';
import { OracleSession } from '../adapters/oracle/session.js';
import { type SettingsProvider, settingsPrefix } from '../adapters/oracle/settings.js';
import { DatabaseError, MarketPulseError, UsageError } from '../errors.js';
import { type Log, silentLog } from '../log.js';
import type { OutputFile } from '../pipeline/ports.js';
import { listAccessibleTables, readColumns, readDatabaseInfo, readPrimaryKey } from './dictionary.js';
import type { ExtractRequest } from './event.js';
import { buildSampleQuery, type ExtractedTable, jsonFile, sampleCsvFile, sampleJsonFile, schemaFile } from './sample.js';
import { type ExtractWriter, extractFolder, type WrittenFile } from './writers.js';

export interface ExtractDeps {
  readonly stage: string;
  readonly settings: SettingsProvider;
  readonly factory: OracleConnectionFactory;
  readonly writer: ExtractWriter;
  /** The session time zone (the desk's), as the source sets it. */
  readonly timeZone: string;
  /** Milliseconds left before the hard deadline (Lambda: getRemainingTimeInMillis). */
  readonly deadline?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => Date;
  readonly log?: Log;
}

export interface ExtractResult {
  /** The folder written: a path or `s3://bucket/prefix/extracts/<timestamp>/`. */
  readonly location: string;
  /** `OWNER.TABLE`. */
  readonly table: string;
  readonly rows: number;
  readonly files: readonly WrittenFile[];
  /** Things worth knowing that did not stop the extract (unreadable v$ views, omitted columns…). */
  readonly warnings: readonly string[];
}

export async function runExtract(request: ExtractRequest, deps: ExtractDeps): Promise<ExtractResult> {
  const log = deps.log ?? silentLog;
  const started = (deps.now ?? (() => new Date()))();
  const extractedAt = started.toISOString();
  const session = await OracleSession.open({
    settings: deps.settings,
    factory: deps.factory,
    setupSql: setupSql(deps.timeZone),
    parameterPrefix: settingsPrefix(deps.stage),
    ...(deps.deadline ? { deadline: deps.deadline } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    log,
  });
  const step = async <T>(action: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw session.failure(error, `${action} on ${session.endpoint}`);
    }
  };

  // The stage's settings were validated as identifiers by SsmSettings; a request's by parseTableRef.
  const owner = request.table?.owner ?? session.settings.schema.toUpperCase();
  const table = request.table?.table ?? session.settings.table.toUpperCase();
  const target = `${owner}.${table}`;
  const warnings: string[] = [];
  const files: OutputFile[] = [];
  let extracted: ExtractedTable | undefined;
  let tableFailure: MarketPulseError | undefined;
  try {
    const info = await step('reading the database information', () => readDatabaseInfo(session));
    warnings.push(...info.unavailable.map((view) => `could not read ${view} (missing privileges are normal for v$ views)`));
    const listing = await step('listing the accessible tables', () => listAccessibleTables(session));
    if (listing.truncated) warnings.push(`accessible_tables.json lists the first ${listing.tables.length} tables only`);
    files.push(
      jsonFile('database_info.json', {
        extracted_at: extractedAt,
        stage: deps.stage,
        endpoint: session.endpoint,
        client_mode: session.mode,
        ...info,
      }),
      jsonFile('accessible_tables.json', {
        extracted_at: extractedAt,
        session_user: info.session_user,
        count: listing.tables.length,
        ...listing,
      }),
    );
    try {
      const columns = await step(`reading the columns of ${target}`, () => readColumns(session, owner, table));
      if (columns.length === 0) {
        throw new DatabaseError(
          `${target} is not visible to ${info.session_user ?? session.settings.username}: ALL_TAB_COLUMNS has no columns for it ` +
            `(${classifyOracleError({ code: 'ORA-00942' }).hint})`,
        );
      }
      const primaryKey = await step(`reading the primary key of ${target}`, () => readPrimaryKey(session, owner, table));
      const query = buildSampleQuery(owner, table, columns, request.rows);
      const rows =
        query.sql === ''
          ? []
          : await step(`reading ${request.rows} sample rows of ${target}`, () => session.rows(query.sql, query.binds, request.rows));
      const estimate = listing.tables.find((entry) => entry.owner === owner && entry.table_name === table)?.num_rows ?? null;
      extracted = { owner, table, columns, primaryKey, numRowsEstimate: estimate, query, rowLimit: request.rows, rows };
      for (const column of query.omitted)
        warnings.push(`column ${column.column_name} (${column.data_type}) is not in the sample: the type has no faithful text form`);
    } catch (error) {
      tableFailure = error instanceof MarketPulseError ? error : session.failure(error, `extracting ${target}`);
    }
  } finally {
    await session.close();
  }

  if (extracted) files.push(schemaFile(extracted, extractedAt), sampleCsvFile(extracted), sampleJsonFile(extracted, extractedAt));
  const written = await deps.writer.write(extractFolder(started), files);
  if (tableFailure) {
    throw new DatabaseError(
      `${tableFailure.message}. database_info.json and accessible_tables.json (the tables this user can read) ` +
        `were written to ${written.location}`,
      { cause: tableFailure },
    );
  }
  log.info('extract written', {
    location: written.location,
    table: target,
    rows: extracted?.rows.length ?? 0,
    files: written.files.map((f) => f.name),
  });
  return { location: written.location, table: target, rows: extracted?.rows.length ?? 0, files: written.files, warnings };
}

/** The source's session formats and the desk's zone, so dates come out as the run reads them. */
function setupSql(timeZone: string): string {
  try {
    return sessionSetupSql(timeZone);
  } catch {
    throw new UsageError(`${JSON.stringify(timeZone)} is not an IANA time zone name (e.g. America/New_York)`);
  }
}
