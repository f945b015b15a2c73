/**
 * excluded.csv: the rows the rules (or dedupe) took out, ordered as if ranked, with EXCLUDED_BY:
 * the rules each row matched (or `duplicate`), `;`-separated in document order (docs/rules.md).
 */
import { COLUMNS } from '../columns.js';
import { CSV_CONTENT_TYPE, csvField, csvLine } from '../csv-writer.js';
import type { OutputWriter } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import type { OutputRenderer } from './renderer.js';

/** `excludedBy[row]` is EXCLUDED_BY for the row with that handle in `ranking`. */
export function excludedCsv(ranking: Ranking, excludedBy: readonly string[]): OutputRenderer {
  return {
    name: 'excluded.csv',
    contentType: CSV_CONTENT_TYPE,
    rows: ranking.rowCount,
    *render(out: OutputWriter) {
      out.write(csvLine([...COLUMNS, 'EXCLUDED_BY']));
      yield;
      for (const group of ranking.groups()) {
        for (const row of group.rows) {
          out.writeBytes(ranking.csvRecord(row));
          out.write(`,${csvField(excludedBy[row] ?? null)}\n`);
        }
        yield;
      }
    },
  };
}
