/**
 * The ranking's working set (SPEC §4), built for a million rows: each row is kept as its CSV line
 * (row-line.ts, stored as UTF-8 by line-arena.ts) and its sort keys are precomputed into typed
 * arrays, so ranking compares numbers instead of re-reading, trimming and upper-casing strings on
 * every comparison, and the rows cost the garbage collector almost nothing.
 *
 * - Numbers and dates are stored as `±value` (negated for `desc`), null as +Infinity: one `<`
 *   gives the direction and puts nulls last. Two decimals with one double are told apart by
 *   their text (decimal.ts), read back from the lines only for rows flagged as having more digits
 *   than a double keeps.
 * - Text keys (and the CUSIP grouping key) are normalized once per row and replaced by the rank
 *   of that text among the table's distinct texts, so they compare as numbers too.
 * - MESSAGE_ID, up to 19 digits, is split into two exact doubles: the digits above and below
 *   the tenth.
 * - Rows equal on every key fall back to the tie-break: every column's output text, read from
 *   the lines, which only rows that tie on MESSAGE_ID ever reach.
 *
 * rankColors (ranking.ts) and the run (run.ts) both rank through this table, so the property
 * tests against the reference ranking cover the code that runs.
 */
import { COLUMNS, COLUMN_INDEX, COLUMN_TYPES } from './columns.js';
import { compareDecimalTexts, mayBeInexact } from './decimal.js';
import { LineArena } from './line-arena.js';
import type { RankingKey } from './ranking.js';
import { rowFields, rowLine } from './row-line.js';
import type { ColorRow } from './schema.js';
import { TextIds } from './text-ids.js';

/** One double per row, read from column `index` of each row as `kind` says. */
interface KeyColumn {
  values: Float64Array;
  readonly kind: 'number' | 'text' | 'idHigh' | 'idLow';
  readonly index: number;
  readonly sign: number;
  /** For text keys: each distinct normalized text and its provisional id (order of first sight). */
  readonly texts?: TextIds;
  /** For decimal keys: 1 where the row's text may hold more than its double (see mayBeInexact). */
  inexact?: Uint8Array;
  /** Whether any row is flagged in {@link inexact}; when none is, the doubles alone order the key. */
  anyInexact?: boolean;
}

/** The ranked order of a table: row indexes, group by group. */
export interface Ranking {
  /** Row indexes in output order: groups by CUSIP key ascending, rows by position. */
  readonly order: Int32Array;
  /** Group `g` is `order[groupStarts[g]] .. order[groupStarts[g + 1] - 1]`; the first is the parent. */
  readonly groupStarts: Int32Array;
  readonly groups: number;
}

/** Compares two non-null strings by UTF-16 code units: fixed, locale-independent. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalize(text: string): string {
  return text.trim().toUpperCase();
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

function keyColumns({ column, direction }: RankingKey): KeyColumn[] {
  const index = COLUMN_INDEX[column];
  const sign = direction === 'asc' ? 1 : -1;
  const values = new Float64Array(0);
  switch (COLUMN_TYPES[column]) {
    case 'text':
      return [{ values, kind: 'text', index, sign, texts: new TextIds() }];
    case 'id':
      return [
        { values, kind: 'idHigh', index, sign },
        { values: new Float64Array(0), kind: 'idLow', index, sign },
      ];
    case 'decimal':
      return [{ values, kind: 'number', index, sign, inexact: new Uint8Array(0) }];
    default:
      // Whole numbers and dates: the parsed value, exact.
      return [{ values, kind: 'number', index, sign }];
  }
}

/** A row's key as stored: ±value, +Infinity for null; a text key's provisional id (ranked later). */
function keyValue(key: KeyColumn, row: ColorRow): number {
  if (key.kind === 'number') {
    const value = row.value[key.index]!;
    return Number.isNaN(value) ? Infinity : key.sign * value;
  }
  const text = row.text[key.index];
  if (text == null) return Infinity;
  switch (key.kind) {
    case 'text':
      return key.texts!.id(normalize(text));
    case 'idHigh':
      return key.sign * idHigh(text);
    case 'idLow':
      return key.sign * idLow(text);
  }
}

export class RankingTable {
  private count = 0;
  private capacity = 0;
  private ranked = false;
  private readonly lines = new LineArena();
  private group = new Int32Array(0);
  private readonly groupKeys = new TextIds();
  /** The configured keys, then MESSAGE_ID ascending (the first tie-break). */
  private readonly keys: KeyColumn[];

  constructor(order: readonly RankingKey[]) {
    this.keys = [...order, { column: 'MESSAGE_ID', direction: 'asc' } as const].flatMap(keyColumns);
  }

  get size(): number {
    return this.count;
  }

  /** Adds a valid row; returns its index. */
  add(row: ColorRow): number {
    if (this.ranked) throw new Error('RankingTable.add after rank');
    const index = this.count;
    if (index === this.capacity) this.grow();
    this.lines.add(rowLine(row.text));
    this.group[index] = this.groupKeys.id(row.cusipKey);
    for (let k = 0; k < this.keys.length; k++) {
      const key = this.keys[k]!;
      key.values[index] = keyValue(key, row);
      if (key.inexact) {
        const text = row.text[key.index];
        const inexact = text != null && mayBeInexact(text);
        key.inexact[index] = inexact ? 1 : 0;
        if (inexact) key.anyInexact = true;
      }
    }
    this.count++;
    return index;
  }

  /** The row's CSV line (no line end). */
  line(index: number): string {
    return this.lines.text(index);
  }

  /** The row's CSV line as UTF-8 (no line end): a view into the table's storage. */
  lineBytes(index: number): Buffer {
    return this.lines.bytes(index);
  }

  /** Groups the rows by CUSIP key and orders each group. Call once, after the last add. */
  rank(): Ranking {
    // Text keys are turned from ids into ranks in place, which can only be done once.
    if (this.ranked) throw new Error('RankingTable.rank called twice');
    this.ranked = true;
    this.rankTextKeys();
    const count = this.count;
    const groupRanks = this.groupKeys.ranks();
    const groups = groupRanks.length;
    // Counting sort by group: no comparisons between rows of different groups.
    const groupStarts = new Int32Array(groups + 1);
    for (let index = 0; index < count; index++) groupStarts[groupRanks[this.group[index]!]! + 1]!++;
    for (let g = 0; g < groups; g++) groupStarts[g + 1]! += groupStarts[g]!;
    const next = groupStarts.slice(0, groups);
    const order = new Int32Array(count);
    for (let index = 0; index < count; index++) order[next[groupRanks[this.group[index]!]!]!++] = index;

    const compare = this.comparator();
    for (let g = 0; g < groups; g++) {
      const start = groupStarts[g]!;
      const end = groupStarts[g + 1]!;
      if (end - start > 1) order.subarray(start, end).sort(compare);
    }
    return { order, groupStarts, groups };
  }

  /**
   * Compares two rows of one group: the keys, then every column's output text. This is the sort's
   * inner loop: unless some decimal key holds a value with more digits than its double, it
   * compares doubles only, as it did before decimals were compared exactly.
   */
  private comparator(): (a: number, b: number) => number {
    const columns = this.keys.map((key) => key.values);
    const lines = this.lines;
    const tieBreak = (a: number, b: number): number => (lines.equal(a, b) ? 0 : compareLineTexts(lines.text(a), lines.text(b)));
    if (!this.keys.some((key) => key.anyInexact)) {
      return (a, b) => {
        for (let k = 0; k < columns.length; k++) {
          const x = columns[k]![a]!;
          const y = columns[k]![b]!;
          if (x < y) return -1;
          if (x > y) return 1;
        }
        return tieBreak(a, b);
      };
    }
    const exact = this.keys.map((key) => (key.anyInexact ? key : undefined));
    return (a, b) => {
      for (let k = 0; k < columns.length; k++) {
        const x = columns[k]![a]!;
        const y = columns[k]![b]!;
        if (x < y) return -1;
        if (x > y) return 1;
        const key = exact[k];
        if (key !== undefined && (key.inexact![a]! | key.inexact![b]!) !== 0) {
          const order = this.compareDecimalKey(key, a, b);
          if (order !== 0) return order;
        }
      }
      return tieBreak(a, b);
    };
  }

  /** Two rows whose decimal key has one double: by the decimals their lines hold (both non-null). */
  private compareDecimalKey(key: KeyColumn, a: number, b: number): number {
    const x = rowFields(this.lines.text(a))[key.index]!;
    const y = rowFields(this.lines.text(b))[key.index]!;
    return key.sign * compareDecimalTexts(x, y);
  }

  private rankTextKeys(): void {
    for (const key of this.keys) {
      if (!key.texts) continue;
      const ranks = key.texts.ranks();
      for (let index = 0; index < this.count; index++) {
        const id = key.values[index]!;
        if (id !== Infinity) key.values[index] = key.sign * ranks[id]!;
      }
    }
  }

  private grow(): void {
    this.capacity = Math.max(1024, this.capacity * 2);
    const grown = (old: Float64Array): Float64Array => {
      const values = new Float64Array(this.capacity);
      values.set(old.subarray(0, this.count));
      return values;
    };
    for (const key of this.keys) {
      key.values = grown(key.values);
      if (key.inexact) {
        const inexact = new Uint8Array(this.capacity);
        inexact.set(key.inexact.subarray(0, this.count));
        key.inexact = inexact;
      }
    }
    const group = new Int32Array(this.capacity);
    group.set(this.group.subarray(0, this.count));
    this.group = group;
  }
}

/**
 * The last tie-break: each column's output text in column order, nulls last. Equal lines are
 * equal rows (a line is its fields joined, and an empty field can only be null), so only rows
 * that differ somewhere get here.
 */
function compareLineTexts(a: string, b: string): number {
  const x = rowFields(a);
  const y = rowFields(b);
  for (let index = 0; index < COLUMNS.length; index++) {
    const p = x[index] ?? null;
    const q = y[index] ?? null;
    if (p === q) continue;
    if (p === null) return 1;
    if (q === null) return -1;
    return compareText(p, q);
  }
  return 0;
}
