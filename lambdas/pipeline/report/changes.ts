/**
 * What changed between a run and one published before it (docs/report.md, "What changed"): the
 * counts that moved, the CUSIPs whose parent is another row now and why, and the CUSIPs that are
 * new or gone. Works from the two runs' parents (parents.ts) and manifest counts only.
 *
 * Why a parent changed is the first key of this run's ranking order on which the old and the new
 * parent differ: `rank`, `date` (a date column), `price` (a decimal column) or `other` (any other
 * column the desk ranks by); `tie-break` when they are equal on every key and the final
 * tie-breaks (MESSAGE_ID, then every column) decided.
 */
import { COLUMN_INDEX, COLUMN_TYPES, type ColumnName } from '../columns.js';
import { compareDecimalTexts } from '../decimal.js';
import type { RunCounts } from '../manifest.js';
import type { RankingKey } from '../ranking/order.js';
import { compareText, normalizeText } from '../text.js';
import { PARENTS_FILE, type ParentRow, parentFields } from './parents.js';

export type Relation = 'same-date' | 'previous-date';
export type ChangeReason = 'rank' | 'date' | 'price' | 'other' | 'tie-break';

export const MOVED_COUNTS = ['read', 'ranked', 'groups', 'excluded', 'rejected'] as const satisfies readonly (keyof RunCounts)[];
export type MovedCount = (typeof MOVED_COUNTS)[number];

/** A parent as the report and changes.json show it. */
export interface ParentSnapshot {
  readonly messageId: string;
  readonly source: string | null;
  readonly rank: string | null;
  readonly date: string | null;
  readonly px: string | null;
  readonly groupSize: number;
}

export interface ParentChange {
  readonly cusip: string;
  readonly from: ParentSnapshot;
  readonly to: ParentSnapshot;
  readonly why: ChangeReason;
  /** The ranking column on which the two parents first differ; null for a tie-break. */
  readonly column: ColumnName | null;
}

export interface ParentChanges {
  /** In CUSIP order. */
  readonly changed: readonly ParentChange[];
  readonly changedByReason: Readonly<Record<ChangeReason, number>>;
  readonly newCusips: readonly string[];
  readonly goneCusips: readonly string[];
  readonly unchanged: number;
}

/** One comparison: with the run it names, or why there was none. */
export interface RunComparison {
  readonly relation: Relation;
  readonly status: 'compared' | 'none' | 'unreadable';
  /** Why nothing (or only the counts) could be compared; null when everything was. */
  readonly note: string | null;
  readonly against: { readonly asOf: string; readonly runId: string } | null;
  readonly counts: Readonly<Record<MovedCount, { readonly from: number; readonly to: number }>> | null;
  /** Null when the other run has no parents.jsonl (only its counts are compared). */
  readonly parents: ParentChanges | null;
}

/** The other run, as far as a comparison needs it. */
export interface ComparedRun {
  readonly asOf: string;
  readonly runId: string;
  readonly counts: RunCounts;
  /** Its parents by CUSIP; null when it published none. */
  readonly parents: ReadonlyMap<string, ParentRow> | null;
}

export function compareRuns(
  relation: Relation,
  previous: ComparedRun,
  current: { readonly counts: RunCounts; readonly parents: readonly ParentRow[] },
  order: readonly RankingKey[],
): RunComparison {
  const counts = Object.fromEntries(
    MOVED_COUNTS.map((name) => [name, { from: previous.counts[name], to: current.counts[name] }]),
  ) as RunComparison['counts'];
  return {
    relation,
    status: 'compared',
    note:
      previous.parents === null
        ? `run ${previous.runId} published no ${PARENTS_FILE} (it ran with outputs.report off, or before reports): only its counts are compared`
        : null,
    against: { asOf: previous.asOf, runId: previous.runId },
    counts,
    parents: previous.parents === null ? null : diffParents(previous.parents, current.parents, order),
  };
}

export function diffParents(
  previous: ReadonlyMap<string, ParentRow>,
  current: readonly ParentRow[],
  order: readonly RankingKey[],
): ParentChanges {
  const changed: ParentChange[] = [];
  const changedByReason: Record<ChangeReason, number> = { rank: 0, date: 0, price: 0, other: 0, 'tie-break': 0 };
  const newCusips: string[] = [];
  const seen = new Set<string>();
  let unchanged = 0;
  for (const parent of current) {
    seen.add(parent.cusip);
    const before = previous.get(parent.cusip);
    if (before === undefined) newCusips.push(parent.cusip);
    else if (before.record === parent.record) unchanged++;
    else {
      const from = parentFields(before);
      const to = parentFields(parent);
      const column = order.map((key) => key.column).find((name) => differ(name, from, to)) ?? null;
      const why = reasonOf(column);
      changedByReason[why]++;
      changed.push({ cusip: parent.cusip, from: snapshot(from, before.groupSize), to: snapshot(to, parent.groupSize), why, column });
    }
  }
  const goneCusips = [...previous.keys()].filter((cusip) => !seen.has(cusip)).sort(compareText);
  const byCusip = (a: { cusip: string }, b: { cusip: string }) => compareText(a.cusip, b.cusip);
  return { changed: changed.sort(byCusip), changedByReason, newCusips: newCusips.sort(compareText), goneCusips, unchanged };
}

/** Whether two parents differ on a ranking column, compared the way the ranking compares it (order.ts). */
function differ(column: ColumnName, a: readonly (string | null)[], b: readonly (string | null)[]): boolean {
  const x = a[COLUMN_INDEX[column]] ?? null;
  const y = b[COLUMN_INDEX[column]] ?? null;
  if (x === null || y === null) return x !== y;
  switch (COLUMN_TYPES[column]) {
    case 'decimal':
    case 'integer':
      return compareDecimalTexts(x, y) !== 0;
    case 'date':
      return asInstantText(x) !== asInstantText(y);
    case 'text':
      return normalizeText(x) !== normalizeText(y);
    case 'id':
      return x !== y;
  }
}

/** A bare date is its day's start: `2026-11-20` and `2026-11-20T00:00:00` are one instant. */
function asInstantText(date: string): string {
  const text = date.length === 10 ? `${date}T00:00:00` : date;
  return text.replace(/\.0*$/, '');
}

function reasonOf(column: ColumnName | null): ChangeReason {
  if (column === null) return 'tie-break';
  if (column === 'RANK') return 'rank';
  const type = COLUMN_TYPES[column];
  return type === 'date' ? 'date' : type === 'decimal' ? 'price' : 'other';
}

function snapshot(fields: readonly (string | null)[], groupSize: number): ParentSnapshot {
  const at = (column: ColumnName) => fields[COLUMN_INDEX[column]] ?? null;
  return { messageId: at('MESSAGE_ID') ?? '', source: at('SOURCE'), rank: at('RANK'), date: at('DATE'), px: at('PX'), groupSize };
}
