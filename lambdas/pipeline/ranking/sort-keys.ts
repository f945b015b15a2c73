/**
 * The ranking order's keys (order.ts) precomputed as one double per row each, so that sorting a
 * group compares numbers instead of re-reading, trimming and upper-casing strings on every
 * comparison:
 *
 * - Numbers and dates are stored as `±value` (negated for `desc`), null as +Infinity: one `<`
 *   gives the direction and puts nulls last. Two decimals with one double are told apart by their
 *   text (decimal.ts), read back only for rows flagged as having more digits than a double keeps.
 * - Text keys are normalized once per row and replaced by the rank of that text among the
 *   table's distinct texts, so they compare as numbers too.
 * - MESSAGE_ID, up to 19 digits, is split into two exact doubles: the digits above and below the
 *   tenth.
 */
import { COLUMN_INDEX, COLUMN_TYPES } from '../columns.js';
import { mayBeInexact } from '../decimal.js';
import type { ColorRow } from '../schema.js';
import { normalizeText } from '../text.js';
import { TextIds } from '../text-ids.js';
import type { RankingKey } from './order.js';
import type { PreparedKey } from './prepared-rows.js';

/** One key column: a double per row, compared with `<` (ascending, nulls last). */
export abstract class SortKey {
  values = new Float64Array(0);

  constructor(
    /** The key's column, as an index into COLUMNS. */
    readonly index: number,
    /** 1 for ascending, -1 for descending. */
    readonly sign: number,
  ) {}

  /** Stores row `row`'s key. */
  set(row: number, color: ColorRow): void {
    this.values[row] = this.prepare(color);
  }

  /**
   * The row's key as {@link set} stores it, computed where the row is validated (a worker thread:
   * parallel/), for {@link setPreparedRows} to store; text keys give NaN here and their normalized text
   * through {@link TextKey.prepareText}.
   */
  abstract prepare(color: ColorRow): number;

  /** Stores the keys of `count` rows from `first` on, made by {@link prepare} (prepared-rows.ts). */
  setPreparedRows(first: number, count: number, prepared: PreparedKey): void {
    this.values.set(prepared.values.subarray(0, count), first);
  }

  /** A second fact about the row's key, for {@link setPreparedRows}: 1 when a decimal's text may hold more than its double. */
  prepareFlag(_color: ColorRow): number {
    return 0;
  }

  /** Makes room for `capacity` rows, keeping the first `count`. */
  grow(capacity: number, count: number): void {
    const values = new Float64Array(capacity);
    values.set(this.values.subarray(0, count));
    this.values = values;
  }

  /** Called once, after the last row is set. */
  finish(_count: number): void {}
}

/** Whole numbers and dates: the parsed value, exact. */
class NumberKey extends SortKey {
  prepare(color: ColorRow): number {
    const value = color.value[this.index]!;
    return Number.isNaN(value) ? Infinity : this.sign * value;
  }
}

/** Decimals: the double, and a flag on each row whose text may hold more than its double. */
export class DecimalKey extends NumberKey {
  private inexact = new Uint8Array(0);
  /** Whether any row is flagged; when none is, the doubles alone order the key. */
  anyInexact = false;

  override set(row: number, color: ColorRow): void {
    this.values[row] = this.prepare(color);
    this.setInexact(row, this.prepareFlag(color));
  }

  override prepareFlag(color: ColorRow): number {
    const text = color.text[this.index];
    return text != null && mayBeInexact(text) ? 1 : 0;
  }

  override setPreparedRows(first: number, count: number, prepared: PreparedKey): void {
    super.setPreparedRows(first, count, prepared);
    for (let row = 0; row < count; row++) this.setInexact(first + row, prepared.flags[row]!);
  }

  private setInexact(row: number, flag: number): void {
    this.inexact[row] = flag;
    if (flag !== 0) this.anyInexact = true;
  }

  /** Whether rows `a` and `b`, whose doubles are equal, must be compared by their decimals. */
  mayDiffer(a: number, b: number): boolean {
    return (this.inexact[a]! | this.inexact[b]!) !== 0;
  }

  override grow(capacity: number, count: number): void {
    super.grow(capacity, count);
    const inexact = new Uint8Array(capacity);
    inexact.set(this.inexact.subarray(0, count));
    this.inexact = inexact;
  }
}

/** Text: a provisional id per distinct normalized text (order of first sight), ranked at the end. */
export class TextKey extends SortKey {
  private readonly texts = new TextIds();

  override set(row: number, color: ColorRow): void {
    this.setText(row, this.prepareText(color));
  }

  prepare(): number {
    return NaN;
  }

  /** The row's normalized text, or null. */
  prepareText(color: ColorRow): string | null {
    const text = color.text[this.index];
    return text == null ? null : normalizeText(text);
  }

  override setPreparedRows(first: number, count: number, prepared: PreparedKey): void {
    const texts = prepared.texts;
    if (texts === null) throw new Error('a text key prepared without its texts');
    for (let row = 0; row < count; row++) this.setText(first + row, texts[row] ?? null);
  }

  private setText(row: number, text: string | null): void {
    this.values[row] = text === null ? Infinity : this.texts.id(text);
  }

  override finish(count: number): void {
    const ranks = this.texts.ranks();
    for (let row = 0; row < count; row++) {
      const id = this.values[row]!;
      if (id !== Infinity) this.values[row] = this.sign * ranks[id]!;
    }
  }
}

/**
 * An id's digits above and below the tenth, as two numbers: each is exact in a double (under 10^9
 * and 10^10), and comparing (high, low) compares the ids numerically, leading zeros and all.
 */
const ID_SPLIT = 10;

export function idHigh(digits: string): number {
  let high = 0;
  for (let at = 0; at < digits.length - ID_SPLIT; at++) high = high * 10 + (digits.charCodeAt(at) - 0x30);
  return high;
}

export function idLow(digits: string): number {
  let low = 0;
  for (let at = Math.max(0, digits.length - ID_SPLIT); at < digits.length; at++) low = low * 10 + (digits.charCodeAt(at) - 0x30);
  return low;
}

class IdKey extends SortKey {
  constructor(
    index: number,
    sign: number,
    private readonly part: (digits: string) => number,
  ) {
    super(index, sign);
  }

  prepare(color: ColorRow): number {
    const text = color.text[this.index];
    return text == null ? Infinity : this.sign * this.part(text);
  }
}

/** The key columns of one ranking key: two for an id, one otherwise. */
export function sortKeys({ column, direction }: RankingKey): SortKey[] {
  const index = COLUMN_INDEX[column];
  const sign = direction === 'asc' ? 1 : -1;
  switch (COLUMN_TYPES[column]) {
    case 'text':
      return [new TextKey(index, sign)];
    case 'id':
      return [new IdKey(index, sign, idHigh), new IdKey(index, sign, idLow)];
    case 'decimal':
      return [new DecimalKey(index, sign)];
    case 'integer':
    case 'date':
      return [new NumberKey(index, sign)];
  }
}
