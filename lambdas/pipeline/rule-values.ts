/**
 * One value of a rule condition, checked for its column's type (docs/rules.md, "Columns" to
 * "Dates"), with the problem worded for the desk analyst who wrote it. rules-schema.ts checks the
 * rest of a rule and says where in the document the value is.
 */
import { COLUMN_TYPES, type ColumnName, type ColumnType } from './columns.js';
import { parseDate } from './date-values.js';
import { compareDecimalTexts, toDecimal } from './decimal.js';
import { dateRange, type RuleValue } from './rules-language.js';
import type { ZoneClock } from './time-zone.js';
import { compareIds, isProblem, PROBLEM_OUT_OF_RANGE, parseDecimal, parseId } from './values.js';

/** A value of each type as a rule writes it. */
export const EXAMPLES: Readonly<Record<ColumnType, string>> = {
  id: '"1234567890123456789"',
  text: '"SMBC"',
  decimal: '99.5',
  integer: '3',
  date: '"2026-11-20" or "2026-11-20T09:30:00"',
};

/** A list of values of each type, for `in`, `notIn` and `between`. */
export const LIST_EXAMPLES: Readonly<Record<ColumnType, string>> = {
  id: '["1234567890123456780", "1234567890123456789"]',
  text: '["ABC", "XYZ"]',
  decimal: '[99.5, 101]',
  integer: '[1, 3]',
  date: '["2026-11-19", "2026-11-20"]',
};

export type ValueCheck = { readonly value: RuleValue } | { readonly problem: string };

/**
 * One value for the column, as the rule keeps it, or why it does not fit. `numberText` is a
 * number's text as the document wrote it (config-document.ts), so that the rule compares exactly:
 * a JSON number beyond a double's digits would otherwise be rounded.
 */
export function checkRuleValue(raw: unknown, column: ColumnName, clock: ZoneClock, numberText: string | undefined): ValueCheck {
  const type = COLUMN_TYPES[column];
  switch (type) {
    case 'text':
      if (typeof raw !== 'string') return { problem: `expected text in quotes for text column ${column}, got ${describe(raw)}` };
      if (raw.trim() === '') {
        const hint = `use "isEmpty" to match rows where ${column} is empty`;
        return { problem: `empty text matches nothing, since an empty value is null (${hint})` };
      }
      return { value: raw };
    case 'decimal':
    case 'integer': {
      if (typeof raw === 'string') {
        const numeric = raw.trim() !== '' && Number.isFinite(Number(raw));
        const hint = numeric ? ` (write ${raw.trim()} without quotes)` : '';
        return { problem: `expected a number for number column ${column}, got the text ${JSON.stringify(raw)}${hint}` };
      }
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        return { problem: `expected a number for number column ${column}, got ${describe(raw)}` };
      }
      // A number from elsewhere than the document is its shortest form.
      const text = numberText ?? String(raw);
      const parsed = parseDecimal(text);
      if (isProblem(parsed)) {
        const why = parsed.problem === PROBLEM_OUT_OF_RANGE ? 'out of range for a number (see docs/rules.md)' : 'not a number';
        return { problem: `${text} is ${why}` };
      }
      if (type === 'integer' && !isWhole(text)) return { problem: `${column} holds whole numbers, and ${text} is not one` };
      return { value: text };
    }
    case 'date': {
      if (typeof raw !== 'string') {
        return { problem: `expected a date in quotes for date column ${column}, such as ${EXAMPLES.date}, got ${describe(raw)}` };
      }
      const parsed = parseDate(raw, clock);
      return isProblem(parsed) ? { problem: `${JSON.stringify(raw)} is ${parsed.problem}` } : { value: raw.trim() };
    }
    case 'id':
      if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return { value: String(raw) };
      if (typeof raw === 'number' && Number.isInteger(raw) && raw > 0) {
        return { problem: `${raw} is too large for a JSON number to hold exactly: write ${column} values as text, such as ${EXAMPLES.id}` };
      }
      if (typeof raw === 'string' && !isProblem(parseId(raw))) return { value: raw.trim() };
      return { problem: `expected a digit string of up to 19 digits for ${column}, such as ${EXAMPLES.id}, got ${describe(raw)}` };
  }
}

/** Whether `low` comes no later than `high` (checked values of one column type): what `between` needs. */
export function inOrder(low: RuleValue, high: RuleValue, type: ColumnType, clock: ZoneClock): boolean {
  if (type === 'decimal' || type === 'integer') return compareDecimalTexts(String(low), String(high)) <= 0;
  if (type === 'id') return compareIds(String(low), String(high)) <= 0;
  const from = dateRange(String(low), clock);
  const to = dateRange(String(high), clock);
  return from !== undefined && to !== undefined && from.from < to.to;
}

/** Whether a decimal text is a whole number (`3`, `3.0`, `3e2`; not `3.5`). */
function isWhole(text: string): boolean {
  const { sign, digits, exponent } = toDecimal(text);
  return sign === 0 || exponent >= digits.length;
}

/** A JSON value as a desk analyst would name it in a sentence. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
