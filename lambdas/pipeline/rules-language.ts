/**
 * The exclusion-rules language (docs/rules.md): the typed shape of a rule, the operators each
 * column type takes, and what a date value in a rule means. Validation is in rules-schema.ts,
 * compilation and matching in rules.ts.
 */
import type { ColumnName, ColumnType } from './columns.js';
import { parseDate, wallTime } from './date-values.js';
import { DAY_MS, type ZoneClock } from './time-zone.js';
import { isProblem } from './values.js';

export const OPERATORS = [
  'equals',
  'notEquals',
  'in',
  'notIn',
  'isEmpty',
  'isNotEmpty',
  'contains',
  'notContains',
  'startsWith',
  'endsWith',
  'lt',
  'lte',
  'gt',
  'gte',
  'between',
] as const;

export type Operator = (typeof OPERATORS)[number];
export type PresenceOperator = 'isEmpty' | 'isNotEmpty';
export type ListOperator = 'in' | 'notIn';
export type TextOperator = 'contains' | 'notContains' | 'startsWith' | 'endsWith';
export type OrderOperator = 'lt' | 'lte' | 'gt' | 'gte';
export type SingleValueOperator = 'equals' | 'notEquals' | TextOperator | OrderOperator;

/**
 * A value in a validated rule: the text as written for text columns, a digit string for
 * MESSAGE_ID (a JSON integer is turned into one), the number as written in the document for
 * decimal and integer columns (`"100.0000000000000001"`, so it compares exactly, see decimal.ts),
 * and the date or date-time text for date columns (resolved against the config's time zone when
 * compiled).
 */
export type RuleValue = string | number;

export type LeafCondition =
  | { readonly column: ColumnName; readonly op: PresenceOperator }
  | { readonly column: ColumnName; readonly op: SingleValueOperator; readonly value: RuleValue }
  | { readonly column: ColumnName; readonly op: ListOperator; readonly value: readonly RuleValue[] }
  | { readonly column: ColumnName; readonly op: 'between'; readonly value: readonly [RuleValue, RuleValue] };

export type Condition =
  | LeafCondition
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition };

export type Rule = { readonly name: string; readonly active: boolean; readonly when: Condition };

/** The EXCLUDED_BY name of an exact repeat row moved aside by `dedupe: true`. */
export const DUPLICATE_RULE = 'duplicate';

export const RESERVED_RULE_NAMES: readonly string[] = [DUPLICATE_RULE];

const EVERY_TYPE: readonly Operator[] = ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty'];
const TEXT_ONLY: readonly Operator[] = ['contains', 'notContains', 'startsWith', 'endsWith'];
const ORDERED: readonly Operator[] = ['lt', 'lte', 'gt', 'gte', 'between'];

export const OPERATORS_BY_TYPE: Readonly<Record<ColumnType, readonly Operator[]>> = {
  id: [...EVERY_TYPE, ...ORDERED],
  text: [...EVERY_TYPE, ...TEXT_ONLY],
  decimal: [...EVERY_TYPE, ...ORDERED],
  integer: [...EVERY_TYPE, ...ORDERED],
  date: [...EVERY_TYPE, ...ORDERED],
};

/** How a column type is named to a desk analyst. */
export const TYPE_LABELS: Readonly<Record<ColumnType, string>> = {
  id: 'id',
  text: 'text',
  decimal: 'number',
  integer: 'number',
  date: 'date',
};

/** Every column a condition reads, in the order first named. */
export function conditionColumns(condition: Condition): ColumnName[] {
  const columns = new Set<ColumnName>();
  const visit = (node: Condition): void => {
    if ('all' in node) node.all.forEach(visit);
    else if ('any' in node) node.any.forEach(visit);
    else if ('not' in node) visit(node.not);
    else columns.add(node.column);
  };
  visit(condition);
  return [...columns];
}

/** A half-open range of instants `[from, to)` in epoch milliseconds. */
export interface InstantRange {
  readonly from: number;
  readonly to: number;
}

/**
 * What a date value in a rule covers. A bare date is its whole calendar day in the clock's zone,
 * from its midnight to the next day's midnight (23 or 25 hours on daylight-saving days); a value
 * with a time is that one instant, `[t, t + 1 ms)` — instants are whole milliseconds, so every
 * operator reads the same way for both. Undefined when the text is not a date.
 */
export function dateRange(text: string, clock: ZoneClock): InstantRange | undefined {
  const parsed = parseDate(text, clock);
  if (isProblem(parsed)) return undefined;
  if (!parsed.dateOnly) return { from: parsed.value, to: parsed.value + 1 };
  // A bare date's output text is its own calendar date, YYYY-MM-DD.
  const [year, month, day] = parsed.text.split('-').map(Number) as [number, number, number];
  const midnight = wallTime(year, month, day, 0, 0, 0, 0);
  return { from: parsed.value, to: clock.toInstant(midnight + DAY_MS) };
}
