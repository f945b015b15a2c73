/**
 * The sample rows of one table, and the files that show them.
 *
 * The query is built from validated parts only: OWNER and TABLE passed ORACLE_IDENTIFIER and are
 * quoted by {@link quoteIdentifier}; column names come from ALL_TAB_COLUMNS (the database's own
 * spelling, which may be mixed-case) and are quoted exactly, refusing one that holds a double
 * quote (Oracle forbids those anyway); the row limit is a bind. Values arrive as text: NUMBER as
 * its exact digits (MESSAGE_ID's 19 digits survive), dates and timestamps TO_CHAR'd in the
 * database through the source's session formats (ISO-8601). Types with no faithful text form
 * (BLOB, BFILE, LONG, object types) are left out of the sample and listed as omitted.
 */
import { quoteIdentifier } from '../adapters/oracle/query.js';
import { JSON_CONTENT_TYPE } from '../names.js';
import { CSV_CONTENT_TYPE, csvLine } from '../pipeline/csv-writer.js';
import { OutputBuffer } from '../pipeline/outputs/output-buffer.js';
import type { OutputFile } from '../pipeline/ports.js';
import type { ColumnInfo, PrimaryKey } from './dictionary.js';

type SampleKind = 'text' | 'date' | 'omitted';

/** How a column is selected: as is (text, numbers, CLOB, RAW as hex), TO_CHAR'd (dates), or not at all. */
function sampleKind(dataType: string): SampleKind {
  const type = dataType.toUpperCase();
  if (type === 'DATE' || type.startsWith('TIMESTAMP') || type.startsWith('INTERVAL')) return 'date';
  if (/^(N?VARCHAR2|N?CHAR|NUMBER|FLOAT|INTEGER|BINARY_FLOAT|BINARY_DOUBLE|N?CLOB|RAW|U?ROWID)$/.test(type)) return 'text';
  return 'omitted';
}

/** `"Name"` exactly as the dictionary spells it. */
function dictionaryIdentifier(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL cannot be quoted in an Oracle identifier.
  if (name.length === 0 || name.length > 128 || /["\u0000]/.test(name))
    throw new RangeError('the dictionary returned a column name that cannot be quoted');
  return `"${name}"`;
}

export interface SampleQuery {
  readonly sql: string;
  readonly binds: { readonly max_rows: string };
  /** The sampled columns, in select-list order. */
  readonly columns: readonly string[];
  readonly omitted: readonly { readonly column_name: string; readonly data_type: string }[];
}

export function buildSampleQuery(owner: string, table: string, columns: readonly ColumnInfo[], rows: number): SampleQuery {
  const from = `${quoteIdentifier(owner)}.${quoteIdentifier(table)}`;
  const selected: string[] = [];
  const names: string[] = [];
  const omitted: { column_name: string; data_type: string }[] = [];
  for (const column of columns) {
    const kind = sampleKind(column.data_type);
    if (kind === 'omitted') {
      omitted.push({ column_name: column.column_name, data_type: column.data_type });
      continue;
    }
    const quoted = dictionaryIdentifier(column.column_name);
    selected.push(kind === 'date' ? `TO_CHAR(${quoted}) AS ${quoted}` : quoted);
    names.push(column.column_name);
  }
  // ROWNUM rather than FETCH FIRST: thick mode also reaches pre-12c databases. No ORDER BY: "the first N" as stored.
  const sql = selected.length === 0 ? '' : `SELECT ${selected.join(', ')}\nFROM ${from}\nWHERE ROWNUM <= :max_rows`;
  return { sql, binds: { max_rows: String(rows) }, columns: names, omitted };
}

export interface ExtractedTable {
  readonly owner: string;
  readonly table: string;
  readonly columns: readonly ColumnInfo[];
  readonly primaryKey: PrimaryKey | null;
  readonly numRowsEstimate: number | null;
  readonly query: SampleQuery;
  readonly rowLimit: number;
  readonly rows: readonly (readonly (string | null)[])[];
}

export function schemaFile(extract: ExtractedTable, extractedAt: string): OutputFile {
  const keyColumns = new Set(extract.primaryKey?.columns ?? []);
  const omitted = new Set(extract.query.omitted.map((column) => column.column_name));
  return jsonFile(`${extract.table}_schema.json`, {
    owner: extract.owner,
    table_name: extract.table,
    extracted_at: extractedAt,
    num_rows_estimate: extract.numRowsEstimate,
    primary_key: extract.primaryKey,
    columns: extract.columns.map((column) => ({
      ...column,
      primary_key: keyColumns.has(column.column_name),
      sampled: !omitted.has(column.column_name),
    })),
  });
}

export function sampleCsvFile(extract: ExtractedTable): OutputFile {
  const buffer = new OutputBuffer();
  buffer.write(csvLine(extract.query.columns));
  for (const row of extract.rows) buffer.write(csvLine(row));
  return buffer.finish(`${extract.table}_sample.csv`, CSV_CONTENT_TYPE);
}

export function sampleJsonFile(extract: ExtractedTable, extractedAt: string): OutputFile {
  const names = extract.query.columns;
  return jsonFile(`${extract.table}_sample.json`, {
    owner: extract.owner,
    table_name: extract.table,
    extracted_at: extractedAt,
    row_limit: extract.rowLimit,
    row_count: extract.rows.length,
    columns: names,
    omitted_columns: extract.query.omitted,
    // Every value is text or null: numbers keep every digit, dates are ISO-8601.
    rows: extract.rows.map((row) => Object.fromEntries(names.map((name, index) => [name, row[index] ?? null]))),
  });
}

export function jsonFile(name: string, value: unknown): OutputFile {
  const buffer = new OutputBuffer();
  buffer.write(`${JSON.stringify(value, null, 2)}\n`);
  return buffer.finish(name, JSON_CONTENT_TYPE);
}
