import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../lambdas/errors.js';
import { COLUMNS } from '../../../lambdas/pipeline/columns.js';
import { isRejected, type RejectedRow, RowValidator, resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

const clock = new ZoneClock('America/New_York');

describe('resolveHeader', () => {
  it('matches names case-insensitively, ignoring spaces and a BOM', () => {
    const mapping = resolveHeader(['\uFEFFmessage_id', ' Cusip ', 'date', 'px'], 'test.csv');
    expect(mapping.positions[COLUMNS.indexOf('MESSAGE_ID')]).toBe(0);
    expect(mapping.positions[COLUMNS.indexOf('CUSIP')]).toBe(1);
    expect(mapping.positions[COLUMNS.indexOf('PX')]).toBe(3);
    expect(mapping.positions[COLUMNS.indexOf('BID')]).toBe(-1);
  });

  it('names every missing required column', () => {
    expect(() => resolveHeader(['TICKER', 'PX'], 'in.csv')).toThrow(SourceError);
    expect(() => resolveHeader(['TICKER', 'PX'], 'in.csv')).toThrow(
      'in.csv: the header lacks the required columns MESSAGE_ID, CUSIP, DATE',
    );
    expect(() => resolveHeader(['MESSAGE_ID', 'CUSIP'], 'in.csv')).toThrow('lacks the required column DATE (found: MESSAGE_ID, CUSIP)');
  });

  it('lists extra columns and refuses a column named twice', () => {
    expect(resolveHeader(['MESSAGE_ID', 'CUSIP', 'DATE', 'trader', 'desk'], 'x').extraColumns).toEqual(['trader', 'desk']);
    expect(() => resolveHeader(['MESSAGE_ID', 'CUSIP', 'DATE', 'cusip'], 'x')).toThrow('column "cusip" appears twice');
  });
});

describe('RowValidator', () => {
  const header = ['MESSAGE_ID', 'CUSIP', 'DATE', 'PX', 'RANK', 'CONFIDENCE', 'SOURCE', 'extra'];
  const validator = new RowValidator(resolveHeader(header, 'test'), clock);

  it('turns a valid record into typed values and keeps text untouched', () => {
    const row = validator.validate({
      sourceRow: 1,
      values: ['1234567890123456789', ' abc123xy9 ', '2026-11-20 10:00:00', '99.5', '2', '', ' SMBC ', 'ignored'],
    });
    expect(isRejected(row)).toBe(false);
    if (isRejected(row)) return;
    expect(row.cusipKey).toBe('ABC123XY9');
    expect(row.text[COLUMNS.indexOf('MESSAGE_ID')]).toBe('1234567890123456789');
    expect(row.text[COLUMNS.indexOf('CUSIP')]).toBe(' abc123xy9 ');
    expect(row.text[COLUMNS.indexOf('SOURCE')]).toBe(' SMBC ');
    expect(row.text[COLUMNS.indexOf('DATE')]).toBe('2026-11-20T10:00:00');
    expect(row.value[COLUMNS.indexOf('PX')]).toBe(99.5);
    expect(row.text[COLUMNS.indexOf('CONFIDENCE')]).toBeNull();
    expect(row.text[COLUMNS.indexOf('BID')]).toBeNull();
  });

  it('rejects with every problem named by column, keeping the raw values', () => {
    const row = validator.validate({ sourceRow: 7, values: ['12x', '  ', '2026-02-30', 'abc', '1.5', '11', 'GS', ''] }) as RejectedRow;
    expect(isRejected(row)).toBe(true);
    expect(row.sourceRow).toBe(7);
    expect(row.reasons).toEqual([
      'MESSAGE_ID: not an integer id of up to 19 digits',
      'CUSIP: missing (required)',
      'DATE: not a calendar date',
      'PX: not a number',
      'RANK: not an integer',
      'CONFIDENCE: not between 0 and 10',
    ]);
    expect(row.raw[COLUMNS.indexOf('MESSAGE_ID')]).toBe('12x');
    expect(row.raw[COLUMNS.indexOf('CUSIP')]).toBe('  ');
    expect(row.raw[COLUMNS.indexOf('SOURCE')]).toBe('GS');
  });

  it('takes RANK from 1 up, as a whole number, written 2 or 2.0', () => {
    const rank = (text: string) => validator.validate({ sourceRow: 1, values: ['1', 'A', '2026-11-20', '', text, '', '', ''] });
    for (const bad of ['-3', '0', '-0'])
      expect((rank(bad) as RejectedRow).reasons, bad).toEqual(['RANK: not a rank (a whole number from 1, the best)']);
    for (const bad of ['1.5', '2e0']) expect((rank(bad) as RejectedRow).reasons, bad).toEqual(['RANK: not an integer']);
    const whole = rank('2.0');
    expect(isRejected(whole)).toBe(false);
    if (!isRejected(whole)) expect([whole.text[COLUMNS.indexOf('RANK')], whole.value[COLUMNS.indexOf('RANK')]]).toEqual(['2.0', 2]);
  });

  it('rejects a malformed record with its own problem', () => {
    const row = validator.validate({ sourceRow: 3, values: ['1', 'A', '2026-11-20'], problem: 'has 3 fields, the header has 8' });
    expect(row).toMatchObject({ sourceRow: 3, reasons: ['has 3 fields, the header has 8'] });
  });
});
