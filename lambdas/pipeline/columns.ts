/**
 * The logical columns of a color row, in the standard order (README, "What a run writes"; their
 * types: docs/rules.md, "Columns"). This order is the column order of every CSV the product
 * writes and the order of the final ranking tie-breaks.
 */
export const COLUMNS = [
  'MESSAGE_ID',
  'TICKER',
  'SECTOR',
  'CUSIP',
  'DATE',
  'PRICE_LEVEL',
  'BID',
  'ASK',
  'PX',
  'COV_PRICE',
  'PERCENT_DIFF',
  'PRICE_DIFF',
  'SOURCE',
  'BIAS',
  'RANK',
  'CONFIDENCE',
  'DATE_1',
  'DIFF_STATUS',
] as const;

export type ColumnName = (typeof COLUMNS)[number];

/**
 * - `id`: a digit string of up to 19 digits, compared numerically, never turned into a JS number.
 * - `text`: free text; compared trimmed and case-insensitively.
 * - `decimal` / `integer`: finite numbers, written back as their source text.
 * - `date`: a date or timestamp, compared as an instant.
 */
export type ColumnType = 'id' | 'text' | 'decimal' | 'integer' | 'date';

export const COLUMN_TYPES: Readonly<Record<ColumnName, ColumnType>> = {
  MESSAGE_ID: 'id',
  TICKER: 'text',
  SECTOR: 'text',
  CUSIP: 'text',
  DATE: 'date',
  PRICE_LEVEL: 'decimal',
  BID: 'decimal',
  ASK: 'decimal',
  PX: 'decimal',
  COV_PRICE: 'decimal',
  PERCENT_DIFF: 'decimal',
  PRICE_DIFF: 'decimal',
  SOURCE: 'text',
  BIAS: 'text',
  RANK: 'integer',
  CONFIDENCE: 'integer',
  DATE_1: 'date',
  DIFF_STATUS: 'text',
};

export const REQUIRED_COLUMNS: readonly ColumnName[] = ['MESSAGE_ID', 'CUSIP', 'DATE'];

/** Position of each column in {@link COLUMNS}, for array-indexed row access. */
export const COLUMN_INDEX: Readonly<Record<ColumnName, number>> = Object.fromEntries(COLUMNS.map((name, index) => [name, index])) as Record<
  ColumnName,
  number
>;

export function isColumnName(name: string): name is ColumnName {
  return Object.hasOwn(COLUMN_INDEX, name);
}
