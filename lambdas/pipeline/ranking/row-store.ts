/**
 * The rows of a ranking table, by handle (0, 1, … in the order added), kept for a million-row run
 * as encoded lines (row-line.ts) in a LineArena: a few large buffers outside the heap instead of a
 * million row objects. Readers get a row's fields, or its CSV record as bytes; the final
 * tie-break of the ranking order compares rows here.
 */
import { COLUMNS } from '../columns.js';
import { compareText } from '../text.js';
import { type AdoptedLines, LineArena } from './line-arena.js';
import { decodeRowLine, RowLineEncoder } from './row-line.js';
import type { SpillFile } from './spill-file.js';

export class RowStore {
  private readonly lines = new LineArena();
  private readonly encoder = new RowLineEncoder();

  get size(): number {
    return this.lines.size;
  }

  /** Makes room for `rows` lines in all (LineArena.reserve). */
  reserve(rows: number): void {
    this.lines.reserve(rows);
  }

  /** Stores a row's output texts (indexed like COLUMNS); returns its handle. */
  add(text: readonly (string | null)[]): number {
    return this.lines.add(this.encoder.encode(text));
  }

  /** Takes prepared rows' lines, as {@link RowLineEncoder} encodes them, in UTF-8 (LineArena.adopt); they get the next handles. */
  adopt(lines: AdoptedLines, spilled?: (lines: Uint8Array) => void): void {
    this.lines.adopt(lines, spilled);
  }

  /** Rows adopted from now on have their lines written to `file` (LineArena.spillTo). */
  spillTo(file: SpillFile, windowBytes?: number): void {
    this.lines.spillTo(file, windowBytes);
  }

  /** Before reading the rows of a group whose CUSIP key is in `bucket` (line-buckets.ts): loads their lines when spilled. */
  prepare(bucket: number): void {
    this.lines.prepare(bucket);
  }

  /** The row's output texts, indexed like COLUMNS; null for a null value. A fresh array. */
  fields(row: number): (string | null)[] {
    return decodeRowLine(this.lines.text(row));
  }

  /** One of the row's output texts: column `index` of COLUMNS. */
  field(row: number, index: number): string | null {
    return decodeRowLine(this.lines.text(row), index + 1)[index] ?? null;
  }

  /**
   * The row's fields as one CSV record (RFC 4180, as csv-writer.ts writes it) in UTF-8, without a
   * line end: a view into the store, valid as long as the store.
   */
  csvRecord(row: number): Uint8Array {
    return this.lines.bytes(row);
  }

  /**
   * The last tie-break: each column's output text in column order, nulls last. Equal lines are
   * equal rows (a line is its fields joined, and an empty field can only be null), so only rows
   * that differ somewhere are decoded.
   */
  compareFields(a: number, b: number): number {
    if (this.lines.equal(a, b)) return 0;
    const x = this.fields(a);
    const y = this.fields(b);
    for (let index = 0; index < COLUMNS.length; index++) {
      const p = x[index] ?? null;
      const q = y[index] ?? null;
      if (p === q) continue;
      if (p === null) return 1;
      if (q === null) return -1;
      return compareText(p, q);
    }
    return 0;
  }
}
