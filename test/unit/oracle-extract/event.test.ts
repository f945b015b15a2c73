/** The extract request: table names validated (so nothing SQL-like gets through), rows bounded. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lambdas/errors.js';
import { parseExtractEvent, parseSampleRows, parseTableRef } from '../../../lambdas/oracle-extract/event.js';
import { buildSampleQuery } from '../../../lambdas/oracle-extract/sample.js';

const MALICIOUS = [
  'COLORS; DROP TABLE COLORS',
  'COLORS" WHERE 1=1 --',
  "COLORS' OR '1'='1",
  'MARKET.COLORS.EXTRA',
  '1COLORS',
  'COLORS--',
  'COLORS /* x */',
  '',
  'A'.repeat(129),
];

describe('parseExtractEvent', () => {
  it('defaults to the stage table and 100 rows', () => {
    expect(parseExtractEvent(undefined)).toEqual({ rows: 100 });
    expect(parseExtractEvent({})).toEqual({ rows: 100 });
  });

  it('upper-cases TABLE and OWNER.TABLE as Oracle resolves unquoted names', () => {
    expect(parseExtractEvent({ table: 'colors', rows: 5 })).toEqual({ table: { table: 'COLORS' }, rows: 5 });
    expect(parseExtractEvent({ table: 'market.Colors$1' })).toEqual({ table: { owner: 'MARKET', table: 'COLORS$1' }, rows: 100 });
  });

  it('refuses every name that is not a plain identifier, without echoing it', () => {
    for (const table of MALICIOUS) {
      let error: unknown;
      try {
        parseExtractEvent({ table });
      } catch (caught) {
        error = caught;
      }
      expect(error, table).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/^invalid oracle-extract event: table must be TABLE or OWNER\.TABLE/);
      if (table.length > 3) expect((error as Error).message).not.toContain(table);
    }
  });

  it('bounds rows to 1–10000 whole numbers and rejects unknown keys', () => {
    for (const rows of [0, 10_001, 1.5, -1, '100', null]) {
      expect(() => parseExtractEvent({ rows }), String(rows)).toThrow(/^invalid oracle-extract event: rows: must be/);
    }
    expect(parseExtractEvent({ rows: 10_000 }).rows).toBe(10_000);
    expect(() => parseExtractEvent({ table: 'COLORS', limit: 5 })).toThrow(
      /invalid oracle-extract event: event: Unrecognized key: "limit"|limit/,
    );
  });
});

describe('CLI-side parsing', () => {
  it('parses --rows text strictly', () => {
    expect(parseSampleRows('250', '--rows')).toBe(250);
    for (const text of ['0', '10001', '1e3', '12abc', '', '-5', '1.0'])
      expect(() => parseSampleRows(text, '--rows')).toThrow(/^--rows must be a whole number between 1 and 10000$/);
  });

  it('refuses malicious --table values', () => {
    for (const table of MALICIOUS) expect(() => parseTableRef(table, '--table')).toThrow(UsageError);
  });
});

describe('the sample query', () => {
  it('refuses an owner or table that is not a valid identifier, even if one got past parsing', () => {
    const columns = [
      {
        column_id: 1,
        column_name: 'ID',
        data_type: 'NUMBER',
        data_length: 22,
        char_length: 0,
        data_precision: null,
        data_scale: null,
        nullable: false,
      },
    ];
    expect(() => buildSampleQuery('MARKET', 'COLORS"; DROP', columns, 10)).toThrow(RangeError);
    expect(() => buildSampleQuery('MARKET', 'COLORS', [{ ...columns[0]!, column_name: 'A"B' }], 10)).toThrow(/cannot be quoted/);
  });

  it('quotes mixed-case dictionary column names exactly', () => {
    const columns = [
      {
        column_id: 1,
        column_name: 'Trade Date',
        data_type: 'TIMESTAMP(6)',
        data_length: 11,
        char_length: 0,
        data_precision: null,
        data_scale: 6,
        nullable: true,
      },
    ];
    expect(buildSampleQuery('market', 'colors', columns, 10).sql).toBe(
      'SELECT TO_CHAR("Trade Date") AS "Trade Date"\nFROM "MARKET"."COLORS"\nWHERE ROWNUM <= :max_rows',
    );
  });
});
