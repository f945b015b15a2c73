/**
 * Renders an output file in memory as a list of ~1 MiB UTF-8 chunks, hashing and counting as it
 * goes, so that a publisher knows the file's SHA-256 and size before writing it anywhere, without
 * ever building one giant string (a million-row colors.csv is ~200 MB).
 */
import { createHash, type Hash } from 'node:crypto';
import type { OutputFile } from './ports.js';

/** Pending text is encoded once it reaches this many UTF-16 code units. */
export const OUTPUT_CHUNK_CHARS = 1024 * 1024;

export class OutputBuffer {
  private readonly hash: Hash = createHash('sha256');
  private readonly chunks: Buffer[] = [];
  private pending: string[] = [];
  private pendingChars = 0;
  private byteCount = 0;
  private finished = false;

  constructor(private readonly chunkChars: number = OUTPUT_CHUNK_CHARS) {}

  write(text: string): void {
    if (this.finished) throw new Error('OutputBuffer.write after finish');
    if (text.length === 0) return;
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= this.chunkChars) this.flush(false);
  }

  /** Bytes encoded so far plus those still pending. */
  get bytes(): number {
    return this.byteCount + this.pending.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
  }

  finish(name: string, contentType: string): OutputFile {
    if (this.finished) throw new Error('OutputBuffer.finish called twice');
    this.finished = true;
    this.flush(true);
    return { name, contentType, chunks: this.chunks, bytes: this.byteCount, sha256: this.hash.digest('hex') };
  }

  private flush(final: boolean): void {
    if (this.pending.length === 0) return;
    // A lone surrogate at a chunk edge would be encoded as U+FFFD twice over; keep pairs together.
    let text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingChars = 0;
    if (!final) {
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.pending.push(text.slice(-1));
        this.pendingChars = 1;
        text = text.slice(0, -1);
        if (text.length === 0) return;
      }
    }
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.byteCount += chunk.length;
    this.chunks.push(chunk);
  }
}
