/**
 * What ranking yields, and all an output may read of it: every data file (outputs/) renders from
 * this API, and so should any new one.
 *
 * - A {@link Ranking} is a list of groups in output order: by normalized CUSIP (text.ts),
 *   ascending by UTF-16 code units.
 * - A {@link RankedGroup} is one CUSIP's rows in ranking order (order.ts): the first is the
 *   parent, the others its children. Where a row stands in its group is a {@link GroupPlace}: the
 *   values of the parent/child columns that every ranked output adds after the 18 color columns
 *   ({@link PARENT_CHILD_COLUMNS}, README "What a run writes").
 * - A row is a handle (a number) that the ranking reads for the renderer:
 *   - `fields(row)`: the output text of each column, indexed like COLUMNS, null for a null value.
 *     Its type is COLUMN_TYPES[column], and the text is the value exactly, in the form the
 *     product writes: an id's digits; a decimal or integer as read, trimmed (decimalValue() in
 *     values.ts gives its double; the text keeps every digit); a date as ISO-8601 local time in
 *     the config's time zone (`YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fraction]`); free text as
 *     read. A typed format (a spreadsheet cell, a Parquet column) converts from these by type.
 *   - `csvRecord(row)`: the same fields as one CSV record in UTF-8, ready to copy into a CSV file.
 *
 * Handles are only meaningful to the ranking that gave them out (and to what was indexed by the
 * order rows were added in, such as excluded.csv's EXCLUDED_BY list).
 */
import { COLUMN_INDEX } from '../columns.js';
import type { RowStore } from './row-store.js';

/** Where a row stands in its group: the values of the parent/child columns. */
export interface GroupPlace {
  /** 1 for the parent, 2, 3, … for the children in ranking order. */
  readonly GROUP_POSITION: number;
  readonly IS_PARENT: boolean;
  /** The parent's MESSAGE_ID; null on the parent itself. */
  readonly PARENT_MESSAGE_ID: string | null;
  /** How many children the group has, on the parent; 0 on a child. */
  readonly CHILDREN_COUNT: number;
}

/** The parent/child columns, in the order every ranked output writes them. */
export const PARENT_CHILD_COLUMNS = [
  'GROUP_POSITION',
  'IS_PARENT',
  'PARENT_MESSAGE_ID',
  'CHILDREN_COUNT',
] as const satisfies readonly (keyof GroupPlace)[];

/** One CUSIP's rows in ranking order. */
export interface RankedGroup {
  /** 0 for the first group in output order, then 1, 2, … */
  readonly index: number;
  /** Row handles in ranking order: `rows[0]` is the parent. */
  readonly rows: Int32Array;
  /** The parent's MESSAGE_ID. */
  readonly parentMessageId: string;
  /** The place of the row at `position` (1 for the parent, up to `rows.length`). */
  place(position: number): GroupPlace;
}

export interface Ranking {
  readonly groupCount: number;
  readonly rowCount: number;
  /** The groups in output order. */
  groups(): Iterable<RankedGroup>;
  /** The row's output texts, indexed like COLUMNS; null for a null value. A fresh array. */
  fields(row: number): (string | null)[];
  /** The row's fields as one CSV record (csv-writer.ts) in UTF-8, without a line end. */
  csvRecord(row: number): Uint8Array;
}

const MESSAGE_ID = COLUMN_INDEX.MESSAGE_ID;

class Group implements RankedGroup {
  private messageId: string | undefined;

  constructor(
    readonly index: number,
    readonly rows: Int32Array,
    private readonly store: RowStore,
  ) {}

  // Read from the parent's line when asked: most readers of a group (excluded.csv, the report's
  // parents) never ask, and decoding it for each of ~50,000 groups per pass is not free.
  get parentMessageId(): string {
    if (this.messageId === undefined) {
      const parent = this.rows[0];
      const id = parent === undefined ? null : this.store.field(parent, MESSAGE_ID);
      if (id == null) throw new Error('a ranked group has no parent MESSAGE_ID');
      this.messageId = id;
    }
    return this.messageId;
  }

  place(position: number): GroupPlace {
    const parent = position === 1;
    return {
      GROUP_POSITION: position,
      IS_PARENT: parent,
      PARENT_MESSAGE_ID: parent ? null : this.parentMessageId,
      CHILDREN_COUNT: parent ? this.rows.length - 1 : 0,
    };
  }
}

/** A ranking of the rows of a RowStore: their handles in output order, and where each group starts. */
export class StoredRanking implements Ranking {
  /** Groups before this one are in ranking order; the others are ordered as they are first walked to. */
  private orderedGroups = 0;

  constructor(
    private readonly store: RowStore,
    /** Row handles, group by group in output order (groups by CUSIP key ascending), each group ordered by `orderGroup`. */
    private readonly order: Int32Array,
    /** Group `g` is `order[groupStarts[g]] .. order[groupStarts[g + 1] - 1]`. */
    private readonly groupStarts: Int32Array,
    /** Group `g`'s CUSIP key is in bucket `groupBuckets[g]` (line-buckets.ts). */
    private readonly groupBuckets: Uint16Array,
    /** Puts one group's handles in ranking order, in place (table.ts). */
    private readonly orderGroup: (rows: Int32Array) => void,
  ) {}

  get groupCount(): number {
    return this.groupStarts.length - 1;
  }

  get rowCount(): number {
    return this.order.length;
  }

  *groups(): Generator<RankedGroup, void, undefined> {
    const { order, groupStarts, groupBuckets } = this;
    for (let index = 0; index < this.groupCount; index++) {
      // Spilled lines are read back a run of groups at a time (spilled-chunks.ts).
      this.store.prepare(groupBuckets[index]!);
      const rows = order.subarray(groupStarts[index]!, groupStarts[index + 1]!);
      if (index === this.orderedGroups) {
        if (rows.length > 1) this.orderGroup(rows);
        this.orderedGroups++;
      }
      yield new Group(index, rows, this.store);
    }
  }

  fields(row: number): (string | null)[] {
    return this.store.fields(row);
  }

  csvRecord(row: number): Uint8Array {
    return this.store.csvRecord(row);
  }
}
