/**
 * Parent/child ranking (SPEC §4). Rows are grouped by normalized CUSIP and ordered within a group by
 * the configured keys, then by MESSAGE_ID and every column's output text, so the order is total and
 * never depends on the order the rows arrived in.
 */
import { COLUMNS, COLUMN_INDEX, COLUMN_TYPES, type ColumnName } from './columns.js';
import { compareDecimalTexts } from './decimal.js';
import { compareText, RankingTable } from './ranking-table.js';
import type { ColorRow } from './schema.js';
import { compareIds } from './values.js';

export interface RankingKey {
  readonly column: ColumnName;
  readonly direction: 'asc' | 'desc';
}

/** Rank → Date → Price: best rank first, then newest, then highest price. */
export const DEFAULT_RANKING_ORDER: readonly RankingKey[] = [
  { column: 'RANK', direction: 'asc' },
  { column: 'DATE', direction: 'desc' },
  { column: 'PX', direction: 'desc' },
];

export interface RankedRow {
  readonly row: ColorRow;
  /** 1 for the parent, 2.. for children in ranking order. */
  readonly position: number;
  /** The parent's MESSAGE_ID; null on the parent itself. */
  readonly parentMessageId: string | null;
  /** Number of children; on the parent only (0 on children). */
  readonly childrenCount: number;
}

type Comparator = (a: ColorRow, b: ColorRow) => number;

const MESSAGE_ID = COLUMN_INDEX.MESSAGE_ID;

/** Nulls sort last whatever the direction. */
function nullsLast<T>(a: T | null, b: T | null, compare: (x: T, y: T) => number): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  return compare(a, b);
}

function keyComparator({ column, direction }: RankingKey): Comparator {
  const index = COLUMN_INDEX[column];
  const sign = direction === 'asc' ? 1 : -1;
  switch (COLUMN_TYPES[column]) {
    case 'text':
      // Text keys compare trimmed and case-insensitively.
      return (a, b) => nullsLast(a.text[index] ?? null, b.text[index] ?? null, (x, y) => sign * compareText(normalize(x), normalize(y)));
    case 'id':
      return (a, b) => nullsLast(a.text[index] ?? null, b.text[index] ?? null, (x, y) => sign * compareIds(x, y));
    default: {
      const decimal = COLUMN_TYPES[column] === 'decimal';
      return (a, b) => {
        const x = a.value[index]!;
        const y = b.value[index]!;
        // NaN is a null value: last whatever the direction.
        if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
        if (Number.isNaN(y)) return -1;
        if (x !== y) return sign * (x - y);
        // One double, maybe two decimals (100 and 100.0000000000000001): their text decides.
        return decimal ? sign * compareDecimalTexts(a.text[index]!, b.text[index]!) : 0;
      };
    }
  }
}

function normalize(text: string): string {
  return text.trim().toUpperCase();
}

/** The final tie-breaks: MESSAGE_ID ascending (numeric), then every column's output text. */
function tieBreak(a: ColorRow, b: ColorRow): number {
  const byId = compareIds(a.text[MESSAGE_ID]!, b.text[MESSAGE_ID]!);
  if (byId !== 0) return byId;
  for (let index = 0; index < COLUMNS.length; index++) {
    const order = nullsLast(a.text[index] ?? null, b.text[index] ?? null, compareText);
    if (order !== 0) return order;
  }
  return 0;
}

/**
 * The full within-group order for two rows: the configured keys, then the tie-breaks. The
 * reference form of the order that {@link RankingTable} computes with precomputed keys.
 */
export function rankingComparator(order: readonly RankingKey[]): Comparator {
  const keys = order.map(keyComparator);
  return (a, b) => {
    for (const key of keys) {
      const result = key(a, b);
      if (result !== 0) return result;
    }
    return tieBreak(a, b);
  };
}

/**
 * Groups rows by normalized CUSIP, orders each group, and returns every row in output order:
 * groups by CUSIP key ascending, rows by position. Ranks through {@link RankingTable}, as the run
 * does; {@link rankingComparator} gives the same order for two rows.
 */
export function rankColors(rows: readonly ColorRow[], order: readonly RankingKey[]): { ranked: RankedRow[]; groups: number } {
  const table = new RankingTable(order);
  for (const row of rows) table.add(row);
  const ranking = table.rank();
  const ranked: RankedRow[] = [];
  for (let group = 0; group < ranking.groups; group++) {
    const start = ranking.groupStarts[group]!;
    const end = ranking.groupStarts[group + 1]!;
    const parent = rows[ranking.order[start]!]!;
    for (let at = start; at < end; at++) {
      const first = at === start;
      ranked.push({
        row: rows[ranking.order[at]!]!,
        position: at - start + 1,
        parentMessageId: first ? null : parent.text[MESSAGE_ID]!,
        childrenCount: first ? end - start - 1 : 0,
      });
    }
  }
  return { ranked, groups: ranking.groups };
}

/** Orders rows as {@link rankColors} would place them, without the parent/child columns. */
export function orderAsRanked(rows: readonly ColorRow[], order: readonly RankingKey[]): ColorRow[] {
  return rankColors(rows, order).ranked.map((ranked) => ranked.row);
}
