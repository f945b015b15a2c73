/**
 * rejected.csv: the rows that broke a data rule, in input order. They keep their raw values, so
 * what was wrong can be seen and fixed at the source, and RAW_RECORD the record as the input held
 * it where the columns may not say everything: every JSON Lines line, and a malformed CSV record
 * (its fields re-joined as CSV). README, "What a run writes".
 */
import { COLUMNS } from '../columns.js';
import { CSV_CONTENT_TYPE, csvLine } from '../csv-writer.js';
import type { OutputWriter } from '../ports.js';
import type { RejectedRow } from '../schema.js';
import type { OutputRenderer } from './renderer.js';

const REJECTED_COLUMNS = ['SOURCE_ROW', 'REJECT_REASON', 'RAW_RECORD'] as const;

/** `rejected` in the order to write them. */
export function rejectedCsv(rejected: readonly RejectedRow[]): OutputRenderer {
  return {
    name: 'rejected.csv',
    contentType: CSV_CONTENT_TYPE,
    rows: rejected.length,
    *render(out: OutputWriter) {
      out.write(csvLine([...COLUMNS, ...REJECTED_COLUMNS]));
      yield;
      for (const { raw, sourceRow, reasons, rawRecord } of rejected) {
        out.write(csvLine([...raw, String(sourceRow), reasons.join('; '), rawRecord]));
        yield;
      }
    },
  };
}
