/**
 * An {@link OutputWriter} that encodes a file into ~1 MiB UTF-8 chunks, hashing and counting as it
 * goes, and hands each full chunk to `onChunk` ({@link OutputEncoder}): a sink sends it on as the
 * file streams (stream-file.ts). {@link OutputBuffer} keeps the chunks instead, for the files that
 * are small and wanted whole (the manifest), without ever building one giant string.
 *
 * Text is encoded straight into a fixed-size chunk as it is written; each chunk is hashed once
 * when full. Writing a million CSV lines is then a million small encodes into one buffer, with no
 * pending strings to join and no per-line Buffer.
 */
import { createHash, type Hash } from 'node:crypto';
import type { OutputFile, OutputWriter } from '../ports.js';
import { MAX_UTF8_BYTES_PER_UNIT, MIB } from '../text.js';

/** Size of each chunk in bytes (the last may be shorter). */
export const OUTPUT_CHUNK_BYTES = MIB;

/** Chunks handed back ({@link OutputEncoder.recycle}) kept for reuse, at most. */
const SPARE_CHUNKS = 8;

/** Texts up to this long are copied in by {@link OutputEncoder.copyAscii} when they are ASCII. */
const SHORT_TEXT = 64;

/** What an encoded file came to: its size and SHA-256 (hex). */
export interface EncodedDigest {
  readonly bytes: number;
  readonly sha256: string;
}

export class OutputEncoder implements OutputWriter {
  /** The file's hash, unless the file is hashed elsewhere (`hashing` false). */
  private readonly hash: Hash | undefined;
  private chunk: Buffer;
  /** Chunks handed back, to be filled again: fresh memory costs a page fault per 4 KiB touched. */
  private readonly spare: Buffer[] = [];
  private used = 0;
  private byteCount = 0;
  /** A high surrogate that ended the last write: its pair may start the next one. */
  private carry = '';
  private finished = false;

  /**
   * `onChunk` takes each chunk as it is filled (the last when the file ends) and may keep it: it is
   * not reused unless handed back with {@link recycle}. Without `hashing`, the file ends with
   * {@link close}, which gives its size only (it is hashed elsewhere: adapters/file-hash-thread.ts).
   */
  constructor(
    private readonly onChunk: (chunk: Buffer) => void,
    private readonly chunkBytes: number = OUTPUT_CHUNK_BYTES,
    hashing = true,
  ) {
    if (hashing) this.hash = createHash('sha256');
    this.chunk = Buffer.allocUnsafe(chunkBytes);
  }

  write(text: string): void {
    if (this.finished) throw new Error('OutputEncoder.write after finish');
    if (text.length === 0) return;
    if (this.carry !== '') {
      text = this.carry + text;
      this.carry = '';
    }
    // A lone surrogate would be encoded as U+FFFD; keep a trailing high one for the next write.
    const last = text.charCodeAt(text.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.carry = text.slice(-1);
      text = text.slice(0, -1);
    }
    if (text.length <= SHORT_TEXT && text.length <= this.chunkBytes - this.used && this.copyAscii(text)) return;
    if (text.length * MAX_UTF8_BYTES_PER_UNIT <= this.chunkBytes - this.used) {
      this.used += this.chunk.write(text, this.used);
      if (this.used === this.chunkBytes) this.nextChunk();
    } else {
      this.copyIn(Buffer.from(text, 'utf8'));
    }
  }

  /** Bytes written so far, counting a held-back surrogate as the U+FFFD it would become. */
  get bytes(): number {
    return this.byteCount + this.used + (this.carry === '' ? 0 : MAX_UTF8_BYTES_PER_UNIT);
  }

  /**
   * Hands back a chunk `onChunk` took and no longer needs (it has been written out), to be filled
   * again; the file's next bytes may overwrite it at once.
   */
  recycle(chunk: Buffer): void {
    if (chunk.length === this.chunkBytes && this.spare.length < SPARE_CHUNKS) this.spare.push(chunk);
  }

  /** Ends the file: the last chunk goes to `onChunk`, and the file's size and SHA-256 are returned. */
  end(): EncodedDigest {
    if (this.hash === undefined) throw new Error('OutputEncoder.end without hashing: close it instead');
    return { bytes: this.close(), sha256: this.hash.digest('hex') };
  }

  /** Ends the file: the last chunk goes to `onChunk`, and the file's size is returned. */
  close(): number {
    if (this.finished) throw new Error('OutputEncoder finished twice');
    if (this.carry !== '') this.copyIn(Buffer.from(this.carry, 'utf8'));
    this.finished = true;
    if (this.used > 0) this.pushChunk(this.chunk.subarray(0, this.used));
    return this.byteCount;
  }

  /**
   * Copies a short all-ASCII text in character by character: for the few bytes a CSV line's added
   * columns take, a call into the encoder costs more than the copy. Leaves the buffer as it was
   * and returns false at the first non-ASCII character.
   */
  private copyAscii(text: string): boolean {
    const chunk = this.chunk;
    const start = this.used;
    for (let at = 0; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code >= 0x80) return false;
      chunk[start + at] = code;
    }
    this.used = start + text.length;
    if (this.used === this.chunkBytes) this.nextChunk();
    return true;
  }

  /**
   * Writes bytes that are already UTF-8. A high surrogate held back from the last write has no
   * pair to wait for any more and is written as U+FFFD first.
   */
  writeBytes(bytes: Uint8Array): void {
    if (this.finished) throw new Error('OutputEncoder.writeBytes after finish');
    if (this.carry !== '') {
      const carry = this.carry;
      this.carry = '';
      this.copyIn(Buffer.from(carry, 'utf8'));
    }
    this.copyIn(bytes);
  }

  /** Copies encoded bytes in, filling the current chunk and starting new ones as needed. */
  private copyIn(bytes: Uint8Array): void {
    if (bytes.length < this.chunkBytes - this.used) {
      this.chunk.set(bytes, this.used);
      this.used += bytes.length;
      return;
    }
    let from = 0;
    while (from < bytes.length) {
      const take = Math.min(bytes.length - from, this.chunkBytes - this.used);
      this.chunk.set(bytes.subarray(from, from + take), this.used);
      this.used += take;
      from += take;
      if (this.used === this.chunkBytes) this.nextChunk();
    }
  }

  private nextChunk(): void {
    this.pushChunk(this.chunk);
    this.chunk = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
  }

  private pushChunk(chunk: Buffer): void {
    this.hash?.update(chunk);
    this.byteCount += chunk.length;
    this.onChunk(chunk);
  }
}

/** An {@link OutputEncoder} that keeps the whole file in memory, hashed and sized. */
export class OutputBuffer extends OutputEncoder {
  private readonly chunks: Buffer[];

  constructor(chunkBytes: number = OUTPUT_CHUNK_BYTES) {
    const chunks: Buffer[] = [];
    super((chunk) => chunks.push(chunk), chunkBytes);
    this.chunks = chunks;
  }

  finish(name: string, contentType: string): OutputFile {
    return { name, contentType, chunks: this.chunks, ...this.end() };
  }
}
