/**
 * A strict JSON (RFC 8259) reader for the config document, for what `JSON.parse` cannot do:
 * - a key given twice in one object is an error naming the key and its path (`JSON.parse` keeps
 *   the last value without a word);
 * - nesting deeper than a limit is an error with a position, not a stack overflow;
 * - every number keeps its source text, so a rule value such as `100.0000000000000001` compares
 *   exactly rather than as the double 100 (docs/rules.md, "Numbers").
 * The config document is small (see MAX_CONFIG_BYTES), so clarity wins over speed here.
 */
import { jsonEscapeAt, jsonNumberAt } from './text.js';
import { formatJsonPath } from './validation-issues.js';

export interface ParsedDocument {
  readonly value: unknown;
  /** Source text of every number in the document, by its JSON path (`rules[0].when.value`). */
  readonly numberTexts: ReadonlyMap<string, string>;
}

/**
 * Why a document cannot be read: a syntax error (the message says where, by line), or a problem
 * at a JSON path such as a key given twice.
 */
export class DocumentError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly syntax: boolean,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

/** Parses `text` (no BOM) as one JSON value, nesting at most `maxDepth` arrays and objects deep. */
export function parseJsonDocument(text: string, maxDepth: number): ParsedDocument {
  return new JsonReader(text, maxDepth).document();
}

class JsonReader {
  private at = 0;
  private readonly path: (string | number)[] = [];
  private readonly numberTexts = new Map<string, string>();

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {}

  document(): ParsedDocument {
    this.space();
    if (this.at >= this.text.length) this.fail('the document is empty');
    const value = this.value(0);
    this.space();
    if (this.at < this.text.length) this.fail('unexpected text after the end of the document');
    return { value, numberTexts: this.numberTexts };
  }

  private value(depth: number): unknown {
    const c = this.text[this.at];
    if (c === '{') return this.object(depth + 1);
    if (c === '[') return this.array(depth + 1);
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.fail(this.at >= this.text.length ? 'unexpected end of the document' : `unexpected ${this.describeHere()}`);
  }

  private object(depth: number): Record<string, unknown> {
    this.checkDepth(depth);
    this.at++;
    const object: Record<string, unknown> = {};
    const seenAt = new Map<string, number>();
    this.space();
    if (this.text[this.at] === '}') {
      this.at++;
      return object;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') this.fail(`expected a key in double quotes, found ${this.describeHere()}`);
      const keyAt = this.at;
      const key = this.string();
      const first = seenAt.get(key);
      if (first !== undefined) {
        throw new DocumentError(
          formatJsonPath([...this.path, key]),
          `the key "${key}" appears twice in one object (${this.position(first)} and ${this.position(keyAt)}); keep one`,
          false,
        );
      }
      seenAt.set(key, keyAt);
      this.space();
      if (this.text[this.at] !== ':') this.fail(`expected ":" after the key "${key}", found ${this.describeHere()}`);
      this.at++;
      this.space();
      this.path.push(key);
      // Own data property even for "__proto__", as JSON.parse makes it.
      Object.defineProperty(object, key, { value: this.value(depth), enumerable: true, writable: true, configurable: true });
      this.path.pop();
      this.space();
      const c = this.text[this.at++];
      if (c === '}') return object;
      if (c !== ',') this.fail(`expected "," or "}" in an object, found ${this.describeAt(this.at - 1)}`, this.at - 1);
    }
  }

  private array(depth: number): unknown[] {
    this.checkDepth(depth);
    this.at++;
    const array: unknown[] = [];
    this.space();
    if (this.text[this.at] === ']') {
      this.at++;
      return array;
    }
    for (;;) {
      this.space();
      this.path.push(array.length);
      array.push(this.value(depth));
      this.path.pop();
      this.space();
      const c = this.text[this.at++];
      if (c === ']') return array;
      if (c !== ',') this.fail(`expected "," or "]" in a list, found ${this.describeAt(this.at - 1)}`, this.at - 1);
    }
  }

  private string(): string {
    let out = '';
    let from = ++this.at;
    for (;;) {
      const c = this.text.charCodeAt(this.at);
      if (Number.isNaN(c)) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c < 0x20) this.fail('a control character (such as a tab or line break) inside a string must be escaped');
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += this.text.slice(from, this.at);
      const escaped = jsonEscapeAt(this.text, this.at);
      if (escaped === undefined)
        this.fail(this.text[this.at + 1] === 'u' ? 'invalid \\u escape in a string' : 'invalid escape in a string');
      out += escaped.value;
      this.at += escaped.length;
      from = this.at;
    }
    out += this.text.slice(from, this.at);
    this.at++;
    return out;
  }

  private number(): number {
    const source = jsonNumberAt(this.text, this.at);
    const next = source === undefined ? undefined : this.text[this.at + source.length];
    if (source === undefined || (next !== undefined && /[0-9.eE+-]/.test(next))) this.fail('invalid number');
    this.at += source.length;
    this.numberTexts.set(formatJsonPath(this.path), source);
    return Number(source);
  }

  private checkDepth(depth: number): void {
    if (depth > this.maxDepth) this.fail(`lists and objects nest more than ${this.maxDepth} levels deep`);
  }

  private space(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.at++;
      else return;
    }
  }

  private describeHere(): string {
    return this.describeAt(this.at);
  }

  private describeAt(at: number): string {
    const c = this.text.codePointAt(at);
    if (c === undefined) return 'the end of the document';
    return c < 0x20 || c === 0x7f ? `the character U+${c.toString(16).toUpperCase().padStart(4, '0')}` : `"${String.fromCodePoint(c)}"`;
  }

  /** `line L, column C` (1-based; columns count UTF-16 code units, as editors mostly do). */
  private position(at: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = this.text.indexOf('\n'); i !== -1 && i < at; i = this.text.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return `line ${line}, column ${at - lineStart + 1}`;
  }

  private fail(message: string, at = this.at): never {
    throw new DocumentError(formatJsonPath(this.path), `${this.position(at)}: ${message}`, true);
  }
}

const LITERALS: readonly (readonly [string, unknown])[] = [
  ['true', true],
  ['false', false],
  ['null', null],
];
