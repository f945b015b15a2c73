/**
 * Ranked rows per dealer (SOURCE) and per sector (SECTOR), counted as the rows are read, on text
 * the row already holds, so a report never reads the rows again. Values are merged the way the
 * product compares text (trimmed, case-insensitive: text.ts) only at the end, over the few
 * distinct values.
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

/** Rows per value as read, per column; plain data, so it crosses to and from worker threads. */
export interface RawTally {
  readonly sources: readonly (readonly [string | null, number])[];
  readonly sectors: readonly (readonly [string | null, number])[];
}

export class RowTally {
  private readonly sources = new ValueCounter();
  private readonly sectors = new ValueCounter();

  add(row: ColorRow): void {
    this.sources.add(row.text[SOURCE] ?? null);
    this.sectors.add(row.text[SECTOR] ?? null);
  }

  /** The counts as read, before merging spellings: what a worker thread sends (parallel/). */
  rawCounts(): RawTally {
    return { sources: [...this.sources.counts()], sectors: [...this.sectors.counts()] };
  }

  /** Adds counts taken elsewhere (a piece of the input read on a worker thread). */
  addCounts({ sources, sectors }: RawTally): void {
    for (const [value, rows] of sources) this.sources.add(value, rows);
    for (const [value, rows] of sectors) this.sectors.add(value, rows);
  }

  bySource(): ValueCount[] {
    return merged(this.sources.counts());
  }

  bySector(): ValueCount[] {
    return merged(this.sectors.counts());
  }
}

/** Values that a plain list holds before a Map takes over. */
const LISTED_VALUES = 32;

/**
 * Counts values as read. A column such as SOURCE has a few dozen values, each row's a fresh string:
 * a Map would hash every one. A dealer's message is consecutive rows of one SOURCE, so the value of
 * the row before is tried first, then a short list, compared by content; only a column with many
 * values falls back to a Map.
 */
class ValueCounter {
  private readonly values: (string | null)[] = [];
  private readonly tallies: number[] = [];
  private last = -1;
  private many: Map<string | null, number> | undefined;

  add(value: string | null, rows = 1): void {
    if (this.last >= 0 && this.values[this.last] === value) {
      this.tallies[this.last]! += rows;
      return;
    }
    if (this.many !== undefined) {
      this.many.set(value, (this.many.get(value) ?? 0) + rows);
      return;
    }
    const at = this.values.indexOf(value);
    if (at >= 0) {
      this.tallies[at]! += rows;
      this.last = at;
    } else if (this.values.length < LISTED_VALUES) {
      this.last = this.values.push(value) - 1;
      this.tallies.push(rows);
    } else {
      this.many = new Map([[value, rows]]);
    }
  }

  counts(): Map<string | null, number> {
    const counts = new Map(this.many);
    this.values.forEach((value, at) => {
      counts.set(value, (counts.get(value) ?? 0) + this.tallies[at]!);
    });
    return counts;
  }
}

/**
 * Counts merged by normalized value, most rows first (then by value; no value last), each shown
 * as its most frequent spelling, trimmed; of spellings equally frequent, the first in code-unit
 * order, so the result does not depend on the order the values were counted in (one thread or
 * pieces on worker threads).
 */
export function merged(counts: ReadonlyMap<string | null, number>): ValueCount[] {
  const groups = new Map<string | null, { spelling: string | null; best: number; rows: number }>();
  for (const [value, rows] of counts) {
    const key = value === null ? null : normalizeText(value);
    const group = groups.get(key);
    const spelling = value?.trim() ?? null;
    if (group === undefined) groups.set(key, { spelling, best: rows, rows });
    else {
      group.rows += rows;
      if (rows > group.best || (rows === group.best && spelling !== null && spelling < (group.spelling ?? ''))) {
        [group.spelling, group.best] = [spelling, rows];
      }
    }
  }
  return [...groups.values()]
    .map(({ spelling, rows }) => ({ value: spelling, rows }))
    .sort((a, b) =>
      (a.value === null) !== (b.value === null)
        ? a.value === null
          ? 1
          : -1
        : b.rows - a.rows || compareText(a.value ?? '', b.value ?? ''),
    );
}
