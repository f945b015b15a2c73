/**
 * colors.xlsx (`outputs.xlsx`, docs/configuration.md): the run's three files as one workbook for
 * the desk, with sheets colors, excluded and rejected laid out like the CSVs. Cells are typed for
 * Excel from the Ranking's texts (ranked.ts): ids, CUSIPs and all other text as text cells, so
 * Excel never turns an id into a rounded number; decimals and integers as numbers; dates as date
 * cells showing the same local time as the CSV; IS_PARENT as a boolean. rejected keeps every raw
 * value as text. Each sheet has a frozen header row, a filter on it and column widths fitted to
 * the data.
 *
 * exceljs's streaming writer renders it; exceljs is loaded with `import()` only when the output is
 * on (docs/architecture.md, "Excel"). The same run gives the same bytes: the workbook's dates are
 * the as-of date and zip-timestamps.ts fixes the archive's entry times, so the manifest's SHA-256 is
 * reproducible.
 */
import { PassThrough } from 'node:stream';
import type { Worksheet } from 'exceljs';
import { ConfigError } from '../../errors.js';
import { COLUMN_TYPES, COLUMNS, type ColumnType } from '../columns.js';
import type { OutputFile } from '../ports.js';
import { PARENT_CHILD_COLUMNS, type Ranking } from '../ranking/ranked.js';
import type { RejectedRow } from '../schema.js';
import { OutputBuffer } from './output-buffer.js';
import { fixZipTimestamps } from './zip-timestamps.js';

export const XLSX_NAME = 'colors.xlsx';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Rows a sheet holds below its header (Excel's limit is 1,048,576 rows in all). */
export const MAX_SHEET_ROWS = 1_048_575;
/** The most characters a cell holds; longer text is cut (the CSVs keep it whole). */
export const MAX_CELL_CHARS = 32_767;
const MAX_WIDTH = 60;

export interface XlsxInput {
  readonly ranking: Ranking;
  readonly excluded: Ranking;
  /** EXCLUDED_BY per row handle of `excluded`. */
  readonly excludedBy: readonly string[];
  readonly rejected: readonly RejectedRow[];
  readonly asOf: string;
}

type Cell = string | number | boolean | Date | null;

/** A sheet's column: its header, how a cell is made from the text, and the Excel number format. */
interface SheetColumn {
  readonly header: string;
  readonly cell: (text: string | null) => Cell;
  /** The cell's Excel number format, where it needs one. */
  readonly numFmt?: (text: string) => string;
}

/** Renders the workbook; throws a ConfigError (nothing published) when a sheet would not fit in Excel. */
export async function renderColorsXlsx(input: XlsxInput): Promise<{ file: OutputFile; rows: number }> {
  const sizes = { colors: input.ranking.rowCount, excluded: input.excluded.rowCount, rejected: input.rejected.length };
  for (const [sheet, rows] of Object.entries(sizes)) {
    if (rows > MAX_SHEET_ROWS) {
      throw new ConfigError('outputs.xlsx', [
        {
          path: 'outputs.xlsx',
          message: `the ${sheet} sheet would have ${rows} rows, more than Excel's ${MAX_SHEET_ROWS}; turn outputs.xlsx off for runs this large`,
        },
      ]);
    }
  }
  const { default: ExcelJS } = await import('exceljs');
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const asOf = new Date(`${input.asOf}T00:00:00Z`);
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useStyles: true, useSharedStrings: true });
  workbook.creator = 'market-pulse';
  workbook.lastModifiedBy = 'market-pulse';
  workbook.created = asOf;
  workbook.modified = asOf;

  const colorColumns = COLUMNS.map((column) => typedColumn(column, COLUMN_TYPES[column]));
  const place: SheetColumn[] = [
    { header: 'GROUP_POSITION', cell: numberCell },
    { header: 'IS_PARENT', cell: (text) => (text === null ? null : text === 'true') },
    { header: 'PARENT_MESSAGE_ID', cell: textCell },
    { header: 'CHILDREN_COUNT', cell: numberCell },
  ];
  const colors = function* (): Generator<(string | null)[]> {
    for (const group of input.ranking.groups()) {
      for (let at = 0; at < group.rows.length; at++) {
        const placed = group.place(at + 1);
        yield [
          ...input.ranking.fields(group.rows[at]!),
          ...PARENT_CHILD_COLUMNS.map((column) => (placed[column] === null ? null : String(placed[column]))),
        ];
      }
    }
  };
  const excluded = function* (): Generator<(string | null)[]> {
    for (const group of input.excluded.groups())
      for (const row of group.rows) yield [...input.excluded.fields(row), input.excludedBy[row] ?? null];
  };
  const rejected = function* (): Generator<(string | null)[]> {
    for (const row of input.rejected) yield [...row.raw, String(row.sourceRow), row.reasons.join('; '), row.rawRecord];
  };
  // The header row stays in view as the rows scroll.
  const sheet = (name: string) => workbook.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
  addSheet(sheet('colors'), [...colorColumns, ...place], colors);
  addSheet(sheet('excluded'), [...colorColumns, { header: 'EXCLUDED_BY', cell: textCell }], excluded);
  addSheet(
    sheet('rejected'),
    [
      ...COLUMNS.map((header) => ({ header, cell: textCell })),
      { header: 'SOURCE_ROW', cell: numberCell },
      { header: 'REJECT_REASON', cell: textCell },
      { header: 'RAW_RECORD', cell: textCell },
    ],
    rejected,
  );
  await workbook.commit();
  const out = new OutputBuffer();
  out.writeBytes(fixZipTimestamps(Buffer.concat(chunks), asOf));
  return { file: out.finish(XLSX_NAME, XLSX_CONTENT_TYPE), rows: sizes.colors };
}

/**
 * Writes a sheet: widths first (the streaming writer writes them before the rows, so the rows are
 * gone over twice), then the header with a filter on it, then the rows.
 */
function addSheet(sheet: Worksheet, columns: readonly SheetColumn[], rows: () => Iterable<(string | null)[]>): void {
  const widths = columns.map((column) => column.header.length);
  for (const texts of rows()) {
    texts.forEach((text, index) => {
      if (text !== null && text.length > widths[index]!) widths[index] = Math.min(text.length, MAX_WIDTH);
    });
  }
  sheet.columns = columns.map((column, index) => ({ header: column.header, width: widths[index]! + 2 }));
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
  sheet.getRow(1).font = { bold: true };
  for (const texts of rows()) {
    const row = sheet.addRow(texts.map((text, index) => columns[index]!.cell(text)));
    texts.forEach((text, index) => {
      const numFmt = text === null ? undefined : columns[index]!.numFmt?.(text);
      if (numFmt !== undefined) row.getCell(index + 1).numFmt = numFmt;
    });
    row.commit();
  }
  sheet.commit();
}

function typedColumn(header: string, type: ColumnType): SheetColumn {
  switch (type) {
    case 'decimal':
    case 'integer':
      return { header, cell: numberCell };
    case 'date':
      return { header, cell: dateCell, numFmt: dateFormat };
    default:
      return { header, cell: textCell };
  }
}

function textCell(text: string | null): Cell {
  // An empty raw value (rejected rows keep them as read) is an empty cell, as in the CSV.
  if (text === null || text === '') return null;
  // XML cannot carry most control characters; a workbook holding one would not open.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters XML cannot carry.
  const clean = text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
  return clean.length > MAX_CELL_CHARS ? `${clean.slice(0, MAX_CELL_CHARS - 1)}…` : clean;
}

/** Shows a date cell with as many parts as its text has. */
function dateFormat(text: string): string {
  if (!text.includes('T')) return 'yyyy-mm-dd';
  return text.includes('.') ? 'yyyy-mm-dd hh:mm:ss.000' : 'yyyy-mm-dd hh:mm:ss';
}

function numberCell(text: string | null): Cell {
  return text === null ? null : Number(text);
}

/**
 * A date column's text (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS[.fraction]`, local time in the
 * config's zone) as the date cell Excel shows with the same digits: Excel's dates have no zone.
 * Milliseconds are kept; finer fractions are not (Excel holds no finer).
 */
function dateCell(text: string | null): Cell {
  if (text === null) return null;
  const [date, time = '00:00:00'] = text.split('T') as [string, string?];
  const [hms, fraction = ''] = time.split('.') as [string, string?];
  return new Date(`${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
}
