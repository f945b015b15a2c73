/**
 * Where ranking happens: rows are added one by one as they are read, then ranked once, in the
 * order order.ts defines (docs/configuration.md, `ranking.order`). The result is a Ranking
 * (ranked.ts), which every output renders from.
 *
 * Built for a million rows: each row is kept encoded in a RowStore, and its sort keys are
 * precomputed into typed arrays (sort-keys.ts), so the rows cost the garbage collector almost
 * nothing and ranking compares numbers. Rows of different CUSIPs are never compared: a counting
 * sort by group puts each group's rows together, and only each group is sorted, when a reader first
 * walks to it. Rows equal on every key fall back to the last tie-break, every column's output text,
 * which only rows that tie on MESSAGE_ID ever reach.
 */
import { compareDecimalTexts } from '../decimal.js';
import type { ColorRow } from '../schema.js';
import { TextIds } from '../text-ids.js';
import { bucketOf } from './line-buckets.js';
import { MESSAGE_ID_KEY, type RankingKey } from './order.js';
import type { PreparedRows } from './prepared-rows.js';
import { type Ranking, StoredRanking } from './ranked.js';
import { RowStore } from './row-store.js';
import { DecimalKey, type SortKey, sortKeys } from './sort-keys.js';
import type { SpillFile } from './spill-file.js';

/** A table's keys: the configured ones, then MESSAGE_ID ascending (the first tie-break). */
export function tableKeys(order: readonly RankingKey[]): SortKey[] {
  return [...order, MESSAGE_ID_KEY].flatMap(sortKeys);
}

export class RankingTable {
  private count = 0;
  private capacity = 0;
  private ranked = false;
  private readonly rows = new RowStore();
  /** Per row: the id of its CUSIP key among {@link groupKeys}. */
  private group = new Int32Array(0);
  private readonly groupKeys = new TextIds();
  /** Per thread rows were prepared on (addPrepared): its id of a CUSIP key → this table's, or -1. */
  private readonly threadGroups = new Map<readonly string[], Int32Array>();
  /** The configured keys, then MESSAGE_ID ascending (the first tie-break). */
  private readonly keys: readonly SortKey[];

  constructor(order: readonly RankingKey[]) {
    this.keys = tableKeys(order);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Makes room for `rows` rows in all, when a reader can tell how many are coming (parallel/): the
   * table then grows once rather than doubling, which would copy every key array and touch fresh
   * memory each time. An estimate: rows past it still fit, only slower.
   */
  reserve(rows: number): void {
    if (rows > this.capacity) this.grow(rows);
    this.rows.reserve(rows);
  }

  /**
   * Rows added from now on with {@link addPrepared} have their lines written to `file` and read
   * back a window at a time (spilled-chunks.ts), so the table holds their keys, not their text.
   */
  spillLinesTo(file: SpillFile, windowBytes?: number): void {
    this.rows.spillTo(file, windowBytes);
  }

  /** Adds a valid row; returns its handle (0, 1, … in the order added). */
  add(row: ColorRow): number {
    if (this.ranked) throw new Error('RankingTable.add after rank');
    const handle = this.count;
    if (handle === this.capacity) this.grow();
    this.rows.add(row.text);
    this.group[handle] = this.groupKeys.id(row.cusipKey);
    for (const key of this.keys) key.set(handle, row);
    this.count++;
    return handle;
  }

  /**
   * Adds rows prepared elsewhere (prepared-rows.ts, on a worker thread) for a table of the same
   * order, in their order: the same as adding each row with {@link add}. `groupKeys` are the CUSIP
   * keys the preparing thread has numbered so far, by its ids (the same array each time for one
   * thread, grown). When the table spills its lines, `spilled` gets the batch's lines once they are
   * in the spill file: the table no longer needs them.
   */
  addPrepared(batch: PreparedRows, groupKeys: readonly string[], spilled?: (lines: Uint8Array) => void): void {
    if (this.ranked) throw new Error('RankingTable.addPrepared after rank');
    const first = this.count;
    if (first + batch.count > this.capacity) this.grow(first + batch.count);
    this.rows.adopt(batch, spilled);
    // The thread's ids, turned into this table's as rows use them: a key none of its rows has is
    // never numbered here, so every group of the ranking has rows.
    let ids = this.threadGroups.get(groupKeys) ?? new Int32Array(0);
    if (ids.length < groupKeys.length) {
      const grown = new Int32Array(Math.max(groupKeys.length, ids.length * 2)).fill(-1);
      grown.set(ids);
      ids = grown;
      this.threadGroups.set(groupKeys, ids);
    }
    const { groups } = batch;
    for (let row = 0; row < batch.count; row++) {
      const local = groups[row]!;
      let id = ids[local]!;
      if (id < 0) id = ids[local] = this.groupKeys.id(groupKeys[local]!);
      this.group[first + row] = id;
    }
    for (let k = 0; k < this.keys.length; k++) this.keys[k]!.setPreparedRows(first, batch.count, batch.keys[k]!);
    this.count += batch.count;
  }

  /**
   * Groups the rows by CUSIP key. Call once, after the last add. Each group is put in ranking order
   * when a reader first walks to it (StoredRanking.groups): walking the groups is when spilled lines,
   * which the last tie-breaks read, are loaded (spilled-chunks.ts).
   */
  rank(): Ranking {
    // Text keys are turned from ids into ranks in place, which can only be done once.
    if (this.ranked) throw new Error('RankingTable.rank called twice');
    this.ranked = true;
    const count = this.count;
    for (const key of this.keys) key.finish(count);
    const groupRanks = this.groupKeys.ranks();
    const groups = groupRanks.length;
    // Counting sort by group: no comparisons between rows of different groups. Plain loops: a
    // million rows pass through each, where a callback per row costs ~20 ns more.
    const ids = this.group;
    const groupStarts = new Int32Array(groups + 1);
    for (let handle = 0; handle < count; handle++) groupStarts[groupRanks[ids[handle]!]! + 1]!++;
    for (let g = 0; g < groups; g++) groupStarts[g + 1]! += groupStarts[g]!;
    const next = groupStarts.slice(0, groups);
    const order = new Int32Array(count);
    for (let handle = 0; handle < count; handle++) order[next[groupRanks[ids[handle]!]!]!++] = handle;
    // Each group's bucket (line-buckets.ts), in output order: never decreasing.
    const groupBuckets = new Uint16Array(groups);
    const keys = this.groupKeys.texts;
    for (let id = 0; id < keys.length; id++) groupBuckets[groupRanks[id]!] = bucketOf(keys[id]!);
    const compare = this.comparator();
    return new StoredRanking(this.rows, order, groupStarts, groupBuckets, (rows) => rows.sort(compare));
  }

  /**
   * Compares two rows of one group: the keys, then every column's output text. This is the sort's
   * inner loop: unless some decimal key holds a value with more digits than its double, it
   * compares doubles only.
   */
  private comparator(): (a: number, b: number) => number {
    const columns = this.keys.map((key) => key.values);
    const rows = this.rows;
    const decimals = this.keys.map((key) => (key instanceof DecimalKey && key.anyInexact ? key : undefined));
    if (decimals.every((key) => key === undefined)) {
      return (a, b) => {
        for (const values of columns) {
          const x = values[a]!;
          const y = values[b]!;
          if (x < y) return -1;
          if (x > y) return 1;
        }
        return rows.compareFields(a, b);
      };
    }
    return (a, b) => {
      for (let k = 0; k < columns.length; k++) {
        const values = columns[k]!;
        const x = values[a]!;
        const y = values[b]!;
        if (x < y) return -1;
        if (x > y) return 1;
        const decimal = decimals[k];
        if (decimal?.mayDiffer(a, b)) {
          const order = this.compareDecimals(decimal, a, b);
          if (order !== 0) return order;
        }
      }
      return rows.compareFields(a, b);
    };
  }

  /** Two rows whose decimal key has one double: by the decimals they hold (both non-null). */
  private compareDecimals(key: DecimalKey, a: number, b: number): number {
    const x = this.rows.field(a, key.index);
    const y = this.rows.field(b, key.index);
    if (x == null || y == null) throw new Error('a decimal key with one double holds a null');
    return key.sign * compareDecimalTexts(x, y);
  }

  /** Makes room for at least `rows` rows (twice as many as now, at least). */
  private grow(rows = 0): void {
    this.capacity = Math.max(1024, this.capacity * 2, rows);
    for (const key of this.keys) key.grow(this.capacity, this.count);
    const group = new Int32Array(this.capacity);
    group.set(this.group.subarray(0, this.count));
    this.group = group;
  }
}
