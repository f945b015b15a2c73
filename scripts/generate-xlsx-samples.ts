/**
 * `npm run samples:xlsx`: writes the committed workbook samples from the first 300 rows of
 * samples/colors.csv, shaped like the desk's own sheets (samples/README.md): one sheet "Color today",
 * a header row, dates as date cells, decimals and integers as numbers, text as text.
 *
 * - samples/colors.xlsx keeps MESSAGE_ID as text, as a desk should;
 * - samples/colors-numeric-ids.xlsx stores the digit ids as numbers, as the peer's sheets do:
 *   Excel has already rounded them to 15 digits, and a run refuses every such row.
 *
 * The files are the same bytes on every run (fixed workbook dates and zip entry times).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { COLUMN_TYPES, COLUMNS, isColumnName } from '../lambdas/pipeline/columns.js';
import { fixZipTimestamps } from '../lambdas/pipeline/outputs/zip-timestamps.js';

export const SAMPLE_ROWS = 300;
const samples = fileURLToPath(new URL('../samples/', import.meta.url));
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2}))?$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** A CSV field as the cell a desk's sheet would hold; text that is no valid value stays text. */
function cellOf(column: string, text: string, numericIds: boolean): ExcelJS.CellValue {
  if (text === '') return null;
  const type = isColumnName(column) ? COLUMN_TYPES[column] : 'text';
  if (type === 'id') return numericIds && /^\d+$/.test(text) ? Number(text) : text;
  if ((type === 'decimal' || type === 'integer') && NUMBER.test(text.trim())) return Number(text);
  const date = type === 'date' ? DATE_TIME.exec(text.trim()) : null;
  if (date) {
    const [, y, m, d, h = '0', mi = '0', s = '0'] = date.map((part) => part ?? '0');
    return new Date(Date.UTC(Number(y), Number(m) - 1, Number(d), Number(h), Number(mi), Number(s)));
  }
  return text;
}

async function writeSample(name: string, rows: readonly string[][], numericIds: boolean): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const created = new Date('2026-11-20T00:00:00Z');
  workbook.created = created;
  workbook.modified = created;
  workbook.creator = 'market-pulse samples';
  const sheet = workbook.addWorksheet('Color today');
  sheet.addRow([...COLUMNS]);
  for (const row of rows) sheet.addRow(COLUMNS.map((column, index) => cellOf(column, row[index] ?? '', numericIds)));
  for (const column of ['DATE', 'DATE_1']) sheet.getColumn(COLUMNS.indexOf(column as never) + 1).numFmt = 'yyyy-mm-dd hh:mm:ss';
  const bytes = fixZipTimestamps(Buffer.from(await workbook.xlsx.writeBuffer()), created);
  writeFileSync(`${samples}${name}`, bytes);
  console.log(`wrote samples/${name} (${rows.length} rows)`);
}

const [, ...data] = parse(readFileSync(`${samples}colors.csv`)) as string[][];
await writeSample('colors.xlsx', data.slice(0, SAMPLE_ROWS), false);
await writeSample('colors-numeric-ids.xlsx', data.slice(0, SAMPLE_ROWS), true);
