/**
 * The ranking order (lambdas/pipeline/ranking/order.ts) written the plain way, as the reference the
 * property tests hold the real RankingTable to: a comparator over row objects that normalizes text
 * and compares ids and decimals on every call. And `rankThroughTable`, which ranks rows through the
 * real table and reads the result back through the Ranking API the outputs use.
 */
import { COLUMN_INDEX, COLUMN_TYPES, COLUMNS } from '../../lambdas/pipeline/columns.js';
import { compareDecimalTexts } from '../../lambdas/pipeline/decimal.js';
import type { RankingKey } from '../../lambdas/pipeline/ranking/order.js';
import { PreparedRowsBuilder } from '../../lambdas/pipeline/ranking/prepared-rows.js';
import type { SpillFile } from '../../lambdas/pipeline/ranking/spill-file.js';
import { RankingTable } from '../../lambdas/pipeline/ranking/table.js';
import type { ColorRow } from '../../lambdas/pipeline/schema.js';
import { compareText, normalizeText } from '../../lambdas/pipeline/text.js';
import { TextIds } from '../../lambdas/pipeline/text-ids.js';
import { compareIds } from '../../lambdas/pipeline/values.js';

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
  const text = (row: ColorRow): string | null => row.text[index] ?? null;
  switch (COLUMN_TYPES[column]) {
    case 'text':
      return (a, b) => nullsLast(text(a), text(b), (x, y) => sign * compareText(normalizeText(x), normalizeText(y)));
    case 'id':
      return (a, b) => nullsLast(text(a), text(b), (x, y) => sign * compareIds(x, y));
    default: {
      const decimal = COLUMN_TYPES[column] === 'decimal';
      return (a, b) => {
        const x = a.value[index] ?? NaN;
        const y = b.value[index] ?? NaN;
        // NaN is a null value: last whatever the direction.
        if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
        if (Number.isNaN(y)) return -1;
        if (x !== y) return sign * (x - y);
        // One double, maybe two decimals (100 and 100.0000000000000001): their text decides.
        return decimal ? sign * compareDecimalTexts(text(a) ?? '', text(b) ?? '') : 0;
      };
    }
  }
}

/** The final tie-breaks: MESSAGE_ID ascending (numeric), then every column's output text. */
function tieBreak(a: ColorRow, b: ColorRow): number {
  const byId = nullsLast(a.text[MESSAGE_ID] ?? null, b.text[MESSAGE_ID] ?? null, compareIds);
  if (byId !== 0) return byId;
  for (let index = 0; index < COLUMNS.length; index++) {
    const order = nullsLast(a.text[index] ?? null, b.text[index] ?? null, compareText);
    if (order !== 0) return order;
  }
  return 0;
}

/** The full within-group order for two rows: the configured keys, then the tie-breaks. */
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

/** Rows grouped by CUSIP key (groups in code-unit order), each group sorted by the reference comparator. */
export function referenceGroups(rows: readonly ColorRow[], order: readonly RankingKey[]): ColorRow[][] {
  const groups = new Map<string, ColorRow[]>();
  for (const row of rows) groups.set(row.cusipKey, [...(groups.get(row.cusipKey) ?? []), row]);
  const compare = rankingComparator(order);
  return [...groups.keys()].sort(compareText).map((key) => [...(groups.get(key) ?? [])].sort(compare));
}

export interface RankedRow {
  readonly row: ColorRow;
  readonly position: number;
  readonly parentMessageId: string | null;
  readonly childrenCount: number;
}

/**
 * Ranks `rows` through the real RankingTable and returns every row in output order with its place,
 * as the outputs read them from the Ranking: each row is the input object its handle stands for,
 * and its fields as the ranking gives them back must be that row's text.
 */
export function rankThroughTable(rows: readonly ColorRow[], order: readonly RankingKey[]): { ranked: RankedRow[]; groups: number } {
  const table = new RankingTable(order);
  const byHandle = new Map<number, ColorRow>();
  for (const row of rows) byHandle.set(table.add(row), row);
  return readRanking(table, byHandle);
}

/**
 * Ranks `rows` as the parallel reader does (parallel/): prepared in batches of `batchRows` by a
 * PreparedRowsBuilder with its own CUSIP ids, as a worker thread would, and added to the table batch by
 * batch — their lines in memory, or written to `spill` and read back `windowBytes` at a time. Read
 * back as {@link rankThroughTable} reads; then every row's fields once more in a random order, as a
 * reader that does not walk the groups would.
 */
export async function rankThroughPreparedRows(
  rows: readonly ColorRow[],
  order: readonly RankingKey[],
  { batchRows, spill, windowBytes }: { batchRows: number; spill?: SpillFile; windowBytes?: number },
): Promise<{ ranked: RankedRow[]; groups: number }> {
  const table = new RankingTable(order);
  if (spill) table.spillLinesTo(spill, windowBytes);
  const threadIds = new TextIds();
  const byHandle = new Map<number, ColorRow>();
  for (let first = 0; first < rows.length; first += batchRows) {
    const builder = new PreparedRowsBuilder(order, threadIds);
    const batch = rows.slice(first, first + batchRows);
    for (const row of batch) builder.add(row);
    batch.forEach((row, at) => {
      byHandle.set(table.size + at, row);
    });
    table.addPrepared(builder.finish().rows, threadIds.texts);
  }
  await spill?.flush();
  return readRanking(table, byHandle);
}

function readRanking(table: RankingTable, byHandle: ReadonlyMap<number, ColorRow>): { ranked: RankedRow[]; groups: number } {
  const ranking = table.rank();
  const ranked: RankedRow[] = [];
  for (const group of ranking.groups()) {
    group.rows.forEach((handle, at) => {
      const row = byHandle.get(handle);
      if (row === undefined) throw new Error(`the ranking gave out unknown handle ${handle}`);
      const fields = ranking.fields(handle);
      if (fields.some((field, index) => field !== (row.text[index] ?? null))) throw new Error(`handle ${handle} reads back other fields`);
      const place = group.place(at + 1);
      if (place.IS_PARENT !== (at === 0)) throw new Error('IS_PARENT disagrees with GROUP_POSITION');
      ranked.push({ row, position: place.GROUP_POSITION, parentMessageId: place.PARENT_MESSAGE_ID, childrenCount: place.CHILDREN_COUNT });
    });
  }
  if (ranked.length !== ranking.rowCount) throw new Error(`${ranked.length} rows in the groups, rowCount says ${ranking.rowCount}`);
  const handles = [...byHandle.keys()].sort((a, b) => ((a * 7919) % 101) - ((b * 7919) % 101) || a - b);
  for (const handle of handles) {
    const row = byHandle.get(handle)!;
    if (ranking.fields(handle).some((field, index) => field !== (row.text[index] ?? null)))
      throw new Error(`handle ${handle} reads back other fields out of order`);
  }
  return { ranked, groups: ranking.groupCount };
}
