import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMN_TYPES, COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import { DEFAULT_RANKING_ORDER, type RankingKey } from '../../../lambdas/pipeline/ranking/order.js';
import type { ColorRow } from '../../../lambdas/pipeline/schema.js';
import { type RankedRow, rankThroughTable as rankColors } from '../../helpers/ranking-reference.js';
import { colorRow } from '../../helpers/rows.js';

const col = (row: ColorRow, column: ColumnName) => row.text[COLUMNS.indexOf(column)];

function summary(ranked: readonly RankedRow[]) {
  return ranked.map(({ row, position, parentMessageId, childrenCount }) => ({
    cusip: col(row, 'CUSIP'),
    id: col(row, 'MESSAGE_ID'),
    position,
    parentMessageId,
    childrenCount,
  }));
}

describe('ranking', () => {
  it('orders by Rank, then newest Date, then highest Px, and marks the parent', () => {
    const rows = [
      colorRow({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '2026-11-20T10:00:00', RANK: '2', PX: '99' }),
      colorRow({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20T09:00:00', RANK: '1', PX: '98' }),
      colorRow({ MESSAGE_ID: '3', CUSIP: 'AAA', DATE: '2026-11-20T11:00:00', RANK: '1', PX: '97' }),
      colorRow({ MESSAGE_ID: '4', CUSIP: 'AAA', DATE: '2026-11-20T11:00:00', RANK: '1', PX: '101' }),
    ];
    const { ranked, groups } = rankColors(rows, DEFAULT_RANKING_ORDER);
    expect(groups).toBe(1);
    expect(summary(ranked)).toEqual([
      { cusip: 'AAA', id: '4', position: 1, parentMessageId: null, childrenCount: 3 },
      { cusip: 'AAA', id: '3', position: 2, parentMessageId: '4', childrenCount: 0 },
      { cusip: 'AAA', id: '2', position: 3, parentMessageId: '4', childrenCount: 0 },
      { cusip: 'AAA', id: '1', position: 4, parentMessageId: '4', childrenCount: 0 },
    ]);
  });

  it('groups CUSIPs trimmed and upper-cased, and orders groups by that key', () => {
    const rows = [
      colorRow({ MESSAGE_ID: '1', CUSIP: ' bbb ', DATE: '2026-11-20' }),
      colorRow({ MESSAGE_ID: '2', CUSIP: 'AAA', DATE: '2026-11-20' }),
      colorRow({ MESSAGE_ID: '3', CUSIP: 'BBB', DATE: '2026-11-20' }),
    ];
    const { ranked, groups } = rankColors(rows, DEFAULT_RANKING_ORDER);
    expect(groups).toBe(2);
    expect(summary(ranked).map((r) => [r.cusip, r.position])).toEqual([
      ['AAA', 1],
      [' bbb ', 1],
      ['BBB', 2],
    ]);
  });

  it('puts nulls last whatever the direction', () => {
    const rows = [
      colorRow({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', PX: null }),
      colorRow({ MESSAGE_ID: '2', CUSIP: 'A', DATE: '2026-11-20', PX: '1' }),
    ];
    for (const direction of ['asc', 'desc'] as const) {
      const { ranked } = rankColors(rows, [{ column: 'PX', direction }]);
      expect(ranked.map((r) => col(r.row, 'MESSAGE_ID'))).toEqual(['2', '1']);
    }
  });

  it('breaks ties by MESSAGE_ID numerically, beyond 2^53', () => {
    const rows = [
      colorRow({ MESSAGE_ID: '9007199254740993', CUSIP: 'A', DATE: '2026-11-20' }),
      colorRow({ MESSAGE_ID: '10000000000000000000'.slice(0, 19), CUSIP: 'A', DATE: '2026-11-20' }),
      colorRow({ MESSAGE_ID: '9007199254740992', CUSIP: 'A', DATE: '2026-11-20' }),
    ];
    const { ranked } = rankColors(rows, DEFAULT_RANKING_ORDER);
    expect(ranked.map((r) => col(r.row, 'MESSAGE_ID'))).toEqual(['9007199254740992', '9007199254740993', '1000000000000000000']);
  });

  it('orders prices a double cannot tell apart by their exact value', () => {
    // 100.0000000000000001 and 100 are one double; PX desc still puts the higher first, whatever the ids say.
    const rows = [
      colorRow({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', PX: '100' }),
      colorRow({ MESSAGE_ID: '2', CUSIP: 'A', DATE: '2026-11-20', PX: '100.0000000000000001' }),
      colorRow({ MESSAGE_ID: '3', CUSIP: 'A', DATE: '2026-11-20', PX: '99.99999999999999999' }),
      colorRow({ MESSAGE_ID: '4', CUSIP: 'A', DATE: '2026-11-20', PX: '1.00000000000000000010E2' }),
    ];
    expect(rankColors(rows, [{ column: 'PX', direction: 'desc' }]).ranked.map((r) => col(r.row, 'MESSAGE_ID'))).toEqual([
      '2',
      '4',
      '1',
      '3',
    ]);
    expect(rankColors(rows, [{ column: 'PX', direction: 'asc' }]).ranked.map((r) => col(r.row, 'MESSAGE_ID'))).toEqual([
      '3',
      '1',
      '4',
      '2',
    ]);
  });

  it('orders text keys trimmed and case-insensitively', () => {
    const rows = [
      colorRow({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', SOURCE: 'smbc' }),
      colorRow({ MESSAGE_ID: '2', CUSIP: 'A', DATE: '2026-11-20', SOURCE: ' Barc' }),
    ];
    const { ranked } = rankColors(rows, [{ column: 'SOURCE', direction: 'asc' }]);
    expect(ranked.map((r) => col(r.row, 'SOURCE'))).toEqual([' Barc', 'smbc']);
  });
});

// ---- property tests against a small, obviously-correct reference ----

const cusips = ['abc123xy9', 'ABC123XY9', ' abc123xy9 ', 'ZZZ999ZZ1', 'zzz999zz1  ', 'MMM000MM0'];
const fieldArb = {
  MESSAGE_ID: fc.oneof(
    fc.constantFrom('1', '9007199254740993', '9223372036854775807', '1234567890123456789'),
    fc.bigInt({ min: 1n, max: 10n ** 19n - 1n }).map(String),
  ),
  CUSIP: fc.constantFrom(...cusips),
  DATE: fc.constantFrom('2026-11-19', '2026-11-20', '2026-11-20T09:00:00', '2026-11-20T17:30:00'),
  RANK: fc.option(fc.constantFrom('1', '2', '3'), { nil: null }),
  // Neighbours a double cannot tell apart (100.0000000000000001 is the double 100), and equal values written differently.
  PX: fc.option(
    fc.constantFrom(
      '99.5',
      '99.50',
      '100',
      '1.005E2',
      '-1',
      '100.0000000000000001',
      '100.00000000000000010',
      '1.000000000000000000001E2',
      '99.99999999999999999',
      '100.5000000000000000001',
      '-0',
      '0.0',
    ),
    { nil: null },
  ),
  SOURCE: fc.option(fc.constantFrom('SMBC', 'smbc ', 'JPM', 'barc'), { nil: null }),
  BIAS: fc.option(fc.constantFrom('BID', 'OFFER', 'BWIC COVER'), { nil: null }),
  DATE_1: fc.option(fc.constantFrom('2026-11-18', '2026-11-20'), { nil: null }),
};
const rowArb = fc.record(fieldArb);
const orderArb = fc.oneof(
  fc.constant(DEFAULT_RANKING_ORDER),
  fc.uniqueArray(
    fc.record({
      column: fc.constantFrom<ColumnName>('RANK', 'DATE', 'PX', 'SOURCE', 'BIAS', 'DATE_1', 'MESSAGE_ID'),
      direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
    }),
    { minLength: 1, maxLength: 4, selector: (key) => key.column },
  ),
);

/** A decimal text as an exact rational `mantissa / 10^SCALE` in BigInt (the test values need no more than SCALE places). */
const SCALE = 40;
function exactDecimal(text: string): bigint {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim())!;
  const fraction = m[3] ?? '';
  const shift = SCALE - fraction.length + Number(m[4] ?? 0);
  const mantissa = BigInt(`${m[2]}${fraction}` || '0') * (m[1] === '-' ? -1n : 1n);
  return shift >= 0 ? mantissa * 10n ** BigInt(shift) : mantissa / 10n ** BigInt(-shift);
}

/** Reference: compare by definition, straight from the spec, with BigInt ids and decimals, and Date.parse dates (UTC clock). */
function referenceRank(rows: ColorRow[], order: readonly RankingKey[]) {
  const keyOf = (row: ColorRow, column: ColumnName): bigint | number | string | null => {
    const text = col(row, column);
    if (text === null || text === undefined) return null;
    switch (COLUMN_TYPES[column]) {
      case 'id':
        return BigInt(text);
      case 'text':
        return text.trim().toUpperCase();
      case 'date':
        return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : `${text}Z`);
      case 'decimal':
        return exactDecimal(text);
      default:
        return Number(text);
    }
  };
  const cmp = (x: bigint | number | string, y: bigint | number | string) => (x < y ? -1 : x > y ? 1 : 0);
  const compare = (a: ColorRow, b: ColorRow): number => {
    const keys: RankingKey[] = [...order, { column: 'MESSAGE_ID', direction: 'asc' }];
    for (const { column, direction } of keys) {
      const x = keyOf(a, column);
      const y = keyOf(b, column);
      if (x === null && y === null) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      const c = cmp(x, y);
      if (c !== 0) return direction === 'asc' ? c : -c;
    }
    for (const column of COLUMNS) {
      const x = col(a, column) ?? null;
      const y = col(b, column) ?? null;
      if (x === y) continue;
      if (x === null) return 1;
      if (y === null) return -1;
      return cmp(x, y);
    }
    return 0;
  };
  const groups = new Map<string, ColorRow[]>();
  for (const row of rows) {
    const key = col(row, 'CUSIP')!.trim().toUpperCase();
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.keys()].sort().flatMap((key) => {
    const sorted = [...groups.get(key)!].sort(compare);
    return sorted.map((row, index) => ({
      text: row.text,
      position: index + 1,
      parentMessageId: index === 0 ? null : col(sorted[0]!, 'MESSAGE_ID'),
      childrenCount: index === 0 ? sorted.length - 1 : 0,
    }));
  });
}

describe('ranking properties', () => {
  it('agrees with the reference on random rows, orders and ties', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), orderArb, (fields, order) => {
        const rows = fields.map((f) => colorRow(f));
        const actual = rankColors(rows, order).ranked.map(({ row, position, parentMessageId, childrenCount }) => ({
          text: row.text,
          position,
          parentMessageId,
          childrenCount,
        }));
        expect(actual).toEqual(referenceRank(rows, order));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same output for any input order', () => {
    fc.assert(
      fc.property(
        fc
          .array(rowArb, { minLength: 1, maxLength: 60 })
          .chain((fields) =>
            fc.tuple(fc.constant(fields), fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length })),
          ),
        orderArb,
        ([fields, shuffled], order) => {
          const out = (input: typeof fields) =>
            rankColors(
              input.map((f) => colorRow(f)),
              order,
            ).ranked.map((r) => [r.row.text, r.position, r.parentMessageId, r.childrenCount]);
          expect(out(shuffled)).toEqual(out(fields));
        },
      ),
      { numRuns: 200 },
    );
  });
});
