/**
 * JSON Lines framing: a byte stream split into its non-blank text lines (LF or CRLF), decoded as
 * UTF-8 chunk by chunk (buffered-text.ts), holding at most one incomplete line.
 */
import { SourceError } from '../../errors.js';
import { BufferedText, DEFAULT_MAX_RECORD_CHARS, describeSize } from './buffered-text.js';
import type { PullParser } from './pull-records.js';

export interface SplitLine {
  readonly text: string;
  /** Physical line number, 1-based. */
  readonly line: number;
  /** The line holds U+FFFD decoded from invalid UTF-8. */
  readonly invalid: boolean;
}

export class LineSplitter extends BufferedText implements PullParser<SplitLine> {
  /** Physical line number at {@link pos}. */
  private line = 1;

  constructor(
    source: string,
    /** A line longer than this fails the run (see DEFAULT_MAX_RECORD_CHARS). */
    private readonly maxLineChars = DEFAULT_MAX_RECORD_CHARS,
  ) {
    super(source);
  }

  protected beforeAppend(carried: number): void {
    if (carried > this.maxLineChars) {
      const limit = describeSize(this.maxLineChars);
      throw new SourceError(`${this.source}: line ${this.line} runs past ${limit} without ending; JSON Lines needs one object per line`);
    }
  }

  read(): SplitLine | undefined {
    const text = this.text;
    while (this.pos < text.length) {
      let end = text.indexOf('\n', this.pos);
      let next = end + 1;
      if (end === -1) {
        if (!this.final) return undefined;
        end = next = text.length;
      }
      const start = this.pos;
      const content = text.slice(start, end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end);
      const line = this.line++;
      this.pos = next;
      if (!isBlank(content)) return { text: content, line, invalid: this.invalidWithin(start, end) };
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
