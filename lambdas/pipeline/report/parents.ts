/**
 * parents.jsonl: each CUSIP's parent, one line per group (docs/report.md): a first line naming the
 * columns, then per group a JSON array of the parent's 18 color fields as colors.csv writes them
 * (strings, null for null) and its CHILDREN_COUNT. It is what a later run reads to say which
 * parents changed: a few tens of thousands of lines where colors.csv has a million, so comparing
 * runs never re-reads rows. JSON, because JSON.parse reads it back with no parser in the bundle.
 */
import { COLUMN_INDEX, COLUMNS } from '../columns.js';
import { JSONL_CONTENT_TYPE } from '../outputs/colors-jsonl.js';
import type { OutputRenderer } from '../outputs/renderer.js';
import type { OutputWriter } from '../ports.js';
import type { Ranking } from '../ranking/ranked.js';
import { normalizeText } from '../text.js';

export const PARENTS_FILE = 'parents.jsonl';

/**
 * One CUSIP's parent as a run published it. Kept as one string, its fields as a JSON array, rather
 * than 18 field strings: a comparison holds two runs' parents, and only the ones that changed are
 * read field by field ({@link parentFields}).
 */
export interface ParentRow {
  /** The group's key, trim(upper(CUSIP)). */
  readonly cusip: string;
  /** The parent's 18 color fields (output texts, null for null) as a JSON array: equal records are the same row. */
  readonly record: string;
  /** Its SOURCE (the dealer); null for none. */
  readonly source: string | null;
  /** Rows in the group: the parent and its children. */
  readonly groupSize: number;
}

function parentRow(fields: readonly (string | null)[], groupSize: number): ParentRow {
  return {
    cusip: normalizeText(fields[COLUMN_INDEX.CUSIP] ?? ''),
    record: JSON.stringify(fields),
    source: fields[COLUMN_INDEX.SOURCE] ?? null,
    groupSize,
  };
}

const HEADER = JSON.stringify([...COLUMNS, 'CHILDREN_COUNT']);

/** The parents of a ranking, in its group order: one `fields` read per group, never per row. */
export function parentsOf(ranking: Ranking): ParentRow[] {
  const parents: ParentRow[] = [];
  for (const group of ranking.groups()) parents.push(parentRow(ranking.fields(group.rows[0]!), group.rows.length));
  return parents;
}

/** A parent's output texts, indexed like COLUMNS; null for a null value. */
export function parentFields(parent: ParentRow): (string | null)[] {
  return JSON.parse(parent.record) as (string | null)[];
}

/** parents.jsonl of a ranking's parents ({@link parentsOf}): their records as they are, each with its CHILDREN_COUNT. */
export function parentsJsonl(parents: readonly ParentRow[]): OutputRenderer {
  return {
    name: PARENTS_FILE,
    contentType: JSONL_CONTENT_TYPE,
    rows: parents.length,
    *render(out: OutputWriter) {
      out.write(`${HEADER}\n`);
      yield;
      for (const { record, groupSize } of parents) {
        out.write(`${record.slice(0, -1)},${groupSize - 1}]\n`);
        yield;
      }
    },
  };
}

/** Reads a parents.jsonl back, keyed by CUSIP; throws naming the line when it is not one. */
export function parseParents(bytes: Uint8Array): Map<string, ParentRow> {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
  if (lines[0] !== HEADER) throw new Error(`${PARENTS_FILE} does not start with its column names`);
  const parents = new Map<string, ParentRow>();
  for (let at = 1; at < lines.length; at++) {
    if (lines[at] === '') continue;
    const fields = parseLine(lines[at]!);
    const children = fields?.pop();
    if (
      fields === undefined ||
      typeof children !== 'number' ||
      fields.length !== COLUMNS.length ||
      !fields.every((field) => field === null || typeof field === 'string')
    ) {
      throw new Error(`${PARENTS_FILE} line ${at + 1} is not a parent's line`);
    }
    const parent = parentRow(fields as (string | null)[], children + 1);
    parents.set(parent.cusip, parent);
  }
  return parents;
}

function parseLine(line: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
