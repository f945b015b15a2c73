/**
 * Rendering a run's data files (SPEC §5). Columns are the logical columns in input-column order,
 * followed by what each file adds; values are the output text of each field.
 */
import { COLUMNS } from './columns.js';
import { csvLine } from './csv-writer.js';
import { OutputBuffer } from './output-buffer.js';
import type { OutputFile } from './ports.js';
import type { RankedRow } from './ranking.js';
import type { ColorRow, RejectedRow } from './schema.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export const RANKED_COLUMNS = ['GROUP_POSITION', 'IS_PARENT', 'PARENT_MESSAGE_ID', 'CHILDREN_COUNT'] as const;

export function renderColorsCsv(ranked: readonly RankedRow[]): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, ...RANKED_COLUMNS]));
  for (const { row, position, parentMessageId, childrenCount } of ranked) {
    out.write(csvLine([...row.text, String(position), String(position === 1), parentMessageId, String(childrenCount)]));
  }
  return out.finish('colors.csv', CSV_CONTENT_TYPE);
}

/**
 * One JSON object per ranked row. Field values stay strings (or null) so that 19-digit ids and
 * decimals keep every digit; the added columns are numbers and booleans.
 */
export function renderColorsJsonl(ranked: readonly RankedRow[]): OutputFile {
  const out = new OutputBuffer();
  for (const { row, position, parentMessageId, childrenCount } of ranked) {
    const record: Record<string, string | number | boolean | null> = {};
    COLUMNS.forEach((column, index) => {
      record[column] = row.text[index] ?? null;
    });
    record.GROUP_POSITION = position;
    record.IS_PARENT = position === 1;
    record.PARENT_MESSAGE_ID = parentMessageId;
    record.CHILDREN_COUNT = childrenCount;
    out.write(`${JSON.stringify(record)}\n`);
  }
  return out.finish('colors.jsonl', JSONL_CONTENT_TYPE);
}

export interface ExcludedRow {
  readonly row: ColorRow;
  /** Matching rule names in document order (or `duplicate`). */
  readonly excludedBy: readonly string[];
}

export function renderExcludedCsv(excluded: readonly ExcludedRow[]): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, 'EXCLUDED_BY']));
  for (const { row, excludedBy } of excluded) out.write(csvLine([...row.text, excludedBy.join(';')]));
  return out.finish('excluded.csv', CSV_CONTENT_TYPE);
}

/** Rejected rows keep their raw values, so what was wrong can be seen and fixed at the source. */
export function renderRejectedCsv(rejected: readonly RejectedRow[]): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, 'SOURCE_ROW', 'REJECT_REASON']));
  for (const { raw, sourceRow, reasons } of rejected) out.write(csvLine([...raw, String(sourceRow), reasons.join('; ')]));
  return out.finish('rejected.csv', CSV_CONTENT_TYPE);
}
