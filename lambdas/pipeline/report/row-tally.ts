/**
 * Ranked rows per dealer (SOURCE) and per sector (SECTOR), counted as the rows are read: one map
 * update per row on text the row already holds, so a report never reads the rows again. Values
 * are merged the way the product compares text (trimmed, case-insensitive: text.ts) only at the
 * end, over the few distinct values.
 */
import { COLUMN_INDEX } from '../columns.js';
import type { ColorRow } from '../schema.js';
import { compareText, normalizeText } from '../text.js';

const SOURCE = COLUMN_INDEX.SOURCE;
const SECTOR = COLUMN_INDEX.SECTOR;

/** One value's count; `value` is null for rows without one. */
export interface ValueCount {
  readonly value: string | null;
  readonly rows: number;
}

export class RowTally {
  private readonly sources = new Map<string | null, number>();
  private readonly sectors = new Map<string | null, number>();

  add(row: ColorRow): void {
    const source = row.text[SOURCE] ?? null;
    const sector = row.text[SECTOR] ?? null;
    this.sources.set(source, (this.sources.get(source) ?? 0) + 1);
    this.sectors.set(sector, (this.sectors.get(sector) ?? 0) + 1);
  }

  bySource(): ValueCount[] {
    return merged(this.sources);
  }

  bySector(): ValueCount[] {
    return merged(this.sectors);
  }
}

/**
 * Counts merged by normalized value, most rows first (then by value; no value last), each shown
 * as its most frequent spelling, trimmed.
 */
export function merged(counts: ReadonlyMap<string | null, number>): ValueCount[] {
  const groups = new Map<string | null, { spelling: string | null; best: number; rows: number }>();
  for (const [value, rows] of counts) {
    const key = value === null ? null : normalizeText(value);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { spelling: value?.trim() ?? null, best: rows, rows });
    else {
      group.rows += rows;
      if (rows > group.best) [group.spelling, group.best] = [value?.trim() ?? null, rows];
    }
  }
  return [...groups.values()]
    .map(({ spelling, rows }) => ({ value: spelling, rows }))
    .sort((a, b) => (a.value === null) !== (b.value === null) ? (a.value === null ? 1 : -1) : b.rows - a.rows || compareText(a.value ?? '', b.value ?? ''));
}
