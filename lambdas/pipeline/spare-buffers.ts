/**
 * Buffers handed back once what was in them is done with, to be filled again: the pieces of a file
 * once their rows are out of them (parallel/parallel-read.ts), a piece's lines once they are in the
 * spill file (parallel/chunk-rows.ts), a part of an S3 upload once S3 has stored it
 * (adapters/s3/object-upload.ts). Fresh memory costs a page fault per 4 KiB the first time it is touched —
 * ~12 µs each on the benchmark machine (docs/benchmarks.md) — and a freed buffer waits for a
 * garbage collection, so a run that reuses a few buffers does less work and holds less memory than
 * one that takes a fresh one each time.
 */

/** Fresh buffers are made a little larger than asked, so a later, slightly larger piece still fits. */
const ROUND_TO = 64 * 1024;

export class SpareBuffers {
  private readonly spare: ArrayBuffer[] = [];
  /** Buffers made fresh so far (the rest were spares filled again). */
  fresh = 0;

  /** Keeps at most `most` spare buffers, none made for more than `largest` bytes. */
  constructor(
    private readonly most: number,
    private readonly largest = Number.POSITIVE_INFINITY,
  ) {}

  /** `size` bytes, in the smallest spare buffer that holds them (its contents left over), or a fresh one. */
  take(size: number): Buffer {
    let best = -1;
    this.spare.forEach((buffer, at) => {
      if (buffer.byteLength >= size && (best < 0 || buffer.byteLength < this.spare[best]!.byteLength)) best = at;
    });
    if (best >= 0) return Buffer.from(this.spare.splice(best, 1)[0]!, 0, size);
    this.fresh++;
    return Buffer.from(Buffer.allocUnsafeSlow(rounded(size)).buffer, 0, size);
  }

  /** Takes back a buffer (all of it, whatever part of it was last used). */
  give(buffer: ArrayBufferLike): void {
    if (buffer.byteLength > 0 && buffer.byteLength <= rounded(this.largest) && this.spare.length < this.most)
      this.spare.push(buffer as ArrayBuffer);
  }
}

function rounded(size: number): number {
  return Math.max(ROUND_TO, Math.ceil(size / ROUND_TO) * ROUND_TO);
}
