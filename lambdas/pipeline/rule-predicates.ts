/**
 * One rule condition compiled to a predicate on a row, per column type (docs/rules.md, "Columns"
 * to "Dates"). Matching runs on every row of a run, so each predicate does its per-rule work
 * (normalising the rule's text, parsing its numbers and dates) once, here, and only cheap
 * comparisons per row. rules.ts combines these predicates into whole rules.
 */
import { COLUMN_INDEX, COLUMN_TYPES } from './columns.js';
import { compareDecimals, type Decimal, mayBeInexact, toDecimal } from './decimal.js';
import { dateRange, type InstantRange, type LeafCondition, type RuleValue } from './rules-language.js';
import type { ColorRow } from './schema.js';
import { normalizeText } from './text.js';
import type { ZoneClock } from './time-zone.js';
import { canonicalId, compareIds, isIdDigits, isProblem, parseDecimal } from './values.js';

export type Predicate = (row: ColorRow) => boolean;

/**
 * A null value matches only isEmpty: every other operator, the negative ones included, is false
 * on null, which each predicate below checks first.
 */
export function compileLeaf(leaf: LeafCondition, clock: ZoneClock): Predicate {
  const index = COLUMN_INDEX[leaf.column];
  if (!hasValue(leaf)) return leaf.op === 'isEmpty' ? (row) => row.text[index] === null : (row) => row.text[index] !== null;
  switch (COLUMN_TYPES[leaf.column]) {
    case 'text':
      return compileText(leaf, index);
    case 'id':
      return compileId(leaf, index);
    case 'decimal':
    case 'integer':
      return compileNumber(leaf, index);
    case 'date':
      return compileDate(leaf, index, clock);
  }
}

type ValuedLeaf = Exclude<LeafCondition, { op: 'isEmpty' | 'isNotEmpty' }>;

function hasValue(leaf: LeafCondition): leaf is ValuedLeaf {
  return leaf.op !== 'isEmpty' && leaf.op !== 'isNotEmpty';
}

/** Text compares trimmed and case-insensitively; the rule's side is normalized once, here. */
function compileText(leaf: ValuedLeaf, index: number): Predicate {
  const on = (test: (text: string) => boolean): Predicate => {
    // Text columns repeat from row to row (one dealer, one sector per message): remember the last
    // text's answer rather than normalizing and testing it again.
    let lastText: string | undefined;
    let lastAnswer = false;
    return (row) => {
      const text = row.text[index];
      if (text == null) return false;
      if (text !== lastText) {
        lastText = text;
        lastAnswer = test(normalizeText(text));
      }
      return lastAnswer;
    };
  };
  switch (leaf.op) {
    case 'in':
    case 'notIn': {
      const set = new Set(leaf.value.map((value) => normalizeText(textValue(leaf, value))));
      return leaf.op === 'in' ? on((text) => set.has(text)) : on((text) => !set.has(text));
    }
    case 'equals':
    case 'notEquals':
    case 'contains':
    case 'notContains':
    case 'startsWith':
    case 'endsWith': {
      const value = normalizeText(textValue(leaf, leaf.value));
      switch (leaf.op) {
        case 'equals':
          return on((text) => text === value);
        case 'notEquals':
          return on((text) => text !== value);
        case 'contains':
          return on((text) => text.includes(value));
        case 'notContains':
          return on((text) => !text.includes(value));
        case 'startsWith':
          return on((text) => text.startsWith(value));
        case 'endsWith':
          return on((text) => text.endsWith(value));
      }
    }
  }
  throw invalid(leaf);
}

/** MESSAGE_ID: digit strings compared numerically (ids exceed 2^53, so never as JS numbers). */
function compileId(leaf: ValuedLeaf, index: number): Predicate {
  const on =
    (test: (id: string) => boolean): Predicate =>
    (row) => {
      const id = row.text[index];
      return id != null && test(id);
    };
  switch (leaf.op) {
    case 'in':
    case 'notIn': {
      const set = new Set(leaf.value.map((value) => canonicalId(idValue(leaf, value))));
      return leaf.op === 'in' ? on((id) => set.has(canonicalId(id))) : on((id) => !set.has(canonicalId(id)));
    }
    case 'between': {
      const low = idValue(leaf, leaf.value[0]);
      const high = idValue(leaf, leaf.value[1]);
      return on((id) => compareIds(id, low) >= 0 && compareIds(id, high) <= 0);
    }
    case 'equals':
    case 'notEquals':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const value = idValue(leaf, leaf.value);
      const accepts = ORDER_TESTS[leaf.op];
      return on((id) => accepts(compareIds(id, value)));
    }
  }
  throw invalid(leaf);
}

/** Tests on a comparison result `row value <=> rule value`. */
const ORDER_TESTS: Readonly<Record<'equals' | 'notEquals' | 'lt' | 'lte' | 'gt' | 'gte', (order: number) => boolean>> = {
  equals: (order) => order === 0,
  notEquals: (order) => order !== 0,
  lt: (order) => order < 0,
  lte: (order) => order <= 0,
  gt: (order) => order > 0,
  gte: (order) => order >= 0,
};

/** A rule's number: its double for the fast comparison, its decimal for ties (decimal.ts). */
interface RuleNumber {
  readonly value: number;
  readonly decimal: Decimal;
  readonly inexact: boolean;
}

/**
 * The row's number against the rule's, exactly: the doubles decide unless they are equal, and
 * then, if either side has more digits than a double keeps, the decimals do.
 */
function compareToRule(x: number, text: string, rule: RuleNumber): number {
  if (x < rule.value) return -1;
  if (x > rule.value) return 1;
  if (!rule.inexact && !mayBeInexact(text)) return 0;
  return compareDecimals(toDecimal(text), rule.decimal);
}

function compileNumber(leaf: ValuedLeaf, index: number): Predicate {
  const on =
    (test: (x: number, text: string) => boolean): Predicate =>
    (row) => {
      const x = row.value[index]!;
      return !Number.isNaN(x) && test(x, row.text[index]!);
    };
  switch (leaf.op) {
    case 'in':
    case 'notIn': {
      // Candidates by double, then the exact check: a Set lookup rules out almost every row.
      const byValue = new Map<number, RuleNumber[]>();
      for (const value of leaf.value) {
        const number = ruleNumber(leaf, value);
        byValue.set(number.value, [...(byValue.get(number.value) ?? []), number]);
      }
      const inList = (x: number, text: string): boolean => byValue.get(x)?.some((number) => compareToRule(x, text, number) === 0) ?? false;
      return leaf.op === 'in' ? on(inList) : on((x, text) => !inList(x, text));
    }
    case 'between': {
      const low = ruleNumber(leaf, leaf.value[0]);
      const high = ruleNumber(leaf, leaf.value[1]);
      return on((x, text) => compareToRule(x, text, low) >= 0 && compareToRule(x, text, high) <= 0);
    }
    case 'equals':
    case 'notEquals':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const number = ruleNumber(leaf, leaf.value);
      const accepts = ORDER_TESTS[leaf.op];
      return on((x, text) => accepts(compareToRule(x, text, number)));
    }
  }
  throw invalid(leaf);
}

/**
 * Dates compare as instants. Each rule value is a half-open range `[from, to)`: a bare date is its
 * whole day in the config's zone, a date-time the one millisecond it names (see dateRange).
 */
function compileDate(leaf: ValuedLeaf, index: number, clock: ZoneClock): Predicate {
  const range = (value: RuleValue): InstantRange => {
    const found = typeof value === 'string' ? dateRange(value, clock) : undefined;
    if (found === undefined) throw invalid(leaf);
    return found;
  };
  const on =
    (test: (instant: number) => boolean): Predicate =>
    (row) => {
      const instant = row.value[index]!;
      return !Number.isNaN(instant) && test(instant);
    };
  switch (leaf.op) {
    case 'in':
    case 'notIn': {
      const ranges = leaf.value.map(range);
      const inAny = (x: number): boolean => ranges.some(({ from, to }) => x >= from && x < to);
      return leaf.op === 'in' ? on(inAny) : on((x) => !inAny(x));
    }
    case 'between': {
      const from = range(leaf.value[0]).from;
      const to = range(leaf.value[1]).to;
      return on((x) => x >= from && x < to);
    }
    case 'equals':
    case 'notEquals':
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      const { from, to } = range(leaf.value);
      switch (leaf.op) {
        case 'equals':
          return on((x) => x >= from && x < to);
        case 'notEquals':
          return on((x) => x < from || x >= to);
        case 'lt':
          return on((x) => x < from);
        case 'lte':
          return on((x) => x < to);
        case 'gt':
          return on((x) => x >= to);
        case 'gte':
          return on((x) => x >= from);
      }
    }
  }
  throw invalid(leaf);
}

function textValue(leaf: ValuedLeaf, value: RuleValue): string {
  if (typeof value !== 'string') throw invalid(leaf);
  return value;
}

function idValue(leaf: ValuedLeaf, value: RuleValue): string {
  const digits = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof digits !== 'string' || !isIdDigits(digits)) throw invalid(leaf);
  return digits;
}

/** A validated number value is its decimal text (rules-schema.ts keeps the text as written). */
function ruleNumber(leaf: ValuedLeaf, value: RuleValue): RuleNumber {
  const parsed = typeof value === 'string' ? parseDecimal(value) : undefined;
  if (parsed === undefined || isProblem(parsed) || parsed.value === null) throw invalid(leaf);
  return { value: parsed.value, decimal: toDecimal(parsed.text), inexact: mayBeInexact(parsed.text) };
}

function invalid(leaf: LeafCondition): TypeError {
  return new TypeError(`rule condition ${JSON.stringify(leaf)} was not validated (see validateRules)`);
}
