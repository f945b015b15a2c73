/**
 * Rendering a run's data files (SPEC §5). Columns are the logical columns in input-column order,
 * followed by what each file adds; values are the output text of each field.
 */
import { COLUMNS } from './columns.js';
import { csvField, csvLine } from './csv-writer.js';
import { OutputBuffer } from './output-buffer.js';
import type { OutputFile } from './ports.js';
import type { Ranking, RankingTable } from './ranking-table.js';
import { messageIdOf, rowFields } from './row-line.js';
import type { RejectedRow } from './schema.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export const RANKED_COLUMNS = ['GROUP_POSITION', 'IS_PARENT', 'PARENT_MESSAGE_ID', 'CHILDREN_COUNT'] as const;

/**
 * colors.csv: each row's line as kept by the table, then the parent/child columns. The parent's
 * MESSAGE_ID is the first field of its line.
 */
export function renderColorsCsv(table: RankingTable, ranking: Ranking): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, ...RANKED_COLUMNS]));
  const { order, groupStarts, groups } = ranking;
  for (let group = 0; group < groups; group++) {
    const start = groupStarts[group]!;
    const end = groupStarts[group + 1]!;
    const parent = order[start]!;
    out.writeBytes(table.lineBytes(parent));
    out.write(`,1,true,,${end - start - 1}\n`);
    const childSuffix = `,false,${messageIdOf(table.line(parent))},0\n`;
    for (let at = start + 1; at < end; at++) {
      out.writeBytes(table.lineBytes(order[at]!));
      out.write(`,${at - start + 1}${childSuffix}`);
    }
  }
  return out.finish('colors.csv', CSV_CONTENT_TYPE);
}

/**
 * One JSON object per ranked row. Field values stay strings (or null) so that 19-digit ids and
 * decimals keep every digit; the added columns are numbers and booleans.
 */
export function renderColorsJsonl(table: RankingTable, ranking: Ranking): OutputFile {
  const out = new OutputBuffer();
  const { order, groupStarts, groups } = ranking;
  for (let group = 0; group < groups; group++) {
    const start = groupStarts[group]!;
    const end = groupStarts[group + 1]!;
    const parentMessageId = messageIdOf(table.line(order[start]!));
    for (let at = start; at < end; at++) {
      const fields = rowFields(table.line(order[at]!));
      const record: Record<string, string | number | boolean | null> = {};
      COLUMNS.forEach((column, index) => {
        record[column] = fields[index] ?? null;
      });
      record.GROUP_POSITION = at - start + 1;
      record.IS_PARENT = at === start;
      record.PARENT_MESSAGE_ID = at === start ? null : parentMessageId;
      record.CHILDREN_COUNT = at === start ? end - start - 1 : 0;
      out.write(`${JSON.stringify(record)}\n`);
    }
  }
  return out.finish('colors.jsonl', JSONL_CONTENT_TYPE);
}

/**
 * excluded.csv, ordered as if ranked. `excludedBy[index]` lists the rules row `index` of the table
 * matched (or `duplicate`), `;`-separated in document order.
 */
export function renderExcludedCsv(table: RankingTable, ranking: Ranking, excludedBy: readonly string[]): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, 'EXCLUDED_BY']));
  for (const index of ranking.order) {
    out.writeBytes(table.lineBytes(index));
    out.write(`,${csvField(excludedBy[index]!)}\n`);
  }
  return out.finish('excluded.csv', CSV_CONTENT_TYPE);
}

const REJECTED_COLUMNS = ['SOURCE_ROW', 'REJECT_REASON', 'RAW_RECORD'] as const;

/**
 * Rejected rows keep their raw values, so what was wrong can be seen and fixed at the source, and
 * RAW_RECORD the record as the input held it where the columns may not say everything: every JSON
 * Lines line, and a malformed CSV record (its fields re-joined as CSV).
 */
export function renderRejectedCsv(rejected: readonly RejectedRow[]): OutputFile {
  const out = new OutputBuffer();
  out.write(csvLine([...COLUMNS, ...REJECTED_COLUMNS]));
  for (const { raw, sourceRow, reasons, rawRecord } of rejected) out.write(csvLine([...raw, String(sourceRow), reasons.join('; '), rawRecord]));
  return out.finish('rejected.csv', CSV_CONTENT_TYPE);
}
