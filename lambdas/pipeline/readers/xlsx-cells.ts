/**
 * An Excel cell as the text a record carries (docs/configuration.md, "Excel workbooks"). Cells are
 * typed as Excel stores them, so the column decides what a value means:
 *
 * - text (shared or inline strings, rich text) is kept exactly, ids included;
 * - a number is its shortest exact text (`String(n)` round-trips the double Excel holds); in a
 *   date column it is a date serial; in MESSAGE_ID an integer of up to 15 digits is its integer
 *   text, and anything longer has already lost digits in Excel, so the row is refused;
 * - a date cell, and a serial in a date column, become ISO local time without a zone, which the
 *   pipeline reads as a wall time in the config's time zone, exactly like a CSV date;
 * - a formula counts by its cached value; without one (a workbook written by a program and never
 *   recalculated) the row is refused; an error value (#N/A…) is refused too.
 *
 * Problems name no value, so the manifest can count them per reason.
 */
import type { ColumnType } from '../columns.js';

/** A cell's value as exceljs reads it (its CellValue, the kinds a sheet's cells can hold). */
export type CellValue =
  | null
  | undefined
  | number
  | string
  | boolean
  | Date
  | { readonly richText: readonly { readonly text: string }[] }
  | { readonly text: unknown; readonly hyperlink: string }
  | { readonly formula?: string; readonly sharedFormula?: string; readonly result?: unknown }
  | { readonly error: string };

export type CellText = { readonly text: string | null } | { readonly problem: string; readonly text: string | null };

export const PROBLEM_ID_DIGITS_LOST = 'MESSAGE_ID stored as an Excel number; digits lost — store it as text';
export const PROBLEM_NO_CACHED_VALUE = 'a formula with no cached value (recalculate and save the workbook in Excel)';

/** Excel holds 15 significant digits; an integer id at or above this has lost some. */
const EXACT_INTEGER_LIMIT = 1e15;
const MS_PER_DAY = 86_400_000;
/** Day 0 of the 1900 date system is 1899-12-30 (Excel's 1900-02-29 that never was is serial 60). */
const EPOCH_1900 = Date.UTC(1899, 11, 30);
/** The 1904 date system (old Mac workbooks) counts from 1904-01-01. */
const EPOCH_1904 = Date.UTC(1904, 0, 1);
/** Before 1900-03-01, Excel's 1900 calendar is off by a day (it counts 1900-02-29). */
const FIRST_SOUND_1900_DATE = Date.UTC(1900, 2, 1);

export interface CellContext {
  /** The column's type; columns that are no color column are read as text. */
  readonly type: ColumnType;
  /** The logical column name, for problems; null for a column the run ignores. */
  readonly column: string | null;
  /** The workbook uses the 1904 date system. */
  readonly date1904: boolean;
}

/** The cell as text (null when empty), or the problem that refuses its row. */
export function cellText(value: CellValue, context: CellContext): CellText {
  if (value === null || value === undefined) return { text: null };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') return numberText(value, context);
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE' };
  if (value instanceof Date) return dateText(value.getTime(), context);
  if ('richText' in value) return { text: value.richText.map((run) => run.text).join('') };
  if ('hyperlink' in value) return cellText(value.text as CellValue, context);
  if ('error' in value) return problem(context, `an Excel error value (${value.error})`, value.error);
  if ('formula' in value || 'sharedFormula' in value) {
    if (value.result === undefined || value.result === null) return problem(context, PROBLEM_NO_CACHED_VALUE, null);
    return cellText(value.result as CellValue, context);
  }
  return problem(context, 'a cell value of a kind that is not read', null);
}

/** How a cell shows in RAW_RECORD: its text, a formula as `=FORMULA`, an error as its code. */
export function cellSource(value: CellValue, context: CellContext): string | null {
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    if ('formula' in value && value.formula !== undefined) return `=${value.formula}`;
    if ('sharedFormula' in value) return `=${value.sharedFormula ?? ''}`;
    if ('error' in value) return value.error;
  }
  return cellText(value, context).text;
}

function numberText(value: number, context: CellContext): CellText {
  if (!Number.isFinite(value)) return problem(context, 'not a number Excel can hold', null);
  if (context.type === 'date') return serialText(value, context);
  if (context.type === 'id' && Number.isInteger(value) && Math.abs(value) >= EXACT_INTEGER_LIMIT) {
    return { problem: PROBLEM_ID_DIGITS_LOST, text: String(value) };
  }
  return { text: String(value) };
}

/** A date serial (days since the workbook's epoch, the fraction being the time of day). */
function serialText(serial: number, context: CellContext): CellText {
  const epoch = context.date1904 ? EPOCH_1904 : EPOCH_1900;
  return dateText(Math.round(epoch + serial * MS_PER_DAY), context);
}

/**
 * `wall` is the local date and time Excel shows, as if in UTC (exceljs reads date cells so):
 * written as `YYYY-MM-DD` at midnight, else `YYYY-MM-DDTHH:MM:SS[.mmm]`, with no zone.
 */
function dateText(wall: number, context: CellContext): CellText {
  if (!context.date1904 && wall < FIRST_SOUND_1900_DATE)
    return problem(context, 'an Excel date before 1900-03-01, which Excel counts wrongly', null);
  const iso = new Date(wall).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  if (wall % MS_PER_DAY === 0) return { text: iso.slice(0, 10) };
  return { text: iso.endsWith('.000Z') ? iso.slice(0, 19) : iso.slice(0, 23) };
}

function problem(context: CellContext, what: string, text: string | null): CellText {
  return { problem: context.column === null ? what : `${context.column}: ${what}`, text };
}
