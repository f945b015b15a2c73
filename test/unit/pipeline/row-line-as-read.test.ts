/**
 * RowLineEncoder.rewriteAsRead, the reader's shortcut (parallel/chunk-rows.ts): a row's line made
 * in place from the bytes of the plain CSV line it was read from must be byte for byte the line
 * `encode` makes from its validated text, or be refused (false, nothing written) so the row is
 * encoded instead.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import { RowLineEncoder } from '../../../lambdas/pipeline/ranking/row-line.js';
import { isRejected } from '../../../lambdas/pipeline/schema.js';
import { rowValidator } from '../../helpers/rows.js';

// Spellings a plain ASCII CSV line can hold (no quote, comma or line end): per column, values the
// product writes as read (`same`), and others it rewrites at the same length (a space before the
// time), trims, drops (whitespace only) or would quote (edge spaces in text). Mostly the first, so
// that many records are taken as read.
const SPELLINGS: Partial<Record<ColumnName, { same: readonly string[]; other: readonly string[] }>> = {
  MESSAGE_ID: { same: ['1234567890123456789', '0001'], other: [' 42', '42 '] },
  CUSIP: { same: ['07935GAA7', 'abc'], other: [' abc', 'abc '] },
  DATE: { same: ['2026-11-19T12:21:40', '2026-11-19 12:21:40'], other: ['2026-11-19', ' 2026-11-19', '2026-11-19 12:21:40.5'] },
  DATE_1: { same: ['', '2026-11-20'], other: ['2026-11-20 01:02:03', '   '] },
  PX: { same: ['', '95', '99.50', '-1.3140604467805519E-1'], other: ['+1', ' 95', '1e2'] },
  RANK: { same: ['', '1'], other: ['02', '+3', ' 2'] },
  CONFIDENCE: { same: ['', '3', '10'], other: ['03'] },
  TICKER: { same: ['', 'BBCMS 2025-C32 A4'], other: [' lead', 'trail ', ' ', 'tab\there'] },
  SOURCE: { same: ['', 'CITI', 'citi'], other: [' CITI'] },
  BIAS: { same: ['', 'BWIC COVER'], other: ['BWIC '] },
};
const fieldArb = (column: ColumnName) => {
  const { same, other } = SPELLINGS[column] ?? { same: ['', '1.5'], other: [' 2'] };
  return fc.oneof({ weight: 19, arbitrary: fc.constantFrom(...same) }, { weight: 1, arbitrary: fc.constantFrom(...other) });
};
const recordArb = fc.tuple(...COLUMNS.map(fieldArb));

/** The fields as one plain line inside other bytes, as a piece of a file holds it. */
function asRead(fields: readonly string[]) {
  const line = fields.join(',');
  const bytes = Buffer.from(`junk\n${line}\nmore\n`, 'latin1');
  return { bytes, start: 5, end: 5 + line.length };
}

describe('RowLineEncoder.rewriteAsRead', () => {
  it('makes exactly what encode writes, in place, or refuses and leaves the bytes as they were', () => {
    const validator = rowValidator('America/New_York');
    let taken = 0;
    let refused = 0;
    fc.assert(
      fc.property(recordArb, (fields) => {
        const row = validator.validate({ sourceRow: 1, values: fields });
        if (isRejected(row)) return;
        const { bytes, start, end } = asRead(fields);
        const before = Buffer.from(bytes);
        if (!new RowLineEncoder().rewriteAsRead(row.text, fields, bytes, start, end)) {
          refused++;
          expect(bytes).toEqual(before);
          return;
        }
        taken++;
        expect(bytes.subarray(start, end).toString('latin1')).toBe(new RowLineEncoder().encode(row.text));
        // Nothing outside the record was touched.
        expect(bytes.subarray(0, start)).toEqual(before.subarray(0, start));
        expect(bytes.subarray(end)).toEqual(before.subarray(end));
      }),
      { numRuns: 3000 },
    );
    // Both ways were exercised.
    expect(taken).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });

  it("takes a generated file's line as read, rewriting its dates in place", () => {
    const fields = COLUMNS.map(() => '');
    const set = (column: ColumnName, value: string) => {
      fields[COLUMNS.indexOf(column)] = value;
    };
    set('MESSAGE_ID', '2462672425166211187');
    set('TICKER', 'BBCMS 2025-C32 A4');
    set('CUSIP', '07935GAA7');
    set('DATE', '2026-11-20 12:17:28');
    set('PX', '-1.3140604467805519E-1');
    set('DATE_1', '2026-11-20 01:00:00');
    const row = rowValidator().validate({ sourceRow: 1, values: fields });
    if (isRejected(row)) throw new Error(row.reasons.join('; '));
    const { bytes, start, end } = asRead(fields);
    expect(new RowLineEncoder().rewriteAsRead(row.text, fields, bytes, start, end)).toBe(true);
    expect(bytes.subarray(start, end).toString('latin1')).toBe(
      '2462672425166211187,BBCMS 2025-C32 A4,,07935GAA7,2026-11-20T12:17:28,,,,-1.3140604467805519E-1,,,,,,,,2026-11-20T01:00:00,',
    );
  });

  it('refuses a record of another width', () => {
    const fields = ['1', '', '', 'abc', '2026-11-20'];
    const row = rowValidator().validate({ sourceRow: 1, values: [...fields, ...COLUMNS.slice(5).map(() => '')] });
    if (isRejected(row)) throw new Error(row.reasons.join('; '));
    const { bytes, start, end } = asRead(fields);
    expect(new RowLineEncoder().rewriteAsRead(row.text, fields, bytes, start, end)).toBe(false);
  });
});
