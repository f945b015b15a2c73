/**
 * Streaming RFC 4180 CSV parsing (README, "What a run reads"). Bytes go in chunk by chunk, records
 * come out; the whole file is never held. Each chunk is decoded to text once (buffered-text.ts),
 * then scanned with `indexOf` jumps rather than char by char, and fields are `slice`s of that
 * text. Malformed records are returned with a `problem` so the pipeline rejects them by row; only
 * unrecoverable framing (an unterminated quote, a record past the size limit) fails the run.
 */
import { SourceError } from '../../errors.js';
import { BufferedText, DEFAULT_MAX_RECORD_CHARS, describeSize } from './buffered-text.js';
import type { PullParser } from './pull-records.js';

/** A record as parsed, before the header gives it meaning. */
export interface CsvRecord {
  readonly fields: readonly string[];
  /** Physical line (1-based, counting every line end in the input) where the record starts. */
  readonly line: number;
  /** Set when the record is malformed; its fields are still returned, a malformed field verbatim. */
  readonly problem?: string;
}

export interface CsvParserOptions {
  /** Names the input in error messages, e.g. a file path. */
  readonly source?: string;
  /**
   * A record longer than this (in characters) fails the run: it is almost always an unterminated
   * quote swallowing the rest of the file, and holding it would hold the file.
   */
  readonly maxRecordChars?: number;
}

export const PROBLEM_QUOTE_IN_UNQUOTED = 'malformed CSV: quote inside an unquoted field';
export const PROBLEM_TEXT_AFTER_QUOTE = 'malformed CSV: text after a closing quote';
export const PROBLEM_INVALID_UTF8 = 'malformed CSV: invalid UTF-8';

const COMMA = 0x2c;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * A pull parser over pushed bytes: `write` each chunk, then `read` records until it returns
 * undefined (it needs more input); after the last chunk call `finish` and `read` until `done`.
 * `push`/`end` wrap that for callers that want arrays. Records are produced one at a time so only
 * the current chunk's text is held, not a chunk's worth of parsed records.
 *
 * Blank lines are skipped (they are not records); LF, CRLF and a lone CR all end a line; quoted
 * fields may hold commas, `""` and line ends.
 */
export class CsvParser extends BufferedText implements PullParser<CsvRecord> {
  private readonly maxRecordChars: number;
  /** Physical line number at {@link pos}. */
  private line = 1;
  // Cached "next occurrence at or after" positions in the text: -2 unknown, -1 none left. Each is
  // searched again only once passed, so every scan over the text is linear however the fields fall.
  private nComma = -2;
  private nLF = -2;
  private nCR = -2;
  private nQuote = -2;
  /**
   * Where the record {@link read} last returned lies in the input, [start, end) in characters from
   * the first written, without its line end, when it was one plain line (no quote, no CR); -1
   * otherwise. A caller whose bytes are all ASCII can take the record's bytes from the same offsets
   * (parallel/chunk-rows.ts).
   */
  private spanStart = -1;
  private spanEnd = -1;
  /**
   * Fields of the last plain record: the next one's array is made that long at once. Grown by a
   * push at a time, an 18-field record's array would be allocated twice (16, then 40 slots).
   */
  private lastFieldCount = 0;

  get plainStart(): number {
    return this.spanStart < 0 ? -1 : this.dropped + this.spanStart;
  }

  get plainEnd(): number {
    return this.spanEnd < 0 ? -1 : this.dropped + this.spanEnd;
  }

  constructor(options: CsvParserOptions = {}) {
    super(options.source ?? 'CSV input');
    this.maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  }

  /** Writes a chunk and returns every record it completes. */
  push(chunk: Uint8Array): CsvRecord[] {
    this.write(chunk);
    return this.drain();
  }

  /** Ends the input and returns the remaining records. */
  end(): CsvRecord[] {
    this.finish();
    return this.drain();
  }

  private drain(): CsvRecord[] {
    const records: CsvRecord[] = [];
    for (let record = this.read(); record !== undefined; record = this.read()) records.push(record);
    return records;
  }

  protected beforeAppend(): void {
    this.nComma = this.nLF = this.nCR = this.nQuote = -2;
  }

  private nextComma(from: number): number {
    const at = this.nComma;
    if (at === -1 || at >= from) return at;
    this.nComma = this.text.indexOf(',', from);
    return this.nComma;
  }

  private nextLF(from: number): number {
    const at = this.nLF;
    if (at === -1 || at >= from) return at;
    this.nLF = this.text.indexOf('\n', from);
    return this.nLF;
  }

  private nextCR(from: number): number {
    const at = this.nCR;
    if (at === -1 || at >= from) return at;
    this.nCR = this.text.indexOf('\r', from);
    return this.nCR;
  }

  private nextQuote(from: number): number {
    const at = this.nQuote;
    if (at === -1 || at >= from) return at;
    this.nQuote = this.text.indexOf('"', from);
    return this.nQuote;
  }

  /** End of an unquoted run starting at `from`: the next comma or line end, or -1 when none is buffered. */
  private fieldEnd(from: number): number {
    let end = this.nextComma(from);
    const lf = this.nextLF(from);
    if (lf !== -1 && (end === -1 || lf < end)) end = lf;
    const cr = this.nextCR(from);
    if (cr !== -1 && (end === -1 || cr < end)) end = cr;
    return end;
  }

  /** Line ends inside [from, to): LF, and CR not followed by LF. */
  private lineBreaks(from: number, to: number): number {
    let count = 0;
    for (let at = this.nextLF(from); at !== -1 && at < to; at = this.nextLF(at + 1)) count++;
    for (let at = this.nextCR(from); at !== -1 && at < to; at = this.nextCR(at + 1)) {
      if (this.text.charCodeAt(at + 1) !== LF) count++;
    }
    return count;
  }

  /** The next complete record, or undefined when more input is needed (or none is left). */
  read(): CsvRecord | undefined {
    const s = this.text;
    const length = s.length;
    const final = this.final;
    let pos = this.pos;
    let line = this.line;
    for (;;) {
      if (pos >= length) {
        this.pos = pos;
        this.line = line;
        return undefined;
      }
      const c = s.charCodeAt(pos);
      if (c === LF) {
        pos++;
      } else if (c === CR) {
        if (pos + 1 < length) pos += s.charCodeAt(pos + 1) === LF ? 2 : 1;
        else if (final) pos++;
        else {
          // An LF may follow in the next chunk.
          this.pos = pos;
          this.line = line;
          return undefined;
        }
      } else break;
      line++;
    }
    const recordStart = pos;
    const recordLine = line;
    this.pos = pos;
    this.line = line;

    const plain = this.readPlainRecord(pos);
    if (plain !== undefined) return plain;
    this.spanStart = this.spanEnd = -1;

    const fields: string[] = [];
    let problem: string | undefined;
    for (;;) {
      if (pos < length && s.charCodeAt(pos) === QUOTE) {
        const fieldStart = pos;
        let value = '';
        let from = pos + 1;
        let close: number;
        for (;;) {
          close = s.indexOf('"', from);
          if (close === -1) {
            if (!final) return this.needMore(recordStart, recordLine);
            throw new SourceError(`${this.source}: unterminated quoted field starting on line ${line}`);
          }
          // Is it `"` or the first half of `""`? Only the next character says.
          if (close + 1 >= length && !final) return this.needMore(recordStart, recordLine);
          if (s.charCodeAt(close + 1) === QUOTE) {
            value += s.slice(from, close + 1);
            from = close + 2;
            continue;
          }
          value = value.length === 0 ? s.slice(from, close) : value + s.slice(from, close);
          break;
        }
        line += this.lineBreaks(fieldStart + 1, close);
        pos = close + 1;
        const next = pos < length ? s.charCodeAt(pos) : -1;
        if (next !== COMMA && next !== LF && next !== CR && next !== -1) {
          // Stray text after the closing quote: keep the field as written, flag the record.
          const end = this.fieldEnd(pos);
          if (end === -1 && !final) return this.needMore(recordStart, recordLine);
          pos = end === -1 ? length : end;
          value = s.slice(fieldStart, pos);
          problem ??= PROBLEM_TEXT_AFTER_QUOTE;
        }
        fields.push(value);
      } else {
        const end = this.fieldEnd(pos);
        if (end === -1 && !final) return this.needMore(recordStart, recordLine);
        const stop = end === -1 ? length : end;
        const quote = this.nextQuote(pos);
        if (quote !== -1 && quote < stop) problem ??= PROBLEM_QUOTE_IN_UNQUOTED;
        fields.push(s.slice(pos, stop));
        pos = stop;
      }
      if (pos < length && s.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      break; // at a line end (consumed by the next read) or at the end of input
    }
    this.pos = pos;
    this.line = line;
    if (this.invalidWithin(recordStart, pos)) problem ??= PROBLEM_INVALID_UTF8;
    return problem === undefined ? { fields, line: recordLine } : { fields, line: recordLine, problem };
  }

  /**
   * The common case, quickly: a record on one LF-terminated line with no quote and no CR is its
   * text between commas. Returns undefined (having consumed nothing) for anything else, which the
   * general loop in {@link read} handles.
   */
  private readPlainRecord(start: number): CsvRecord | undefined {
    const lineEnd = this.nextLF(start);
    if (lineEnd === -1) return undefined;
    const quote = this.nextQuote(start);
    const cr = this.nextCR(start);
    if ((quote !== -1 && quote < lineEnd) || (cr !== -1 && cr < lineEnd)) return undefined;
    const s = this.text;
    const fields: string[] = new Array(this.lastFieldCount);
    let count = 0;
    let from = start;
    for (let comma = this.nextComma(start); comma !== -1 && comma < lineEnd; comma = this.nextComma(comma + 1)) {
      fields[count++] = s.slice(from, comma);
      from = comma + 1;
    }
    fields[count++] = s.slice(from, lineEnd);
    if (count < fields.length) fields.length = count;
    this.lastFieldCount = count;
    this.spanStart = start;
    this.spanEnd = lineEnd;
    this.pos = lineEnd; // the line end is consumed by the next read, which counts the line
    const line = this.line;
    return this.invalidWithin(start, lineEnd) ? { fields, line, problem: PROBLEM_INVALID_UTF8 } : { fields, line };
  }

  /** The record at `recordStart` continues past the buffered text. */
  private needMore(recordStart: number, recordLine: number): undefined {
    this.pos = recordStart;
    this.line = recordLine;
    // The caches only hold for positions from the furthest scanned on; the record will be re-read.
    this.nComma = this.nLF = this.nCR = this.nQuote = -2;
    if (this.text.length - recordStart > this.maxRecordChars) {
      const quoted = this.text.slice(recordStart, recordStart + 65536).includes('"');
      throw new SourceError(
        `${this.source}: the record starting on line ${recordLine} runs past ${describeSize(this.maxRecordChars)} without ending` +
          (quoted ? ' (an unterminated quoted field?)' : ''),
      );
    }
    return undefined;
  }
}
