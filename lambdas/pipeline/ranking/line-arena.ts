/**
 * Lines of text stored as UTF-8 in a few large buffers, addressed by index. A million-row run keeps
 * every row's CSV line until the rows are ranked: as JS strings that is a million heap objects the
 * garbage collector copies out of the young generation and then marks on every major collection;
 * here it is a few dozen buffers outside the heap and three numbers per line.
 *
 * An arena told to spill (`spillTo`) writes the batches it adopts to a spill file instead, and
 * reads them back a window at a time (spilled-chunks.ts): its reader then calls `prepare` with each
 * group's bucket before reading the group's lines.
 */
import { MAX_UTF8_BYTES_PER_UNIT, MIB } from '../text.js';
import type { SpillFile } from './spill-file.js';
import { SpilledChunks } from './spilled-chunks.js';

/** Bytes per buffer. A line that does not fit in what is left of one starts the next. */
const ARENA_CHUNK_BYTES = 4 * MIB;

/** Numbers kept per line in LineArena's `where`: chunk, start, end. */
const WHERE = 3;

/** String.prototype.isWellFormed: Node 20 has it, the ES2023 typings do not. */
type MaybeIllFormed = string & { isWellFormed(): boolean };

/** Lines encoded elsewhere, for {@link LineArena.adopt}: `count` lines in `lines`, laid out by bucket (prepared-rows.ts). */
export interface AdoptedLines {
  readonly count: number;
  readonly lines: Uint8Array;
  readonly lineStarts: Int32Array;
  readonly lineEnds: Int32Array;
  readonly bucketStarts: Int32Array;
}

export class LineArena {
  private readonly chunks: Buffer[] = [];
  /** Where adopted batches go when the arena spills; a line's chunk `c < 0` is spilled chunk `-c - 1`. */
  private spilled: SpilledChunks | undefined;
  private current: Buffer = Buffer.alloc(0);
  private used = 0;
  private count = 0;
  /**
   * Per line, side by side: its chunk, and where it starts and ends in it. Together, so that reading
   * a line picked at random (rows in ranked order) costs one cache miss, not three.
   */
  private where = new Int32Array(0);
  private capacity = 0;
  /**
   * Lines with a lone surrogate (a JSON `\uD800` escape can make one), which UTF-8 cannot carry:
   * they would read back as U+FFFD. Kept as given too, so comparisons and JSON see the original.
   */
  private readonly illFormed = new Map<number, string>();

  get size(): number {
    return this.count;
  }

  /** Stores a line; returns its index (lines are numbered 0, 1, … in the order added). */
  add(line: string): number {
    const index = this.count;
    if (index === this.capacity) this.grow();
    const worst = line.length * MAX_UTF8_BYTES_PER_UNIT;
    if (worst > this.current.length - this.used) {
      this.current = Buffer.allocUnsafeSlow(Math.max(ARENA_CHUNK_BYTES, worst));
      this.chunks.push(this.current);
      this.used = 0;
    }
    const at = index * WHERE;
    this.where[at] = this.chunks.length - 1;
    this.where[at + 1] = this.used;
    this.used += this.current.write(line, this.used);
    this.where[at + 2] = this.used;
    if (!(line as MaybeIllFormed).isWellFormed()) this.illFormed.set(index, line);
    this.count++;
    return index;
  }

  /** From now on, batches adopted are written to `file` rather than kept (spilled-chunks.ts). */
  spillTo(file: SpillFile, windowBytes?: number): void {
    this.spilled = new SpilledChunks(file, windowBytes);
  }

  /**
   * Takes lines already encoded (well-formed text, as UTF-8) where they are: line `i` is bytes
   * [lineStarts[i], lineEnds[i]) of `lines`. The buffer becomes a chunk of the arena's own rather
   * than being copied, so a batch moved from a worker thread (prepared-rows.ts) is not held twice
   * until it is collected; or, when the arena spills, it is written to the spill file, and
   * `spilled` gets `lines` back once it is.
   */
  adopt({ count, lines, lineStarts, lineEnds, bucketStarts }: AdoptedLines, spilled?: (lines: Uint8Array) => void): void {
    const chunk =
      this.spilled === undefined
        ? this.chunks.push(Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength)) - 1
        : -this.spilled.add(lines, bucketStarts, spilled) - 1;
    // Lines added one by one after this start a fresh chunk: the one being filled is no longer the last.
    this.current = Buffer.alloc(0);
    this.used = 0;
    const first = this.count;
    if (first + count > this.capacity) this.grow(first + count);
    const where = this.where;
    for (let line = 0, at = first * WHERE; line < count; line++, at += WHERE) {
      where[at] = chunk;
      where[at + 1] = lineStarts[line]!;
      where[at + 2] = lineEnds[line]!;
    }
    this.count = first + count;
  }

  /** Before reading the lines of a group whose CUSIP key is in `bucket` (line-buckets.ts): loads them when spilled. */
  prepare(bucket: number): void {
    this.spilled?.prepare(bucket);
  }

  /**
   * The line's UTF-8 bytes (a lone surrogate is U+FFFD): a view, valid as long as the arena — or,
   * for a spilled line, until the next {@link prepare}.
   */
  bytes(index: number): Uint8Array {
    const at = index * WHERE;
    const chunk = this.where[at]!;
    const start = this.where[at + 1]!;
    const end = this.where[at + 2]!;
    if (chunk < 0) return this.spilled!.bytes(-chunk - 1, start, end);
    // A plain Uint8Array view: Buffer's subarray costs several times more, a million times a run.
    const buffer = this.chunks[chunk]!;
    return new Uint8Array(buffer.buffer, buffer.byteOffset + start, end - start);
  }

  text(index: number): string {
    const illFormed = this.illFormed.size === 0 ? undefined : this.illFormed.get(index);
    if (illFormed !== undefined) return illFormed;
    const at = index * WHERE;
    const chunk = this.where[at]!;
    if (chunk < 0) return this.spilled!.text(-chunk - 1, this.where[at + 1]!, this.where[at + 2]!);
    return this.chunks[chunk]!.toString('utf8', this.where[at + 1]!, this.where[at + 2]!);
  }

  /** Whether two lines are the same text (same bytes: the encoding is one-to-one). */
  equal(a: number, b: number): boolean {
    if (this.illFormed.size > 0 && (this.illFormed.has(a) || this.illFormed.has(b))) return this.text(a) === this.text(b);
    const where = this.where;
    const p = a * WHERE;
    const q = b * WHERE;
    if (where[p + 2]! - where[p + 1]! !== where[q + 2]! - where[q + 1]!) return false;
    if (where[p]! < 0 && where[q]! < 0)
      return this.spilled!.equal(-where[p]! - 1, where[p + 1]!, where[p + 2]!, -where[q]! - 1, where[q + 1]!, where[q + 2]!);
    if (where[p]! < 0 || where[q]! < 0) return Buffer.compare(this.bytes(a), this.bytes(b)) === 0;
    const x = this.chunks[where[p]!]!;
    const y = this.chunks[where[q]!]!;
    return x.compare(y, where[q + 1]!, where[q + 2]!, where[p + 1]!, where[p + 2]!) === 0;
  }

  /** Makes room for `lines` lines in all. */
  reserve(lines: number): void {
    if (lines > this.capacity) this.grow(lines);
  }

  /** Makes room for at least `lines` lines (twice as many as now, at least). */
  private grow(lines = 0): void {
    this.capacity = Math.max(1024, this.capacity * 2, lines);
    const where = new Int32Array(this.capacity * WHERE);
    where.set(this.where.subarray(0, this.count * WHERE));
    this.where = where;
  }
}
