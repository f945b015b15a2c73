/**
 * Valid rows made ready for a {@link RankingTable} on another thread (parallel/): each row's line
 * (row-line.ts) in UTF-8 and its sort keys as doubles, in flat typed arrays that move between
 * threads without copying; only the texts that must be numbered against the whole table (the CUSIP
 * group, text keys) travel as strings. {@link RankingTable.addPrepared} stores them exactly as
 * `add` stores a row, so a ranking built either way is the same.
 *
 * Most rows' lines stay where they were read: in the piece of the file itself, each record
 * rewritten in place into its line (RowLineEncoder.rewriteAsRead), so the piece's buffer becomes
 * the lines' buffer and no line is copied. The other rows' lines are encoded into a buffer of
 * their own.
 */
import type { ColorRow } from '../schema.js';
import { MAX_UTF8_BYTES_PER_UNIT } from '../text.js';
import type { RankingKey } from './order.js';
import { RowLineEncoder } from './row-line.js';
import { type SortKey, TextKey } from './sort-keys.js';
import { tableKeys } from './table.js';

export interface PreparedRows {
  readonly count: number;
  /** The buffers the rows' lines are in, UTF-8 (a piece of the file, encoded lines). */
  readonly buffers: readonly Uint8Array[];
  /** Per row: the index in {@link buffers} of the buffer its line is in. */
  readonly lineBuffers: Uint8Array;
  /** Per row: where its line starts and ends in its buffer. */
  readonly lineStarts: Int32Array;
  readonly lineEnds: Int32Array;
  /** Per row, one double per table key (sort-keys.ts `prepare`). */
  readonly keys: Float64Array;
  /** Per row, one flag per table key (sort-keys.ts `prepareFlag`). */
  readonly flags: Uint8Array;
  /** Per row: its CUSIP key, then the normalized text (or null) of each text key. */
  readonly texts: (string | null)[];
}

/** Where {@link PreparedRowsBuilder.addAsRead}'s lines are: the piece read. */
const IN_PIECE = 0;
/** Where {@link PreparedRowsBuilder.add}'s lines are: encoded anew. */
const ENCODED = 1;

/** Collects rows into a {@link PreparedRows}; `finish` hands it out with the buffers to transfer. */
export class PreparedRowsBuilder {
  private readonly keys: SortKey[];
  private readonly encoder = new RowLineEncoder();
  private count = 0;
  /** The lines encoded anew (rows not taken as read). */
  private lines = Buffer.alloc(0);
  private used = 0;
  private lineBuffers = new Uint8Array(1024);
  private lineStarts = new Int32Array(1024);
  private lineEnds = new Int32Array(1024);
  private keyValues = new Float64Array(0);
  private flags = new Uint8Array(0);
  private readonly texts: (string | null)[] = [];

  /** `piece`: the bytes rows are read from by {@link addAsRead}, which become their lines' buffer. */
  constructor(
    order: readonly RankingKey[],
    private readonly piece?: Uint8Array,
  ) {
    this.keys = tableKeys(order);
    this.keyValues = new Float64Array(1024 * this.keys.length);
    this.flags = new Uint8Array(1024 * this.keys.length);
  }

  add(row: ColorRow): void {
    const line = this.encoder.encode(row.text);
    const worst = line.length * MAX_UTF8_BYTES_PER_UNIT;
    if (this.used + worst > this.lines.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.lines.length * 2, this.used + worst, 1 << 16));
      grown.set(this.lines.subarray(0, this.used));
      this.lines = grown;
    }
    const start = this.used;
    this.used += this.lines.write(line, start);
    this.addKeys(row, ENCODED, start, this.used);
  }

  /**
   * Adds a row read as `fields` from the plain CSV line at [start, end) of the piece (ASCII): its
   * line is that record, rewritten in place where it can be (RowLineEncoder.rewriteAsRead), else
   * encoded as {@link add} makes it. Either way the stored line is the same.
   */
  addAsRead(row: ColorRow, fields: readonly string[], start: number, end: number): void {
    if (this.piece === undefined) throw new Error('PreparedRowsBuilder.addAsRead without a piece');
    if (this.encoder.rewriteAsRead(row.text, fields, this.piece, start, end)) this.addKeys(row, IN_PIECE, start, end);
    else this.add(row);
  }

  /** Stores where the row's line is, and its group and sort keys. */
  private addKeys(row: ColorRow, buffer: number, start: number, end: number): void {
    if (this.count === this.lineEnds.length) this.grow();
    this.lineBuffers[this.count] = buffer;
    this.lineStarts[this.count] = start;
    this.lineEnds[this.count] = end;
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

  /**
   * The rows, trimmed to size, and the buffers to list as transferable. The piece's buffer is
   * among them when rows were taken from it; two builders over one piece list it twice.
   */
  finish(): { rows: PreparedRows; transfer: ArrayBuffer[] } {
    const keyCount = this.keys.length;
    const encoded = new Uint8Array(this.lines.subarray(0, this.used));
    const rows: PreparedRows = {
      count: this.count,
      buffers: [this.piece ?? new Uint8Array(0), encoded],
      lineBuffers: this.lineBuffers.slice(0, this.count),
      lineStarts: this.lineStarts.slice(0, this.count),
      lineEnds: this.lineEnds.slice(0, this.count),
      keys: this.keyValues.slice(0, this.count * keyCount),
      flags: this.flags.slice(0, this.count * keyCount),
      texts: this.texts,
    };
    const arrays = [encoded, rows.lineBuffers, rows.lineStarts, rows.lineEnds, rows.keys, rows.flags];
    if (this.piece !== undefined) arrays.push(this.piece);
    return { rows, transfer: arrays.map((array) => array.buffer as ArrayBuffer) };
  }

  private grow(): void {
    const capacity = this.lineEnds.length * 2;
    const grown = <T extends Uint8Array | Int32Array | Float64Array>(old: T, make: (length: number) => T, perRow = 1): T => {
      const array = make(capacity * perRow);
      array.set(old);
      return array;
    };
    this.lineBuffers = grown(this.lineBuffers, (n) => new Uint8Array(n));
    this.lineStarts = grown(this.lineStarts, (n) => new Int32Array(n));
    this.lineEnds = grown(this.lineEnds, (n) => new Int32Array(n));
    this.keyValues = grown(this.keyValues, (n) => new Float64Array(n), this.keys.length);
    this.flags = grown(this.flags, (n) => new Uint8Array(n), this.keys.length);
  }
}
