/**
 * Valid rows made ready for a {@link RankingTable} on another thread (parallel/): each row's line
 * (row-line.ts) in UTF-8 and its sort keys as doubles, in flat typed arrays that move between
 * threads without copying; only the texts that must be numbered against the whole table (the CUSIP
 * group, text keys) travel as strings. {@link RankingTable.addPrepared} stores them exactly as
 * `add` stores a row, so a ranking built either way is the same.
 */
import type { ColorRow } from '../schema.js';
import { MAX_UTF8_BYTES_PER_UNIT } from '../text.js';
import type { RankingKey } from './order.js';
import { RowLineEncoder } from './row-line.js';
import { type SortKey, TextKey } from './sort-keys.js';
import { tableKeys } from './table.js';

export interface PreparedRows {
  readonly count: number;
  /** The rows' lines back to back, in UTF-8. */
  readonly lines: Uint8Array;
  /** Where each row's line ends in {@link lines} (the next one starts there). */
  readonly lineEnds: Int32Array;
  /** Per row, one double per table key (sort-keys.ts `prepare`). */
  readonly keys: Float64Array;
  /** Per row, one flag per table key (sort-keys.ts `prepareFlag`). */
  readonly flags: Uint8Array;
  /** Per row: its CUSIP key, then the normalized text (or null) of each text key. */
  readonly texts: (string | null)[];
}

/** Collects rows into a {@link PreparedRows}; `finish` hands it out with the buffers to transfer. */
export class PreparedRowsBuilder {
  private readonly keys: SortKey[];
  private readonly encoder = new RowLineEncoder();
  private count = 0;
  private lines = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private lineEnds = new Int32Array(1024);
  private keyValues = new Float64Array(0);
  private flags = new Uint8Array(0);
  private readonly texts: (string | null)[] = [];

  constructor(order: readonly RankingKey[]) {
    this.keys = tableKeys(order);
    this.keyValues = new Float64Array(1024 * this.keys.length);
    this.flags = new Uint8Array(1024 * this.keys.length);
  }

  add(row: ColorRow): void {
    const line = this.encoder.encode(row.text);
    this.reserve(line.length * MAX_UTF8_BYTES_PER_UNIT);
    this.used += this.lines.write(line, this.used);
    this.addKeys(row);
  }

  /**
   * Adds a row read as `fields` from the plain CSV line at [start, end) of `bytes` (ASCII): its line
   * is made from those bytes where it can be (RowLineEncoder.encodeAsRead), else as {@link add}
   * makes it. Either way the stored line is the same.
   */
  addAsRead(row: ColorRow, fields: readonly string[], bytes: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    const written = this.encoder.encodeAsRead(row.text, fields, bytes, start, end, this.lines, this.used);
    if (written < 0) {
      this.add(row);
      return;
    }
    this.used += written;
    this.addKeys(row);
  }

  /** Room for `bytes` more bytes of lines and one more row. */
  private reserve(bytes: number): void {
    if (this.used + bytes > this.lines.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.lines.length * 2, this.used + bytes));
      grown.set(this.lines.subarray(0, this.used));
      this.lines = grown;
    }
    if (this.count === this.lineEnds.length) this.grow();
  }

  /** Ends the row's line where the lines end now, and stores its group and sort keys. */
  private addKeys(row: ColorRow): void {
    this.lineEnds[this.count] = this.used;
    this.texts.push(row.cusipKey);
    const keys = this.keys;
    const at = this.count * keys.length;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      this.keyValues[at + k] = key.prepare(row);
      this.flags[at + k] = key.prepareFlag(row);
      if (key instanceof TextKey) this.texts.push(key.prepareText(row));
    }
    this.count++;
  }

  /** The rows, trimmed to size, and the buffers to list as transferable. */
  finish(): { rows: PreparedRows; transfer: ArrayBuffer[] } {
    const keyCount = this.keys.length;
    const rows: PreparedRows = {
      count: this.count,
      lines: new Uint8Array(this.lines.subarray(0, this.used)),
      lineEnds: this.lineEnds.slice(0, this.count),
      keys: this.keyValues.slice(0, this.count * keyCount),
      flags: this.flags.slice(0, this.count * keyCount),
      texts: this.texts,
    };
    const transfer = [rows.lines, rows.lineEnds, rows.keys, rows.flags].map((array) => array.buffer as ArrayBuffer);
    return { rows, transfer };
  }

  private grow(): void {
    const capacity = this.lineEnds.length * 2;
    const lineEnds = new Int32Array(capacity);
    lineEnds.set(this.lineEnds);
    this.lineEnds = lineEnds;
    const keyValues = new Float64Array(capacity * this.keys.length);
    keyValues.set(this.keyValues);
    this.keyValues = keyValues;
    const flags = new Uint8Array(capacity * this.keys.length);
    flags.set(this.flags);
    this.flags = flags;
  }
}
