/**
 * The text a streaming reader holds, shared by the CSV parser and the JSON Lines splitter: input
 * bytes are decoded as UTF-8 chunk by chunk (utf8-chunk-decoder.ts) and appended; what the reader
 * has consumed is dropped at the next append, so at most a chunk and one unfinished record are
 * held, never the file. Where invalid bytes were decoded is kept in step, so a reader can reject
 * exactly the records that hold them (README, "What a run reads").
 */
import { MIB } from '../text.js';
import { type DecodedText, NO_MARKS, Utf8ChunkDecoder } from './utf8-chunk-decoder.js';

/**
 * The longest record a reader holds (a CSV record, quoted line breaks included, or a JSON line):
 * a longer one fails the run, since it is almost always an unterminated quote swallowing the rest
 * of the file, and holding it would hold the file.
 */
export const DEFAULT_MAX_RECORD_CHARS = 16 * MIB;

/** A size limit in words: `16 MiB`, or `500 characters` for small test limits. */
export function describeSize(chars: number): string {
  return chars >= MIB && chars % MIB === 0 ? `${chars / MIB} MiB` : `${chars} characters`;
}

export abstract class BufferedText {
  /** The decoded text held; everything before {@link pos} is consumed. */
  protected text = '';
  protected pos = 0;
  /** Characters dropped from the front of {@link text} so far: text offset `i` is input character `dropped + i`. */
  protected dropped = 0;
  /** Set by {@link finish}: no more input will come. */
  protected final = false;
  private readonly decoder: Utf8ChunkDecoder;
  /** Offsets in {@link text} of each U+FFFD decoded from invalid bytes, in increasing order. */
  private invalidAt: readonly number[] = NO_MARKS;
  /** Where {@link invalidWithin} got to: marks before it lie before every span still asked about. */
  private nextInvalid = 0;

  /** `source` names the input in errors, e.g. a file path. */
  constructor(protected readonly source: string) {
    this.decoder = new Utf8ChunkDecoder(source);
  }

  /** True once {@link finish} was called and all the text is consumed. */
  get done(): boolean {
    return this.final && this.pos >= this.text.length;
  }

  write(chunk: Uint8Array): void {
    if (this.final) throw new Error('write after finish');
    this.append(this.decoder.decode(chunk));
  }

  /** Ends the input. */
  finish(): void {
    if (this.final) return;
    this.append(this.decoder.flush());
    this.final = true;
  }

  /** Whether [from, to) of the text holds a character decoded from invalid bytes. Ask about spans in increasing order. */
  protected invalidWithin(from: number, to: number): boolean {
    const at = this.invalidAt;
    if (at.length === 0) return false;
    while (this.nextInvalid < at.length && at[this.nextInvalid]! < from) this.nextInvalid++;
    return this.nextInvalid < at.length && at[this.nextInvalid]! < to;
  }

  /**
   * Called before new text is joined to the `carried` characters not consumed yet, which start
   * the text from then on: a reader checks its record limit, and forgets positions it cached.
   */
  protected abstract beforeAppend(carried: number): void;

  private append({ text, invalidAt }: DecodedText): void {
    if (text.length === 0) return;
    const consumed = this.pos;
    const rest = consumed < this.text.length ? this.text.slice(consumed) : '';
    this.beforeAppend(rest.length);
    if (this.invalidAt.length > 0 || invalidAt.length > 0) {
      const kept = this.invalidAt.filter((at) => at >= consumed).map((at) => at - consumed);
      this.invalidAt = kept.concat(invalidAt.map((at) => at + rest.length));
      this.nextInvalid = 0;
    }
    this.text = rest.length > 0 ? rest + text : text;
    this.dropped += consumed;
    this.pos = 0;
  }
}
