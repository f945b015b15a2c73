/**
 * parents.csv: each CUSIP's parent, one line per group — exactly the parent lines of colors.csv,
 * under the same header (docs/report.md). It is what a later run reads to say which parents
 * changed: a few tens of thousands of lines where colors.csv has a million, so comparing runs
 * never re-reads rows.
 */
import { COLUMN_INDEX, COLUMNS } from '../columns.js';
import { CSV_CONTENT_TYPE, csvLine } from '../csv-writer.js';
import type { OutputWriter } from '../ports.js';
import { PARENT_CHILD_COLUMNS, type Ranking } from '../ranking/ranked.js';
import { CsvParser } from '../readers/csv-parser.js';
import { normalizeText } from '../text.js';
import type { OutputRenderer } from '../outputs/renderer.js';

export const PARENTS_FILE = 'parents.csv';

/**
 * One CUSIP's parent as a run published it. Kept as its CSV record, one string, rather than 18
 * field strings: a comparison holds two runs' parents, and only the ones that changed are read
 * field by field ({@link parentFields}).
 */
export interface ParentRow {
  /** The group's key, trim(upper(CUSIP)). */
  readonly cusip: string;
  /** The parent's 18 color fields as colors.csv writes them, without the parent/child columns: equal records are the same row. */
  readonly record: string;
  /** Its SOURCE (the dealer); null for none. */
  readonly source: string | null;
  /** Rows in the group: the parent and its children. */
  readonly groupSize: number;
}

const HEADER = [...COLUMNS, ...PARENT_CHILD_COLUMNS];
const CHILDREN_COUNT = HEADER.indexOf('CHILDREN_COUNT');

/** The parents of a ranking, in its group order: one `fields` read per group, never per row. */
export function parentsOf(ranking: Ranking): ParentRow[] {
  const parents: ParentRow[] = [];
  const utf8 = new TextDecoder();
  for (const group of ranking.groups()) {
    const parent = group.rows[0]!;
    const fields = ranking.fields(parent);
    const record = utf8.decode(ranking.csvRecord(parent));
    parents.push({ cusip: normalizeText(fields[COLUMN_INDEX.CUSIP]!), record, source: fields[COLUMN_INDEX.SOURCE] ?? null, groupSize: group.rows.length });
  }
  return parents;
}

/** A parent's output texts, indexed like COLUMNS; null for a null value. */
export function parentFields(parent: ParentRow): (string | null)[] {
  const parser = new CsvParser({ source: PARENTS_FILE });
  parser.write(Buffer.from(parent.record, 'utf8'));
  parser.finish();
  const fields = parser.read()?.fields ?? [];
  return COLUMNS.map((_, index) => (fields[index] ? fields[index] : null));
}

export function parentsCsv(ranking: Ranking): OutputRenderer {
  return {
    name: PARENTS_FILE,
    contentType: CSV_CONTENT_TYPE,
    rows: ranking.groupCount,
    *render(out: OutputWriter) {
      out.write(csvLine(HEADER));
      yield;
      for (const group of ranking.groups()) {
        // The parent's line of colors.csv: its record, then its place (colors-csv.ts).
        out.writeBytes(ranking.csvRecord(group.rows[0]!));
        out.write(`,1,true,,${group.rows.length - 1}\n`);
        yield;
      }
    },
  };
}

/** Reads a parents.csv back, keyed by CUSIP; throws naming the line when it is not one. */
export function parseParentsCsv(bytes: Uint8Array): Map<string, ParentRow> {
  const parser = new CsvParser({ source: PARENTS_FILE });
  parser.write(bytes);
  parser.finish();
  // One record at a time: a parents.csv has a line per CUSIP, tens of thousands on a large run.
  const header = parser.read();
  if (header === undefined || header.fields.join(',') !== HEADER.join(',')) throw new Error(`${PARENTS_FILE} does not start with the colors.csv header`);
  const parents = new Map<string, ParentRow>();
  for (let record = parser.read(); record !== undefined; record = parser.read()) {
    const { fields, line, problem } = record;
    const children = Number(fields[CHILDREN_COUNT]);
    if (problem !== undefined || fields.length !== HEADER.length || !Number.isSafeInteger(children)) {
      throw new Error(`${PARENTS_FILE} line ${line} is not a parent line${problem ? ` (${problem})` : ''}`);
    }
    const colors = fields.slice(0, COLUMNS.length);
    const cusip = normalizeText(colors[COLUMN_INDEX.CUSIP]!);
    // csvLine quotes as colors.csv does (csv-writer.ts), so the record is the one this run would write.
    parents.set(cusip, { cusip, record: csvLine(colors).slice(0, -1), source: colors[COLUMN_INDEX.SOURCE] || null, groupSize: children + 1 });
  }
  return parents;
}
