/**
 * Lines a LineArena keeps in a spill file (spill-file.ts) rather than in memory: each chunk is a
 * batch of lines laid out bucket by bucket (prepared-rows.ts, line-buckets.ts), written whole.
 *
 * They are read back a window at a time: the ranking and every output walk the groups in order,
 * and a group's bucket never decreases along the way, so before each group the reader asks for its
 * bucket ({@link prepare}) and, when it is not loaded, the run of buckets from it that fits in the
 * window is read in — from each chunk, the one stretch those buckets take. A line asked for outside
 * the window (a reader that does not walk the groups) is read on its own: correct, only slower.
 */
import { MIB } from '../text.js';
import { BUCKETS } from './line-buckets.js';
import type { SpillFile } from './spill-file.js';

/** Bytes of lines read back at once, unless one bucket alone holds more. */
export const WINDOW_BYTES = 16 * MIB;

export class SpilledChunks {
  /** Per chunk: where it starts in the file, and where each of its buckets starts in it. */
  private readonly offsets: number[] = [];
  private readonly bucketStarts: Int32Array[] = [];
  /** Per bucket, its bytes in all chunks. */
  private readonly bucketBytes = new Float64Array(BUCKETS);
  /** Taken from the file's shared window (spill-file.ts) when lines are loaded. */
  private window: Buffer = Buffer.alloc(0);
  /** The buckets loaded: [from, to). */
  private from = 0;
  private to = 0;
  /** Per chunk: the stretch loaded, and where in the window that stretch's offset 0 would be. */
  private loadedStarts = new Int32Array(0);
  private loadedEnds = new Int32Array(0);
  private bases = new Float64Array(0);

  constructor(
    private readonly file: SpillFile,
    private readonly windowBytes = WINDOW_BYTES,
  ) {}

  /**
   * Writes a chunk of lines to the file; returns its number. `lines` must not change until it is
   * written: then `written` gets it back.
   */
  add(lines: Uint8Array, bucketStarts: Int32Array, written?: (lines: Uint8Array) => void): number {
    if (bucketStarts.length !== BUCKETS + 1 || bucketStarts[BUCKETS] !== lines.length)
      throw new Error('SpilledChunks.add: bucket offsets do not fit the lines');
    this.offsets.push(this.file.append(lines, written && (() => written(lines))));
    this.bucketStarts.push(bucketStarts);
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.bucketBytes[bucket]! += bucketStarts[bucket + 1]! - bucketStarts[bucket]!;
    // A chunk added after a window was loaded is not in it.
    this.from = this.to = 0;
    return this.offsets.length - 1;
  }

  /** Makes sure the lines of `bucket` are in the window, loading the run of buckets from it if not. */
  prepare(bucket: number): void {
    if (bucket >= this.from && bucket < this.to && this.file.window.holds(this)) return;
    let to = bucket;
    let bytes = 0;
    while (to < BUCKETS && (to === bucket || bytes + this.bucketBytes[to]! <= this.windowBytes)) bytes += this.bucketBytes[to++]!;
    this.window = this.file.window.take(this, Math.max(bytes, Math.min(this.windowBytes, this.totalBytes())));
    const chunks = this.offsets.length;
    if (this.bases.length !== chunks) {
      this.loadedStarts = new Int32Array(chunks);
      this.loadedEnds = new Int32Array(chunks);
      this.bases = new Float64Array(chunks);
    }
    let at = 0;
    for (let chunk = 0; chunk < chunks; chunk++) {
      const starts = this.bucketStarts[chunk]!;
      const start = starts[bucket]!;
      const end = starts[to]!;
      if (end > start) this.file.read(this.window, at, end - start, this.offsets[chunk]! + start);
      this.loadedStarts[chunk] = start;
      this.loadedEnds[chunk] = end;
      this.bases[chunk] = at - start;
      at += end - start;
    }
    this.from = bucket;
    this.to = to;
  }

  /** Bytes [start, end) of a chunk: a view into the window, valid until the next {@link prepare}; else a copy read alone. */
  bytes(chunk: number, start: number, end: number): Uint8Array {
    if (this.loaded(chunk, start, end)) {
      const window = this.window;
      return new Uint8Array(window.buffer, window.byteOffset + this.bases[chunk]! + start, end - start);
    }
    return this.readAlone(chunk, start, end);
  }

  /** Bytes [start, end) of a chunk as UTF-8 text. */
  text(chunk: number, start: number, end: number): string {
    if (this.loaded(chunk, start, end)) return this.window.toString('utf8', this.bases[chunk]! + start, this.bases[chunk]! + end);
    return this.readAlone(chunk, start, end).toString('utf8');
  }

  /** Whether two stretches of chunks hold the same bytes (compared in the window where they are both loaded). */
  equal(a: number, startA: number, endA: number, b: number, startB: number, endB: number): boolean {
    if (endA - startA !== endB - startB) return false;
    if (this.loaded(a, startA, endA) && this.loaded(b, startB, endB)) {
      const atA = this.bases[a]! + startA;
      const atB = this.bases[b]! + startB;
      return this.window.compare(this.window, atB, atB + endB - startB, atA, atA + endA - startA) === 0;
    }
    return Buffer.compare(this.bytes(a, startA, endA), this.bytes(b, startB, endB)) === 0;
  }

  /** Bytes [start, end) of a chunk, read from the file on their own. */
  private readAlone(chunk: number, start: number, end: number): Buffer {
    const line = Buffer.allocUnsafe(end - start);
    this.file.read(line, 0, end - start, this.offsets[chunk]! + start);
    return line;
  }

  private loaded(chunk: number, start: number, end: number): boolean {
    return this.to > this.from && start >= this.loadedStarts[chunk]! && end <= this.loadedEnds[chunk]! && this.file.window.holds(this);
  }

  private totalBytes(): number {
    let total = 0;
    for (const bytes of this.bucketBytes) total += bytes;
    return total;
  }
}
