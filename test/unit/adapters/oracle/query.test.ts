import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildColorQuery, dateOnlyWhenMidnight, quoteIdentifier, sessionSetupSql } from '../../../../lambdas/adapters/oracle/query.js';
import { ConfigError, SettingsError } from '../../../../lambdas/errors.js';
import { COLUMNS, type ColumnName } from '../../../../lambdas/pipeline/columns.js';
import { ORACLE_IDENTIFIER, parseConfig } from '../../../../lambdas/pipeline/config.js';
import { runWindow } from '../../../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../../../lambdas/pipeline/time-zone.js';

const config = parseConfig(JSON.stringify({ rules: [], columns: { DATE: 'COLOR_DATE' } }), 'test.json').config;
const window = runWindow('2026-11-20', 2, new ZoneClock('America/New_York'));
const input = { schema: 'market', table: 'Colors', columns: config.columns, window };

describe('buildColorQuery', () => {
  it('selects every mapped column from the quoted schema.table, dates as TO_CHAR, window as binds', () => {
    const query = buildColorQuery(input);
    expect(query.sql).toBe(
      [
        'SELECT "MESSAGE_ID", "TICKER", "SECTOR", "CUSIP", TO_CHAR("COLOR_DATE"), "PRICE_LEVEL", "BID", "ASK", "PX", "COV_PRICE", ' +
          '"PERCENT_DIFF", "PRICE_DIFF", "SOURCE", "BIAS", "RANK", "CONFIDENCE", TO_CHAR("DATE_1"), "DIFF_STATUS"',
        'FROM "MARKET"."COLORS"',
        `WHERE "COLOR_DATE" >= TO_DATE(:window_start, 'YYYY-MM-DD"T"HH24:MI:SS')`,
        `AND "COLOR_DATE" < TO_DATE(:window_end, 'YYYY-MM-DD"T"HH24:MI:SS')`,
      ].join('\n'),
    );
    expect(query.binds).toEqual({ window_start: '2026-11-19T00:00:00', window_end: '2026-11-21T00:00:00' });
    expect(query.header).toEqual([...COLUMNS]);
    expect(query.dateColumns).toEqual([COLUMNS.indexOf('DATE'), COLUMNS.indexOf('DATE_1')]);
    expect(query.target).toBe('MARKET.COLORS');
  });

  it('never puts a window value in the SQL text', () => {
    const { sql } = buildColorQuery(input);
    for (const value of [window.startLocal, window.endLocal, window.start, window.end, '2026-11-19', '2026-11-21']) {
      expect(sql).not.toContain(value);
    }
  });

  it('refuses a malicious table or schema name before building anything, without echoing it', () => {
    const evil = 'COLORS" WHERE 1=1; DROP TABLE X --';
    expect(() => buildColorQuery({ ...input, table: evil })).toThrow(SettingsError);
    expect(() => buildColorQuery({ ...input, table: evil })).toThrow(/table parameter is not a valid Oracle identifier/);
    expect(() => buildColorQuery({ ...input, table: evil })).not.toThrow(/DROP/);
    expect(() => buildColorQuery({ ...input, schema: 'a.b' })).toThrow(/schema parameter/);
    expect(() => buildColorQuery({ ...input, table: '' })).toThrow(SettingsError);
  });

  it('refuses an invalid physical column name as a config error naming the column', () => {
    const columns = { ...config.columns, PX: 'PX", (SELECT password FROM dba_users) "' } as Record<ColumnName, string>;
    const error = (() => {
      try {
        buildColorQuery({ ...input, columns });
      } catch (caught) {
        return caught;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues[0]?.path).toBe('columns.PX');
  });

  it('refuses window bounds that are not local wall-clock times', () => {
    expect(() => buildColorQuery({ ...input, window: { startLocal: "2026-11-19' OR '1'='1", endLocal: window.endLocal } })).toThrow(
      RangeError,
    );
  });

  it('only ever lets a validated identifier into the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (table) => {
        try {
          const { sql } = buildColorQuery({ ...input, table });
          return ORACLE_IDENTIFIER.test(table) && sql.includes(`"MARKET"."${table.toUpperCase()}"`);
        } catch (error) {
          return error instanceof SettingsError && !ORACLE_IDENTIFIER.test(table);
        }
      }),
    );
  });
});

describe('quoteIdentifier', () => {
  it('upper-cases as Oracle resolves unquoted names and quotes reserved words safely', () => {
    expect(quoteIdentifier('date')).toBe('"DATE"');
    expect(quoteIdentifier('Color_Date$1#')).toBe('"COLOR_DATE$1#"');
    expect(() => quoteIdentifier('1ABC')).toThrow(RangeError);
    expect(() => quoteIdentifier('A'.repeat(129))).toThrow(RangeError);
  });
});

describe('sessionSetupSql', () => {
  it('sets ISO formats for every date type, a period decimal separator and the desk zone', () => {
    expect(sessionSetupSql('America/New_York')).toBe(
      `ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF9' ` +
        `NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF9TZH:TZM' NLS_NUMERIC_CHARACTERS = '.,' TIME_ZONE = 'America/New_York'`,
    );
    expect(sessionSetupSql('Etc/GMT+5')).toContain("TIME_ZONE = 'Etc/GMT+5'");
    expect(sessionSetupSql('America/Port-au-Prince')).toContain("'America/Port-au-Prince'");
  });

  it('refuses anything that is not an IANA-style name', () => {
    expect(() => sessionSetupSql("UTC' NLS_LANGUAGE='x")).toThrow(RangeError);
    expect(() => sessionSetupSql('')).toThrow(RangeError);
  });
});

describe('dateOnlyWhenMidnight', () => {
  it.each([
    ['2026-11-20T00:00:00', '2026-11-20'],
    ['2026-11-20T00:00:00.000000000', '2026-11-20'],
    ['2026-11-20T00:00:00.000000001', '2026-11-20T00:00:00.000000001'],
    ['2026-11-20T12:17:28', '2026-11-20T12:17:28'],
    ['2026-11-20T00:00:00.000000000-05:00', '2026-11-20T00:00:00.000000000-05:00'],
    ['20-NOV-26', '20-NOV-26'],
  ])('%s → %s', (text, expected) => {
    expect(dateOnlyWhenMidnight(text)).toBe(expected);
  });
});
