/**
 * JSON Lines framing: a byte stream split into its non-blank text lines (LF or CRLF), decoded as
 * UTF-8 chunk by chunk, holding at most one incomplete line.
 */
import { SourceError } from '../errors.js';
import type { PullParser } from './pull-records.js';
import { describeSize, InvalidMarks, Utf8ChunkDecoder, type DecodedText } from './utf8-chunk-decoder.js';

export interface SplitLine {
  readonly text: string;
  /** Physical line number, 1-based. */
  readonly line: number;
  /** The line holds U+FFFD decoded from invalid UTF-8. */
  readonly invalid: boolean;
}

/** Splits a byte stream into its non-blank text lines (LF or CRLF), holding at most one incomplete line. */
export class LineSplitter implements PullParser<SplitLine> {
  private readonly decoder: Utf8ChunkDecoder;
  private s = '';
  private pos = 0;
  private readonly invalid = new InvalidMarks();
  private final = false;
  private line = 1;

  constructor(
    private readonly source: string,
    private readonly maxLineChars: number,
  ) {
    this.decoder = new Utf8ChunkDecoder(source);
  }

  get done(): boolean {
    return this.final && this.pos >= this.s.length;
  }

  write(chunk: Uint8Array): void {
    this.append(this.decoder.decode(chunk));
  }

  finish(): void {
    this.append(this.decoder.flush());
    this.final = true;
  }

  private append({ text, invalidAt }: DecodedText): void {
    if (text.length === 0) return;
    const rest = this.pos < this.s.length ? this.s.slice(this.pos) : '';
    if (rest.length > this.maxLineChars) {
      throw new SourceError(
        `${this.source}: line ${this.line} runs past ${describeSize(this.maxLineChars)} without ending; JSON Lines needs one object per line`,
      );
    }
    this.invalid.rebase(this.pos, rest.length, invalidAt);
    this.s = rest.length > 0 ? rest + text : text;
    this.pos = 0;
  }

  read(): SplitLine | undefined {
    const s = this.s;
    while (this.pos < s.length) {
      let end = s.indexOf('\n', this.pos);
      let next = end + 1;
      if (end === -1) {
        if (!this.final) return undefined;
        end = next = s.length;
      }
      const start = this.pos;
      const text = s.slice(start, end > start && s.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
      const line = this.line++;
      this.pos = next;
      if (!isBlank(text)) return { text, line, invalid: this.invalid.within(start, end) };
    }
    return undefined;
  }
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}
