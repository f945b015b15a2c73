/**
 * RowTally against a plain count: any sequence of SOURCE and SECTOR values (few or many distinct,
 * nulls, spellings that differ only by case and spaces) gives the counts a Map of normalized
 * values gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMN_INDEX, COLUMNS } from '../../../../lambdas/pipeline/columns.js';
import { RowTally } from '../../../../lambdas/pipeline/report/row-tally.js';
import type { ColorRow } from '../../../../lambdas/pipeline/schema.js';

function rowWith(source: string | null, sector: string | null): ColorRow {
  const text: (string | null)[] = COLUMNS.map(() => null);
  text[COLUMN_INDEX.SOURCE] = source;
  text[COLUMN_INDEX.SECTOR] = sector;
  return { sourceRow: 1, text, value: [], cusipKey: 'X' };
}

function plainCounts(values: readonly (string | null)[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const value of values) {
    const key = value === null ? null : value.trim().toUpperCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

const value = fc.oneof(
  fc.constant(null),
  fc.constantFrom('JPM', 'jpm', ' JPM ', 'CITI', 'MS'),
  fc.integer({ min: 0, max: 60 }).map((n) => `D${n}`),
);

describe('RowTally', () => {
  it('counts every value as a plain Map of normalized values does, with few or many distinct values', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 400 }), (pairs) => {
        const tally = new RowTally();
        for (const [source, sector] of pairs) tally.add(rowWith(source, sector));
        const asMap = (counts: { value: string | null; rows: number }[]) =>
          new Map(counts.map(({ value: v, rows }) => [v === null ? null : v.toUpperCase(), rows]));
        expect(asMap(tally.bySource())).toEqual(plainCounts(pairs.map(([source]) => source)));
        expect(asMap(tally.bySector())).toEqual(plainCounts(pairs.map(([, sector]) => sector)));
      }),
      { numRuns: 200 },
    );
  });

  it('lists the most rows first, each value in its most frequent spelling, rows without a value last', () => {
    const tally = new RowTally();
    for (const source of ['jpm', 'JPM', 'JPM ', 'JPM', null, null, null, null, 'CITI']) tally.add(rowWith(source, null));
    expect(tally.bySource()).toEqual([
      { value: 'JPM', rows: 4 },
      { value: 'CITI', rows: 1 },
      { value: null, rows: 4 },
    ]);
  });

  it('gives the same result whatever the rows are split into and merged in (pieces read on worker threads), ties of spelling included', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { maxLength: 300 }), fc.nat(), (pairs, cut) => {
        const whole = new RowTally();
        for (const [source, sector] of pairs) whole.add(rowWith(source, sector));
        const at = pairs.length === 0 ? 0 : cut % pairs.length;
        // The second piece counted first into the merged tally: a different order of first sight.
        const merged = new RowTally();
        for (const piece of [pairs.slice(at), pairs.slice(0, at)]) {
          const tally = new RowTally();
          for (const [source, sector] of piece) tally.add(rowWith(source, sector));
          merged.addCounts(tally.rawCounts());
        }
        expect(merged.bySource()).toEqual(whole.bySource());
        expect(merged.bySector()).toEqual(whole.bySector());
      }),
      { numRuns: 300 },
    );
  });

  it('shows, of spellings equally frequent, the first in code-unit order, whichever was counted first', () => {
    for (const order of [
      ['jpm', 'JPM'],
      ['JPM', 'jpm'],
    ]) {
      const tally = new RowTally();
      for (const source of order) tally.add(rowWith(source, null));
      expect(tally.bySource()).toEqual([{ value: 'JPM', rows: 2 }]);
    }
  });
});
