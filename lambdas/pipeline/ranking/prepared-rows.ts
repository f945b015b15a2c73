/**
 * Valid rows made ready for a {@link RankingTable} on another thread (parallel/): each row's line
 * (row-line.ts) in UTF-8 and its sort keys as doubles, in flat typed arrays that move between
 * threads without copying. A row's CUSIP key travels as the reading thread's id for it (the keys
 * themselves once per thread); only text sort keys, numbered against the whole table, travel as
 * strings per row. {@link RankingTable.addPrepared} stores them exactly as
 * `add` stores a row, so a ranking built either way is the same.
 *
 * Most rows' lines are made where they were read: in the piece of the file itself, each record
 * rewritten in place into its line (RowLineEncoder.rewriteAsRead); the other rows' lines are
 * encoded into a buffer of their own. `finish` then lays the lines out in one buffer bucket by
 * bucket of their CUSIP keys (line-buckets.ts), in the order added within a bucket, so the lines
 * of consecutive groups are together: in memory, rendering them in ranked order reads nearby
 * bytes; spilled to disk (spilled-chunks.ts), they are read back a run of buckets at a time.
 */
import type { ColorRow } from '../schema.js';
import { MAX_UTF8_BYTES_PER_UNIT } from '../text.js';
import type { TextIds } from '../text-ids.js';
import { BUCKETS, bucketOf } from './line-buckets.js';
import type { RankingKey } from './order.js';
import { RowLineEncoder } from './row-line.js';
import { type SortKey, TextKey } from './sort-keys.js';
import { tableKeys } from './table.js';

export interface PreparedRows {
  readonly count: number;
  /** The rows' lines, UTF-8, bucket by bucket. */
  readonly lines: Uint8Array;
  /** Per row: where its line starts and ends in {@link lines}. */
  readonly lineStarts: Int32Array;
  readonly lineEnds: Int32Array;
  /** Where each bucket's lines start in {@link lines} (line-buckets.ts), and at the end its length: BUCKETS + 1 offsets. */
  readonly bucketStarts: Int32Array;
  /**
   * Per row: its CUSIP key, as the id the reading thread gave it (its {@link PreparedRowsBuilder}'s
   * `groupIds`, shared by the thread's pieces). The keys themselves travel once per thread, with the
   * piece that first saw them, rather than once per row.
   */
  readonly groups: Int32Array;
  /**
   * Per table key, per row: what sort-keys.ts `prepare` gives, `prepareFlag` gives, and, for a text
   * key, `prepareText` (null for other keys). A key's values are together, so they are stored in
   * the table as one copy.
   */
  readonly keys: readonly PreparedKey[];
}

export interface PreparedKey {
  readonly values: Float64Array;
  readonly flags: Uint8Array;
  readonly texts: (string | null)[] | null;
}

/** Where {@link PreparedRowsBuilder.addAsRead}'s lines are: the piece read. */
const IN_PIECE = 0;
/** Where {@link PreparedRowsBuilder.add}'s lines are: encoded anew. */
const ENCODED = 1;

/** Rows a builder has room for from the start, at least. */
const MIN_CAPACITY = 1024;

/** Collects rows into a {@link PreparedRows}; `finish` hands it out with the buffers to transfer. */
export class PreparedRowsBuilder {
  private readonly keys: SortKey[];
  private readonly encoder = new RowLineEncoder();
  private count = 0;
  private capacity: number;
  /** The lines encoded anew (rows not taken as read). */
  private lines = Buffer.alloc(0);
  private used = 0;
  private lineBuffers: Uint8Array;
  private lineStarts: Int32Array;
  private lineEnds: Int32Array;
  private buckets: Uint16Array;
  private groups: Int32Array;
  private readonly keyValues: Float64Array[];
  private readonly keyFlags: Uint8Array[];
  private readonly keyTexts: ((string | null)[] | null)[];

  /**
   * `groupIds`: the reading thread's ids of CUSIP keys. `piece`: the bytes rows are read from by
   * {@link addAsRead}, which become their lines' buffer. `expectedRows`: about how many rows will be
   * added (the last piece's count): the arrays are made that large at once rather than grown by
   * doubling, each growth a copy into fresh memory (a page fault per 4 KiB).
   */
  constructor(
    order: readonly RankingKey[],
    private readonly groupIds: TextIds,
    private readonly piece?: Uint8Array,
    expectedRows = 0,
  ) {
    this.capacity = Math.max(MIN_CAPACITY, expectedRows);
    this.lineBuffers = new Uint8Array(this.capacity);
    this.lineStarts = new Int32Array(this.capacity);
    this.lineEnds = new Int32Array(this.capacity);
    this.buckets = new Uint16Array(this.capacity);
    this.groups = new Int32Array(this.capacity);
    this.keys = tableKeys(order);
    this.keyValues = this.keys.map(() => new Float64Array(this.capacity));
    this.keyFlags = this.keys.map(() => new Uint8Array(this.capacity));
    this.keyTexts = this.keys.map((key) => (key instanceof TextKey ? [] : null));
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
    const at = this.count;
    if (at === this.capacity) this.grow();
    this.lineBuffers[at] = buffer;
    this.lineStarts[at] = start;
    this.lineEnds[at] = end;
    this.buckets[at] = bucketOf(row.cusipKey);
    this.groups[at] = this.groupIds.id(row.cusipKey);
    const keys = this.keys;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k]!;
      this.keyValues[k]![at] = key.prepare(row);
      this.keyFlags[k]![at] = key.prepareFlag(row);
      if (key instanceof TextKey) this.keyTexts[k]!.push(key.prepareText(row));
    }
    this.count++;
  }

  /**
   * The rows, and the buffers to list as transferable; call once. The arrays are views of the
   * builder's (the table copies them); the lines go into a buffer from `take` (a fresh one unless
   * given), which the table keeps, or hands back once they are spilled (parallel/chunk-rows.ts).
   */
  finish(take: (size: number) => Uint8Array = (size) => Buffer.allocUnsafeSlow(size)): { rows: PreparedRows; transfer: ArrayBuffer[] } {
    const count = this.count;
    const { lines, bucketStarts } = this.layOut(take);
    const rows: PreparedRows = {
      count,
      lines,
      lineStarts: this.lineStarts.subarray(0, count),
      lineEnds: this.lineEnds.subarray(0, count),
      bucketStarts,
      groups: this.groups.subarray(0, count),
      keys: this.keys.map((_, k) => ({
        values: this.keyValues[k]!.subarray(0, count),
        flags: this.keyFlags[k]!.subarray(0, count),
        texts: this.keyTexts[k]!,
      })),
    };
    const arrays: ArrayBufferView[] = [lines, rows.lineStarts, rows.lineEnds, bucketStarts, rows.groups];
    const buffers = [...arrays, ...this.keyValues, ...this.keyFlags].map((array) => array.buffer as ArrayBuffer);
    return { rows, transfer: buffers };
  }

  /** Copies the lines into `take(their size)`, bucket by bucket, and points each row at its copy. */
  private layOut(take: (size: number) => Uint8Array): { lines: Uint8Array; bucketStarts: Int32Array } {
    const { count, lineBuffers, lineStarts, lineEnds, buckets } = this;
    const bucketStarts = new Int32Array(BUCKETS + 1);
    for (let row = 0; row < count; row++) bucketStarts[buckets[row]! + 1]! += lineEnds[row]! - lineStarts[row]!;
    for (let bucket = 0; bucket < BUCKETS; bucket++) bucketStarts[bucket + 1]! += bucketStarts[bucket]!;
    const lines = take(bucketStarts[BUCKETS]!);
    const next = bucketStarts.slice(0, BUCKETS);
    const piece = this.piece === undefined ? undefined : Buffer.from(this.piece.buffer, this.piece.byteOffset, this.piece.byteLength);
    for (let row = 0; row < count; row++) {
      const from = lineBuffers[row] === IN_PIECE ? piece! : this.lines;
      const start = lineStarts[row]!;
      const end = lineEnds[row]!;
      const at = next[buckets[row]!]!;
      from.copy(lines, at, start, end);
      lineStarts[row] = at;
      lineEnds[row] = next[buckets[row]!] = at + end - start;
    }
    return { lines, bucketStarts };
  }

  private grow(): void {
    this.capacity *= 2;
    const capacity = this.capacity;
    this.lineBuffers = grown(this.lineBuffers, new Uint8Array(capacity));
    this.lineStarts = grown(this.lineStarts, new Int32Array(capacity));
    this.lineEnds = grown(this.lineEnds, new Int32Array(capacity));
    this.buckets = grown(this.buckets, new Uint16Array(capacity));
    this.groups = grown(this.groups, new Int32Array(capacity));
    this.keyValues.forEach((values, k) => {
      this.keyValues[k] = grown(values, new Float64Array(capacity));
    });
    this.keyFlags.forEach((flags, k) => {
      this.keyFlags[k] = grown(flags, new Uint8Array(capacity));
    });
  }
}

/** `array`, holding `old`'s values first. */
function grown<T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(old: T, array: T): T {
  array.set(old);
  return array;
}
