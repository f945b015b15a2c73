/**
 * compileRules(...).match against a tiny reference interpreter, on random rows and random valid
 * rule trees. The reference walks the rule JSON per row and shares nothing with the engine's
 * compiled form: ids compare as BigInt, numbers as exact decimals re-read from the row's text and
 * the rule's text as written (BigInt mantissa and scale, never a double), and a bare date compares
 * by the calendar date of the row's instant in the zone (clock.dateOf) instead of by computed day
 * boundaries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMN_INDEX, COLUMN_TYPES, COLUMNS, type ColumnName, type ColumnType } from '../../../lambdas/pipeline/columns.js';
import { parseDate } from '../../../lambdas/pipeline/date-values.js';
import { parseJsonDocument } from '../../../lambdas/pipeline/json-document.js';
import { compileRules, validateRules } from '../../../lambdas/pipeline/rules.js';
import { type ColorRow, isRejected, RowValidator, resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';
import { isProblem } from '../../../lambdas/pipeline/values.js';

const clock = new ZoneClock('America/New_York');
const validator = new RowValidator(resolveHeader([...COLUMNS], 'test'), clock);

// ── Reference interpreter ─────────────────────────────────────────────────────────────────────

/** Rule JSON as the reference reads it: untyped on purpose, so it shares no types with the engine. */
type Json = any;

function referenceMatches(node: Json, row: ColorRow): boolean {
  if (node.all) return node.all.every((child: Json) => referenceMatches(child, row));
  if (node.any) return node.any.some((child: Json) => referenceMatches(child, row));
  if (node.not) return !referenceMatches(node.not, row);
  const column = node.column as ColumnName;
  const text = row.text[COLUMN_INDEX[column]] ?? null;
  if (node.op === 'isEmpty') return text === null;
  if (node.op === 'isNotEmpty') return text !== null;
  if (text === null) return false;
  const type = COLUMN_TYPES[column];
  if (type === 'text') return textOp(node.op, text.trim().toUpperCase(), node.value);
  if (type === 'date') return dateOp(node.op, row.value[COLUMN_INDEX[column]]!, node.value);
  // Ids as BigInt; numbers read again from the row's text and the rule's, as exact decimals.
  const compare = type === 'id' ? (v: Json) => compareBigInts(BigInt(text), BigInt(v)) : (v: Json) => compareExact(text, numberText(v));
  return orderOp(node.op, compare, node.value);
}

const compareBigInts = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

/** A decimal text as `mantissa × 10^-scale`, in BigInt: exact whatever the digits. */
function exactDecimal(text: string): { mantissa: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`reference: not a decimal ${text}`);
  const fraction = m[3] ?? '';
  const digits = `${m[2]}${fraction}` || '0';
  return { mantissa: BigInt(m[1] === '-' ? `-${digits}` : digits), scale: fraction.length - Number(m[4] ?? 0) };
}

function compareExact(a: string, b: string): number {
  const x = exactDecimal(a);
  const y = exactDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  return compareBigInts(x.mantissa * 10n ** BigInt(scale - x.scale), y.mantissa * 10n ** BigInt(scale - y.scale));
}

/** A number in a generated rule: a JS number, or a {@link DecimalText} written into the JSON as is. */
const numberText = (value: Json): string => (value instanceof DecimalText ? value.text : String(value));

function textOp(op: string, text: string, value: Json): boolean {
  const norm = (v: string): string => v.trim().toUpperCase();
  switch (op) {
    case 'equals':
      return text === norm(value);
    case 'notEquals':
      return text !== norm(value);
    case 'in':
      return value.some((v: string) => norm(v) === text);
    case 'notIn':
      return !value.some((v: string) => norm(v) === text);
    case 'contains':
      return text.includes(norm(value));
    case 'notContains':
      return !text.includes(norm(value));
    case 'startsWith':
      return text.startsWith(norm(value));
    case 'endsWith':
      return text.endsWith(norm(value));
  }
  throw new Error(`reference: ${op} on text`);
}

/** `compare(v)` is the row's value against the rule value `v`: negative, zero or positive. */
function orderOp(op: string, compare: (v: Json) => number, value: Json): boolean {
  switch (op) {
    case 'equals':
      return compare(value) === 0;
    case 'notEquals':
      return compare(value) !== 0;
    case 'in':
      return value.some((v: Json) => compare(v) === 0);
    case 'notIn':
      return !value.some((v: Json) => compare(v) === 0);
    case 'lt':
      return compare(value) < 0;
    case 'lte':
      return compare(value) <= 0;
    case 'gt':
      return compare(value) > 0;
    case 'gte':
      return compare(value) >= 0;
    case 'between':
      return compare(value[0]) >= 0 && compare(value[1]) <= 0;
  }
  throw new Error(`reference: ${op} on a number`);
}

/** A bare date compares by calendar day (YYYY-MM-DD strings order like dates); a date-time by instant. */
function dateOp(op: string, instant: number, value: Json): boolean {
  const day = clock.dateOf(instant);
  const compare = (v: string): number => {
    const parsed = parseDate(v, clock);
    if (isProblem(parsed)) throw new Error(`reference: bad date ${v}`);
    if (parsed.dateOnly) return day < parsed.text ? -1 : day > parsed.text ? 1 : 0;
    return Math.sign(instant - parsed.value);
  };
  switch (op) {
    case 'equals':
      return compare(value) === 0;
    case 'notEquals':
      return compare(value) !== 0;
    case 'in':
      return value.some((v: string) => compare(v) === 0);
    case 'notIn':
      return !value.some((v: string) => compare(v) === 0);
    case 'lt':
      return compare(value) < 0;
    case 'lte':
      return compare(value) <= 0;
    case 'gt':
      return compare(value) > 0;
    case 'gte':
      return compare(value) >= 0;
    case 'between':
      return compare(value[0]) >= 0 && compare(value[1]) <= 0;
  }
  throw new Error(`reference: ${op} on a date`);
}

// ── Generators ────────────────────────────────────────────────────────────────────────────────

const IDS = [
  '1',
  '0001',
  '42',
  '9007199254740992',
  '9007199254740993',
  '09007199254740993',
  '999999999999999999',
  '1000000000000000000',
  '9223372036854775807',
  '9999999999999999999',
];
const WORDS = ['BWIC COVER', 'BID', 'OFFER', 'SMBC', 'ABC', 'XYZ', 'MM-CLO', 'CLO', '912828XG5', '38141GXZ2'];
// With neighbours closer than a double can tell apart: 100.0000000000000001 and 100 are one double.
const NUMBERS = [
  '100',
  '100.00',
  '1e2',
  '99.5',
  '-6.0929999999999998E-2',
  '-0.060929999999999998',
  '-0.06093',
  '0',
  '-1.25',
  '101',
  '100.0000000000000001',
  '100.00000000000001',
  '99.99999999999999999',
  '1.000000000000000000001E2',
  '100.00000000000000010',
];
// RANK starts at 1; whole numbers may be written as a float column writes them.
const INTEGERS = ['1', '2', '3', '3.0', '5', '10'];
// Around the 23-hour (2026-03-08) and 25-hour (2026-11-01) days in New York.
const DAYS = ['2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10', '2026-10-31', '2026-11-01', '2026-11-02'];
const DATE_TIMES = [
  '2026-03-08T00:00:00',
  '2026-03-08T01:59:59',
  '2026-03-08T03:00:00',
  '2026-03-08T23:59:59.999',
  '2026-03-09T00:00:00',
  '2026-11-01T01:30:00',
  '2026-11-01T01:30:00-05:00',
  '2026-11-01T23:30:00',
  '2026-11-02T00:00:00',
  '08-MAR-26 11.30.00 PM',
];
// Local midnights (written in UTC, worked out by hand: EST is UTC-5, EDT UTC-4) and the DST switches.
const ANCHORS = [
  '2026-03-07T05:00:00Z',
  '2026-03-08T05:00:00Z',
  '2026-03-08T07:00:00Z',
  '2026-03-09T04:00:00Z',
  '2026-03-10T04:00:00Z',
  '2026-10-31T04:00:00Z',
  '2026-11-01T04:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-11-02T05:00:00Z',
  '2026-11-03T05:00:00Z',
].map(Date.parse);
const NUDGES = [-3_600_000, -1_800_000, -1, 0, 0, 1, 1_800_000, 3_600_000];
/** Instants at and just around day boundaries, where off-by-one-hour and off-by-one-ms mistakes show. */
const nearBoundary = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.constantFrom(...NUDGES))
  .map(([anchor, nudge]) => new Date(anchor + nudge).toISOString());

/** Case and surrounding-space variants of a word, as feeds write them. */
const variant = (word: string): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom('', ' ', '  '), fc.constantFrom('upper', 'lower', 'mixed'), fc.constantFrom('', ' ', '\t'))
    .map(([before, casing, after]) => {
      const cased =
        casing === 'upper'
          ? word.toUpperCase()
          : casing === 'lower'
            ? word.toLowerCase()
            : [...word].map((c, i) => (i % 2 ? c.toLowerCase() : c)).join('');
      return before + cased + after;
    });

const anyId = fc.oneof(
  { arbitrary: fc.constantFrom(...IDS), weight: 4 },
  { arbitrary: fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }).map(String), weight: 1 },
);
const instant = fc.integer({ min: Date.UTC(2026, 2, 6), max: Date.UTC(2026, 2, 11) }).map((ms) => new Date(ms).toISOString());
const anyDate = fc.oneof(
  { arbitrary: fc.constantFrom(...DAYS, ...DATE_TIMES), weight: 1 },
  { arbitrary: nearBoundary, weight: 3 },
  { arbitrary: instant, weight: 1 },
);

function rawValue(type: ColumnType): fc.Arbitrary<string> {
  switch (type) {
    case 'id':
      return anyId;
    case 'text':
      return fc.constantFrom(...WORDS).chain(variant);
    case 'decimal':
      return fc.oneof(
        fc.constantFrom(...NUMBERS),
        fc.integer({ min: -200, max: 200 }).map((n) => String(n / 4)),
      );
    case 'integer':
      return fc.constantFrom(...INTEGERS);
    case 'date':
      return anyDate;
  }
}

const REQUIRED: readonly ColumnName[] = ['MESSAGE_ID', 'CUSIP', 'DATE'];

const rowArb: fc.Arbitrary<ColorRow> = fc
  .tuple(
    ...COLUMNS.map((column) => {
      const value = rawValue(COLUMN_TYPES[column]);
      return REQUIRED.includes(column) ? value : fc.oneof(value, fc.constantFrom<string | null>(null, '', '  '));
    }),
  )
  .map((values) => {
    const row = validator.validate({ sourceRow: 1, values });
    if (isRejected(row)) throw new Error(`generator made an invalid row: ${row.reasons.join('; ')}`);
    return row;
  });

/** A rule value for the column: mostly from the same pools as rows, so ties are common. */
function ruleValue(type: ColumnType): fc.Arbitrary<Json> {
  switch (type) {
    case 'id':
      return fc.oneof(anyId, fc.integer({ min: 0, max: 50 }));
    case 'text':
      return fc.oneof(fc.constantFrom(...WORDS, 'BWIC', 'COVER', 'C', 'XG5', '9128').chain(variant));
    case 'decimal':
      return fc.oneof(
        rawValue('decimal').map((text) => new DecimalText(text)),
        fc.double({ min: -300, max: 300, noNaN: true }).filter(inRange),
      );
    case 'integer':
      return fc.integer({ min: -1, max: 11 });
    case 'date':
      return fc.oneof(fc.constantFrom(...DAYS), fc.constantFrom(...DAYS), anyDate);
  }
}

/** Subnormal doubles (below 2.2e-308) are out of range for a number (docs/rules.md). */
const inRange = (value: number): boolean => value === 0 || Math.abs(value) >= 2.2250738585072014e-308;

/** Whether between's two ends are in order, so that the generated range is never empty. */
function inOrder(type: ColumnType, a: Json, b: Json): boolean {
  if (type === 'id') return BigInt(a) <= BigInt(b);
  if (type === 'date') return (parseDate(a, clock) as { value: number }).value <= (parseDate(b, clock) as { value: number }).value;
  return compareExact(numberText(a), numberText(b)) <= 0;
}

const OPS_BY_TYPE: Readonly<Record<ColumnType, readonly string[]>> = {
  text: ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'contains', 'notContains', 'startsWith', 'endsWith'],
  id: ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'lt', 'lte', 'gt', 'gte', 'between'],
  decimal: ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'lt', 'lte', 'gt', 'gte', 'between'],
  integer: ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'lt', 'lte', 'gt', 'gte', 'between'],
  date: ['equals', 'notEquals', 'in', 'notIn', 'isEmpty', 'isNotEmpty', 'lt', 'lte', 'gt', 'gte', 'between'],
};

/** One condition with each operator the column takes, all on the same drawn values. */
const everyOpOn = (columns: readonly ColumnName[]): fc.Arbitrary<Json[]> =>
  fc.constantFrom(...columns).chain((column) => {
    const type = COLUMN_TYPES[column];
    return fc
      .record({
        single: ruleValue(type),
        list: fc.array(ruleValue(type), { minLength: 1, maxLength: 4 }),
        pair: fc.tuple(ruleValue(type), ruleValue(type)),
      })
      .map(({ single, list, pair: [a, b] }) =>
        OPS_BY_TYPE[type].map((op) => {
          if (op === 'isEmpty' || op === 'isNotEmpty') return { column, op };
          if (op === 'in' || op === 'notIn') return { column, op, value: list };
          if (op === 'between') return { column, op, value: inOrder(type, a, b) ? [a, b] : [b, a] };
          return { column, op, value: single };
        }),
      );
  });

const leafOn = (columns: readonly ColumnName[]): fc.Arbitrary<Json> => everyOpOn(columns).chain((leaves) => fc.constantFrom(...leaves));

const leafArb = leafOn(COLUMNS);

const conditionArb: fc.Arbitrary<Json> = fc.letrec<{ node: Json }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('node').map((not) => ({ not })),
  ),
})).node;

const rulesArb = fc
  .array(fc.record({ active: fc.boolean(), when: conditionArb }), { minLength: 1, maxLength: 5 })
  .map((rules) => rules.map((rule, index) => ({ name: `rule-${index}`, ...rule })));

/** A decimal rule value kept as text: written into the document's JSON digit for digit. */
class DecimalText {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `\u0000${this.text}\u0000`;
  }
}

/**
 * Validates a generated rules list as the config loader does: as JSON text, so that each number
 * keeps the digits it was written with (a DecimalText goes in unquoted).
 */
function validate(document: Json) {
  const json = JSON.stringify({ rules: document }).replace(/"\\u0000(.*?)\\u0000"/g, '$1');
  const { value, numberTexts } = parseJsonDocument(json, 100);
  return validateRules((value as { rules: unknown }).rules, 'rules', clock, numberTexts);
}

// ── Properties ────────────────────────────────────────────────────────────────────────────────

describe('compileRules(...).match agrees with a reference interpreter', () => {
  it('on random rows and random valid rule trees', () => {
    fc.assert(
      fc.property(rulesArb, fc.array(rowArb, { minLength: 1, maxLength: 8 }), (document, rows) => {
        const { rules, issues } = validate(document);
        expect(issues).toEqual([]);
        const compiled = compileRules(rules, clock);
        expect(compiled.activeRuleNames).toEqual(document.filter((rule) => rule.active).map((rule) => rule.name));
        for (const row of rows) {
          const expected = document.filter((rule) => rule.active && referenceMatches(rule.when, row)).map((rule) => rule.name);
          expect(compiled.match(row)).toEqual(expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  it.each<[string, ColumnName[]]>([
    ['id', ['MESSAGE_ID']],
    ['text', ['CUSIP', 'BIAS']],
    ['number', ['PX', 'PERCENT_DIFF', 'RANK']],
    ['date', ['DATE', 'DATE_1']],
  ])('on every %s operator, many times over (boundaries and ties)', (_type, columns) => {
    fc.assert(
      fc.property(everyOpOn(columns), rowArb, (leaves, row) => {
        const document = leaves.flatMap((leaf, index) => [
          { name: `${leaf.op}-${index}`, when: leaf },
          { name: `not-${leaf.op}-${index}`, when: { not: leaf } },
        ]);
        const { rules, issues } = validate(document);
        expect(issues).toEqual([]);
        const expected = document.filter((rule) => referenceMatches(rule.when, row)).map((rule) => rule.name);
        expect(compileRules(rules, clock).match(row)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('the generators exercise both outcomes of every operator (so the property is not vacuous)', () => {
    const outcomes = new Map<string, Set<boolean>>();
    for (const [leaf, row] of fc.sample(fc.tuple(leafArb, rowArb), { numRuns: 20000, seed: 20261120 })) {
      const key = `${COLUMN_TYPES[leaf.column as ColumnName]}:${leaf.op}`;
      const seen = outcomes.get(key) ?? new Set<boolean>();
      seen.add(referenceMatches(leaf, row));
      outcomes.set(key, seen);
    }
    const oneSided = [...outcomes].filter(([, seen]) => seen.size < 2).map(([key]) => key);
    // MESSAGE_ID is required, so it is never empty.
    expect(oneSided.sort()).toEqual(['id:isEmpty', 'id:isNotEmpty']);
    expect(outcomes.size).toBe(Object.values(OPS_BY_TYPE).reduce((sum, ops) => sum + ops.length, 0));
  });
});
