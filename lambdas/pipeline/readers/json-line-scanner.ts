/**
 * One line of JSON Lines as a flat JSON object: its keys and values in order. Numbers keep their
 * exact source text (a 19-digit MESSAGE_ID is beyond what `JSON.parse` keeps), so lines are read by
 * this small scanner rather than by `JSON.parse`. It never throws: a line that is not a flat
 * object says why, and keeps the keys and values read before the problem.
 */
import { jsonEscapeAt, jsonNumberAt } from '../text.js';

/** One line as scanned: the keys and values read (all of them, or those before a syntax error). */
export interface JsonLine {
  readonly keys: readonly string[];
  /** Strings unescaped, numbers as written, booleans as `true`/`false`, a nested value as its JSON text. */
  readonly values: readonly (string | null)[];
  /** Why the line is not a JSON object at all (short, names no value). */
  readonly syntaxError?: string;
  /** Set when the line is an object but one of its values is an object or an array. */
  readonly nestedProblem?: string;
}

/** The syntax error of a line that is not even the start of an object. */
export const NOT_AN_OBJECT = 'the line does not start with "{"';

class SyntaxFailure {
  constructor(readonly reason: string) {}
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in strings; this finds them.
const CONTROL = /[\u0000-\u001f]/;

/**
 * Scans one line per call as a flat JSON object; never throws. A reader keeps one for all its
 * lines: its state is in fields rather than in closures made per line, since a million lines
 * should not mean millions of function objects.
 */
export class JsonLineScanner {
  private line = '';
  private i = 0;
  /** Cached position of the next backslash: -2 unknown, -1 none left. */
  private nBackslash = -2;
  private nested: string | undefined;
  /** Whether the line has any control character at all; when not, strings need no check. */
  private control = false;

  scan(line: string): JsonLine {
    this.line = line;
    this.control = CONTROL.test(line);
    this.i = 0;
    this.nBackslash = -2;
    this.nested = undefined;
    const keys: string[] = [];
    const values: (string | null)[] = [];
    try {
      this.skipSpace();
      if (line.charCodeAt(this.i) !== 0x7b) this.fail(NOT_AN_OBJECT);
      this.i++;
      this.skipSpace();
      if (line.charCodeAt(this.i) === 0x7d) {
        this.i++;
      } else {
        for (;;) {
          this.skipSpace();
          if (line.charCodeAt(this.i) !== 0x22) this.fail(this.i >= line.length ? 'unexpected end of line' : 'expected a quoted key');
          const key = this.readString();
          this.skipSpace();
          if (line.charCodeAt(this.i) !== 0x3a) this.fail('expected ":" after a key');
          this.i++;
          this.skipSpace();
          const value = this.readValue(key);
          keys.push(key);
          values.push(value);
          this.skipSpace();
          const c = line.charCodeAt(this.i++);
          if (c === 0x2c) continue;
          if (c === 0x7d) break;
          this.fail(this.i > line.length ? 'unexpected end of line' : 'expected "," or "}"');
        }
      }
      this.skipSpace();
      if (this.i < line.length) this.fail('text after the closing "}"');
    } catch (error) {
      if (!(error instanceof SyntaxFailure)) throw error;
      return { keys, values, syntaxError: error.reason };
    }
    return this.nested === undefined ? { keys, values } : { keys, values, nestedProblem: this.nested };
  }

  private fail(reason: string): never {
    throw new SyntaxFailure(reason);
  }

  private skipSpace(): void {
    const line = this.line;
    let i = this.i;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) i++;
      else break;
    }
    this.i = i;
  }

  private nextBackslash(from: number): number {
    const at = this.nBackslash;
    if (at === -1 || at >= from) return at;
    this.nBackslash = this.line.indexOf('\\', from);
    return this.nBackslash;
  }

  /** Reads the string whose opening quote is at `i`; leaves `i` after its closing quote. */
  private readString(): string {
    const line = this.line;
    const start = this.i + 1;
    let close = line.indexOf('"', start);
    if (close === -1) this.fail('unterminated string');
    let out: string;
    const backslash = this.nextBackslash(start);
    if (backslash === -1 || backslash > close) {
      out = line.slice(start, close);
    } else {
      out = '';
      let from = start;
      for (;;) {
        const b = this.nextBackslash(from);
        close = line.indexOf('"', from);
        if (close === -1) this.fail('unterminated string');
        if (b === -1 || b > close) {
          out += line.slice(from, close);
          break;
        }
        const escaped = jsonEscapeAt(line, b);
        if (escaped === undefined) this.fail('invalid escape in a string');
        out += line.slice(from, b) + escaped.value;
        from = b + escaped.length;
      }
    }
    if (this.control && CONTROL.test(line.slice(start, close))) this.fail('control character in a string');
    this.i = close + 1;
    return out;
  }

  /** Skips the object or array opening at `i`, checking only its brackets and strings. */
  private skipNested(): string {
    const line = this.line;
    const start = this.i;
    const open: number[] = [];
    while (this.i < line.length) {
      const c = line.charCodeAt(this.i);
      if (c === 0x22) {
        this.readString();
        continue;
      }
      if (c === 0x7b || c === 0x5b)
        open.push(c + 2); // `{`→`}`, `[`→`]`
      else if (c === 0x7d || c === 0x5d) {
        if (open.pop() !== c) this.fail('mismatched brackets in a nested value');
        if (open.length === 0) {
          this.i++;
          return line.slice(start, this.i);
        }
      }
      this.i++;
    }
    return this.fail('unterminated nested value');
  }

  private readValue(key: string): string | null {
    const line = this.line;
    const i = this.i;
    const c = line.charCodeAt(i);
    if (c === 0x22) return this.readString();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const number = jsonNumberAt(line, i);
      if (number === undefined) return this.fail('invalid number');
      const end = i + number.length;
      const after = line.charCodeAt(end);
      if (end < line.length && after !== 0x2c && after !== 0x7d && after !== 0x20 && after !== 0x09 && after !== 0x0d) {
        this.fail('invalid number');
      }
      this.i = end;
      return number;
    }
    if (c === 0x74 && line.startsWith('true', i)) {
      this.i += 4;
      return 'true';
    }
    if (c === 0x66 && line.startsWith('false', i)) {
      this.i += 5;
      return 'false';
    }
    if (c === 0x6e && line.startsWith('null', i)) {
      this.i += 4;
      return null;
    }
    if (c === 0x7b || c === 0x5b) {
      const nested = c === 0x7b ? 'a nested object' : 'an array';
      this.nested ??= `key "${key.trim()}" holds ${nested}; values must be strings, numbers, booleans or null`;
      return this.skipNested();
    }
    return this.fail(i >= line.length ? 'unexpected end of line' : 'invalid value');
  }
}
