/**
 * An .xlsx workbook as a source (README, "What a run reads"; docs/configuration.md, "Excel
 * workbooks"): one sheet (the first, or the one named), whose first non-empty row is the header.
 * The bytes come from anywhere (a file, an S3 object): the reader needs no file system of its own.
 *
 * The workbook is checked by workbook-guard.ts before any parsing; exceljs's streaming reader then
 * parses it, its parts reordered by workbook-order.ts so that it reads each sheet straight through. exceljs is loaded with `import()` only here, so a run that reads no workbook never
 * loads it (docs/architecture.md, "Excel").
 */
import { Readable } from 'node:stream';
import { MarketPulseError, SourceError } from '../../errors.js';
import { COLUMN_TYPES, isColumnName } from '../columns.js';
import { csvLine } from '../csv-writer.js';
import type { OpenedSource, RawRecord, Records } from '../ports.js';
import { normalizeHeaderName } from '../schema.js';
import { MIB } from '../text.js';
import { checkWorkbookBytes, WORKBOOK_LIMITS, type WorkbookLimits } from './workbook-guard.js';
import { sharedPartsFirst } from './workbook-order.js';
import { type CellContext, type CellValue, cellSource, cellText } from './xlsx-cells.js';

export interface XlsxOptions {
  /** The sheet to read, matched as Excel matches names (ignoring case); the first sheet by default. */
  readonly sheet?: string;
  readonly limits?: WorkbookLimits;
}

/** One sheet row as exceljs reads it: `values` is 1-based, like Excel's columns. */
interface SheetRow {
  readonly number: number;
  readonly values: readonly CellValue[];
}

/** The parts of exceljs's streaming WorkbookReader this module uses. */
interface WorkbookReader extends AsyncIterable<AsyncIterable<SheetRow> & { readonly name: string }> {
  readonly model?: { readonly sheets?: readonly { readonly name: string }[] };
  readonly properties?: { readonly model?: { readonly date1904?: boolean } };
}

/** Opens the workbook in `input` (its bytes, whole or as chunks) as a source. `source` names it in errors. */
export async function readXlsxRecords(
  input: Uint8Array | AsyncIterable<Uint8Array>,
  source: string,
  options: XlsxOptions = {},
): Promise<OpenedSource> {
  const limits = options.limits ?? WORKBOOK_LIMITS;
  const bytes =
    input instanceof Uint8Array
      ? Buffer.from(input.buffer, input.byteOffset, input.byteLength)
      : await collect(input, source, limits.maxFileBytes);
  const entries = await checkWorkbookBytes(bytes, source, limits);
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([sharedPartsFirst(bytes, entries)]), {
    sharedStrings: 'cache',
    // Styles say which numbers are date cells.
    styles: 'cache',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as WorkbookReader;
  const rows = sheetRows(reader, source, options.sheet)[Symbol.asyncIterator]();
  const first = await rows.next();
  if (first.done) {
    throw new SourceError(
      `${source}: ${options.sheet === undefined ? 'the first sheet' : `the sheet "${options.sheet}"`} is empty (no header row)`,
    );
  }
  const headerRow = first.value;
  const header = headerNames(headerRow);
  const date1904 = reader.properties?.model?.date1904 === true;
  const contexts: CellContext[] = header.map((name) => {
    const column = normalizeHeaderName(name);
    return isColumnName(column) ? { type: COLUMN_TYPES[column], column, date1904 } : { type: 'text', column: null, date1904 };
  });
  const records: Records = {
    async *[Symbol.asyncIterator]() {
      try {
        for (let next = await rows.next(); !next.done; next = await rows.next()) {
          const record = toRecord(next.value, headerRow.number, contexts);
          if (record !== undefined) yield record;
        }
      } finally {
        await rows.return?.(undefined);
      }
    },
  };
  return { header, records };
}

/** Reads a byte stream whole, refusing one larger than `maxBytes` as soon as it is. */
async function collect(chunks: AsyncIterable<Uint8Array>, source: string, maxBytes: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > maxBytes) throw new SourceError(`${source}: the workbook is larger than ${maxBytes / MIB} MiB, more than is read`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, size);
}

/** The non-empty rows of the wanted sheet; parse failures become SourceErrors naming the workbook. */
async function* sheetRows(reader: WorkbookReader, source: string, wanted: string | undefined): AsyncGenerator<SheetRow> {
  const matches = (name: string, sheets: readonly { readonly name: string }[]) =>
    wanted === undefined ? name === sheets[0]?.name : name.toLowerCase() === wanted.trim().toLowerCase();
  let found = false;
  try {
    for await (const sheet of reader) {
      // Sheets come in the zip's order; the workbook part, put before them, gives Excel's order.
      if (found || !matches(sheet.name, reader.model?.sheets ?? [])) continue;
      found = true;
      for await (const row of sheet) if (row.values.some((value) => value !== null && value !== undefined && value !== '')) yield row;
    }
  } catch (error) {
    if (error instanceof MarketPulseError) throw error;
    throw new SourceError(`${source}: the workbook cannot be read (${error instanceof Error ? error.message : String(error)})`, {
      cause: error,
    });
  }
  if (!found) {
    const names = (reader.model?.sheets ?? []).map((sheet) => `"${sheet.name}"`).join(', ') || 'none';
    throw new SourceError(
      `${source}: ${wanted === undefined ? 'the workbook has no sheet' : `no sheet named "${wanted}"`} (sheets: ${names})`,
    );
  }
}

/** The header row's cells as names; an empty cell within it is named by its column letter. */
function headerNames(row: SheetRow): string[] {
  let width = row.values.length - 1;
  while (width > 0 && cellText(row.values[width], HEADER_CONTEXT).text === null) width--;
  return Array.from(
    { length: width },
    (_, index) => cellText(row.values[index + 1], HEADER_CONTEXT).text ?? `(column ${columnLetter(index)})`,
  );
}

const HEADER_CONTEXT: CellContext = { type: 'text', column: null, date1904: false };

function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * A data row as a record numbered from the header (SOURCE_ROW + the header's row number is the
 * row Excel shows); undefined for a row empty under the header. Cells right of the header are not
 * read. A row with a cell problem carries its cells (formulas as `=…`) as RAW_RECORD.
 */
function toRecord(row: SheetRow, headerRowNumber: number, contexts: readonly CellContext[]): RawRecord | undefined {
  const values: (string | null)[] = [];
  const problems: string[] = [];
  let empty = true;
  for (let index = 0; index < contexts.length; index++) {
    const context = contexts[index]!;
    const cell = cellText(row.values[index + 1], context);
    values.push(cell.text);
    if (cell.text !== null) empty = false;
    if ('problem' in cell && context.column !== null) problems.push(cell.problem);
  }
  if (empty && problems.length === 0) return undefined;
  const sourceRow = row.number - headerRowNumber;
  if (problems.length === 0) return { sourceRow, values };
  const raw = csvLine(contexts.map((context, index) => cellSource(row.values[index + 1], context))).slice(0, -1);
  return { sourceRow, values, problem: problems.join('; '), raw };
}
