/**
 * CSV output (README, "What a run writes"): RFC 4180, UTF-8 without BOM, `\n` line ends. Values
 * are written exactly as given; a field is quoted only when it has to be, or when its edge spaces
 * would otherwise be at the mercy of the reader's trimming.
 */

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

/**
 * Characters that force quoting anywhere in a field, an edge space or tab, or a leading U+FEFF
 * (at the start of a file a reader would take it for a byte order mark and drop it).
 */
const NEEDS_QUOTES = /[",\r\n]|^[ \t\uFEFF]|[ \t]$/;
const QUOTES = /"/g;

/** One field: null is the empty field; quotes are doubled inside a quoted field. */
export function csvField(value: string | null): string {
  if (value === null || value.length === 0) return '';
  if (!NEEDS_QUOTES.test(value)) return value;
  return `"${value.includes('"') ? value.replace(QUOTES, '""') : value}"`;
}

/**
 * One record, ending in `\n`. A record of one empty field is written `""`: an empty line would be
 * read back as a blank line, not as a record.
 */
export function csvLine(values: readonly (string | null)[]): string {
  if (values.length === 1 && !values[0]) return '""\n';
  // join builds a flat string; `+=` per field would leave a deep rope for the encoder to flatten.
  const fields = new Array<string>(values.length);
  for (let index = 0; index < values.length; index++) fields[index] = csvField(values[index] ?? null);
  return `${fields.join(',')}\n`;
}
