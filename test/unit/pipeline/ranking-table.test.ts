/**
 * RankingTable (precomputed keys, rows kept as encoded lines) against the plain forms of the same
 * order: the reference comparator over row objects, csvLine for the text, BigInt for ids.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import { csvLine } from '../../../lambdas/pipeline/csv-writer.js';
import { DEFAULT_RANKING_ORDER } from '../../../lambdas/pipeline/ranking/order.js';
import { decodeRowLine, RowLineEncoder } from '../../../lambdas/pipeline/ranking/row-line.js';
import { RowStore } from '../../../lambdas/pipeline/ranking/row-store.js';
import { idHigh, idLow } from '../../../lambdas/pipeline/ranking/sort-keys.js';
import type { ColorRow } from '../../../lambdas/pipeline/schema.js';
import { rankThroughTable as rankColors, referenceGroups as reference } from '../../helpers/ranking-reference.js';
import { colorRow } from '../../helpers/rows.js';

const col = (row: ColorRow, column: ColumnName) => row.text[COLUMNS.indexOf(column)] ?? null;

// Few distinct values per column, so rows tie on every key and the text tie-break decides; text
// that UTF-8 and UTF-16 order differently ('\uFF01' vs an emoji), lone surrogates, quotes, commas.
const text = fc.option(fc.constantFrom('a', 'A', ' a', 'b,c', 'say "x"', '\uFF01', '😀', '\uD800', '\uDFFF', 'é', 'e\u0301', 'line\nend'), {
  nil: null,
});
const rowArb = fc.record({
  MESSAGE_ID: fc.constantFrom('1', '01', '9007199254740993', '9007199254740992', '1234567890123456789', '0000000000000000001'),
  CUSIP: fc.constantFrom('abc', 'ABC ', 'xyz', '\uFF01', '😀'),
  DATE: fc.constantFrom('2026-11-20', '2026-11-20T09:00:00', '2026-11-20T09:00:00.5'),
  RANK: fc.option(fc.constantFrom('1', '2', '+1', '01'), { nil: null }),
  PX: fc.option(fc.constantFrom('99.5', '99.50', '-0', '0', '1e2', '100'), { nil: null }),
  TICKER: text,
  SOURCE: text,
  BIAS: text,
  DATE_1: fc.option(fc.constantFrom('2026-11-18', '2026-11-20T01:02:03'), { nil: null }),
});
const orderArb = fc.oneof(
  fc.constant(DEFAULT_RANKING_ORDER),
  fc.uniqueArray(
    fc.record({
      column: fc.constantFrom<ColumnName>('RANK', 'DATE', 'PX', 'SOURCE', 'TICKER', 'BIAS', 'DATE_1', 'MESSAGE_ID', 'CUSIP'),
      direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
    }),
    { minLength: 1, maxLength: 4, selector: (key) => key.column },
  ),
);

describe('RankingTable', () => {
  it('ranks like the reference comparator, with the same parent and order in every group', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 80 }), orderArb, (fields, order) => {
        const rows = fields.map((f) => colorRow(f));
        const { ranked, groups } = rankColors(rows, order);
        const expected = reference(rows, order);
        expect(groups).toBe(expected.length);
        // Rows that compare equal are identical in every column, so compare their text.
        expect(ranked.map((r) => r.row.text)).toEqual(expected.flat().map((row) => row.text));
        expect(ranked.map((r) => r.parentMessageId)).toEqual(
          expected.flatMap((group) => group.map((_, i) => (i === 0 ? null : col(group[0]!, 'MESSAGE_ID')))),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('keeps each row as the CSV record csvLine writes, and gives its fields back', () => {
    // One encoder and store for all runs: the encoder remembers the last text of each column.
    const encoder = new RowLineEncoder();
    const store = new RowStore();
    fc.assert(
      fc.property(rowArb, (fields) => {
        const row = colorRow(fields);
        const handle = store.add(row.text);
        const line = csvLine(row.text).slice(0, -1);
        expect(encoder.encode(row.text)).toBe(line);
        expect(Buffer.from(store.csvRecord(handle)).equals(Buffer.from(line, 'utf8'))).toBe(true);
        expect(decodeRowLine(line)).toEqual(row.text);
        expect(store.fields(handle)).toEqual(row.text);
        COLUMNS.forEach((_, index) => {
          expect(store.field(handle, index)).toBe(row.text[index] ?? null);
        });
      }),
      { numRuns: 1000 },
    );
  });

  it('orders a tie-break by UTF-16 code units, not by UTF-8 bytes', () => {
    // U+FF01 is EF BC 81 in UTF-8, after the emoji's F0 9F 98 80; in UTF-16, FF01 is after D83D.
    const rows = ['\uFF01', '😀'].map((ticker) => colorRow({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', TICKER: ticker }));
    for (const input of [rows, [...rows].reverse()]) {
      expect(rankColors(input, DEFAULT_RANKING_ORDER).ranked.map((r) => col(r.row, 'TICKER'))).toEqual(['😀', '\uFF01']);
    }
  });

  it('tells apart rows that differ only by a lone surrogate', () => {
    const rows = ['\uD800', '\uD801'].map((ticker) => colorRow({ MESSAGE_ID: '1', CUSIP: 'A', DATE: '2026-11-20', TICKER: ticker }));
    for (const input of [rows, [...rows].reverse()]) {
      expect(rankColors(input, DEFAULT_RANKING_ORDER).ranked.map((r) => col(r.row, 'TICKER'))).toEqual(['\uD800', '\uD801']);
    }
  });

  it('splits ids into two exact parts that compare like BigInt', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }), fc.nat(3), (id, zeros) => {
        const digits = '0'.repeat(zeros) + id.toString();
        expect(BigInt(idHigh(digits)) * 10n ** 10n + BigInt(idLow(digits))).toBe(id);
        expect(Number.isSafeInteger(idHigh(digits)) && Number.isSafeInteger(idLow(digits))).toBe(true);
      }),
    );
  });
});
