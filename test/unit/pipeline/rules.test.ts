import { describe, expect, it } from 'vitest';
import { COLUMNS, type ColumnName } from '../../../lambdas/pipeline/columns.js';
import { parseConfig } from '../../../lambdas/pipeline/config.js';
import { type CompiledRules, compileRules, validateRules } from '../../../lambdas/pipeline/rules.js';
import { type ColorRow, isRejected, RowValidator, resolveHeader } from '../../../lambdas/pipeline/schema.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

type Fields = Partial<Record<ColumnName, string | null>>;

const NEW_YORK = new ZoneClock('America/New_York');

/** A row as the real validator produces it; required columns get defaults unless given. */
function row(fields: Fields, clock = NEW_YORK): ColorRow {
  const all: Fields = { MESSAGE_ID: '1', CUSIP: '912828XG5', DATE: '2026-11-20', ...fields };
  const validator = new RowValidator(resolveHeader([...COLUMNS], 'test'), clock);
  const result = validator.validate({ sourceRow: 1, values: COLUMNS.map((column) => all[column] ?? null) });
  if (isRejected(result)) throw new Error(`test row rejected: ${result.reasons.join('; ')}`);
  return result;
}

function compile(rules: unknown, clock = NEW_YORK): CompiledRules {
  const validated = validateRules(rules, 'rules', clock);
  expect(validated.issues).toEqual([]);
  return compileRules(validated.rules, clock);
}

function matches(when: unknown, fields: Fields, clock = NEW_YORK): boolean {
  return compile([{ name: 'r', when }], clock).match(row(fields, clock)).length === 1;
}

/** A rule condition written as JSON text, loaded as a config document is: numbers keep their digits. */
function matchesDocument(when: string, fields: Fields): boolean {
  const { config } = parseConfig(`{"rules": [{"name": "r", "when": ${when}}], "window": {"timeZone": "America/New_York"}}`, 'rules.json');
  return compileRules(config.rules, NEW_YORK).match(row(fields)).length === 1;
}

const cond = (column: ColumnName, op: string, value?: unknown): Record<string, unknown> =>
  value === undefined ? { column, op } : { column, op, value };

describe('text columns', () => {
  it('equals trims and ignores case on both sides', () => {
    expect(matches(cond('BIAS', 'equals', 'BWIC COVER'), { BIAS: '  bwic cover ' })).toBe(true);
    expect(matches(cond('BIAS', 'equals', ' Bwic Cover  '), { BIAS: 'BWIC COVER' })).toBe(true);
    expect(matches(cond('BIAS', 'equals', 'BWIC COVER'), { BIAS: 'BWIC  COVER' })).toBe(false); // inner spaces count
    expect(matches(cond('BIAS', 'equals', 'BWIC'), { BIAS: 'BWIC COVER' })).toBe(false);
  });

  it('notEquals is the complement of equals on non-null values', () => {
    expect(matches(cond('SOURCE', 'notEquals', 'smbc'), { SOURCE: ' SMBC' })).toBe(false);
    expect(matches(cond('SOURCE', 'notEquals', 'smbc'), { SOURCE: 'ABC' })).toBe(true);
  });

  it('in and notIn compare each listed value trimmed and case-insensitively', () => {
    const inList = cond('SOURCE', 'in', ['ABC', ' xyz ']);
    expect(matches(inList, { SOURCE: 'XYZ' })).toBe(true);
    expect(matches(inList, { SOURCE: 'abc ' })).toBe(true);
    expect(matches(inList, { SOURCE: 'SMBC' })).toBe(false);
    const notIn = cond('SOURCE', 'notIn', ['ABC', ' xyz ']);
    expect(matches(notIn, { SOURCE: 'Xyz' })).toBe(false);
    expect(matches(notIn, { SOURCE: 'SMBC' })).toBe(true);
  });

  it('contains, notContains, startsWith and endsWith', () => {
    expect(matches(cond('SECTOR', 'contains', 'clo'), { SECTOR: 'mm-CLO ' })).toBe(true);
    expect(matches(cond('SECTOR', 'contains', 'CDO'), { SECTOR: 'MM-CLO' })).toBe(false);
    expect(matches(cond('SECTOR', 'notContains', 'CDO'), { SECTOR: 'MM-CLO' })).toBe(true);
    expect(matches(cond('SECTOR', 'notContains', ' clo'), { SECTOR: 'MM-CLO' })).toBe(false);
    expect(matches(cond('SECTOR', 'startsWith', ' mm-'), { SECTOR: '  MM-CLO' })).toBe(true);
    expect(matches(cond('SECTOR', 'startsWith', 'CLO'), { SECTOR: 'MM-CLO' })).toBe(false);
    expect(matches(cond('SECTOR', 'endsWith', '-clo'), { SECTOR: 'MM-CLO  ' })).toBe(true);
    expect(matches(cond('SECTOR', 'endsWith', 'MM'), { SECTOR: 'MM-CLO' })).toBe(false);
  });

  it('matches CUSIP whatever its case and surrounding spaces', () => {
    const rule = cond('CUSIP', 'equals', '912828xg5');
    for (const cusip of ['912828XG5', ' 912828xg5 ', '912828Xg5\t']) expect(matches(rule, { CUSIP: cusip })).toBe(true);
    expect(matches(rule, { CUSIP: '912828XG6' })).toBe(false);
  });
});

describe('number columns', () => {
  it('compares the parsed number, whatever its source text', () => {
    for (const px of ['100', '100.00', '1e2', '+100.0']) expect(matches(cond('PX', 'equals', 100), { PX: px })).toBe(true);
    expect(
      matchesDocument('{"column": "PERCENT_DIFF", "op": "equals", "value": -0.060929999999999998}', {
        PERCENT_DIFF: '-6.0929999999999998E-2',
      }),
    ).toBe(true);
    expect(matches(cond('PX', 'notEquals', 100), { PX: '100.01' })).toBe(true);
    expect(matches(cond('PX', 'notEquals', 100), { PX: '100.000' })).toBe(false);
  });

  it('compares exactly, digits beyond a double included, on the rule side as written', () => {
    // 100.0000000000000001 is the double 100; it is still above 100.
    for (const px of ['100.0000000000000001', '100.00000000000001', '100.00000000000000000000000001']) {
      expect(matchesDocument('{"column": "PX", "op": "gt", "value": 100}', { PX: px }), px).toBe(true);
      expect(matchesDocument('{"column": "PX", "op": "lte", "value": 100}', { PX: px }), px).toBe(false);
      expect(matchesDocument('{"column": "PX", "op": "notEquals", "value": 100}', { PX: px }), px).toBe(true);
    }
    expect(matchesDocument('{"column": "PX", "op": "gt", "value": 100}', { PX: '100.000000000000000000' })).toBe(false);
    const precise = (op: string) => `{"column": "PX", "op": "${op}", "value": 100.0000000000000001}`;
    expect(matchesDocument(precise('equals'), { PX: '100' })).toBe(false);
    expect(matchesDocument(precise('lt'), { PX: '100' })).toBe(true);
    expect(matchesDocument(precise('equals'), { PX: '1.000000000000000001000e2' })).toBe(true);
    expect(matchesDocument(precise('gte'), { PX: '100.00000000000000009' })).toBe(false);
    expect(matchesDocument('{"column": "PX", "op": "in", "value": [99, 100.0000000000000001]}', { PX: '100' })).toBe(false);
    expect(matchesDocument('{"column": "PX", "op": "in", "value": [99, 100.0000000000000001]}', { PX: '100.00000000000000010' })).toBe(
      true,
    );
    expect(
      matchesDocument('{"column": "PX", "op": "between", "value": [99.99999999999999999, 100]}', { PX: '99.999999999999999989' }),
    ).toBe(false);
    expect(matchesDocument('{"column": "PX", "op": "between", "value": [99.99999999999999999, 100]}', { PX: '99.99999999999999999' })).toBe(
      true,
    );
    expect(
      matchesDocument('{"column": "PX", "op": "between", "value": [99.99999999999999999, 100]}', { PX: '100.0000000000000000001' }),
    ).toBe(false);
  });

  it('the same from a YAML document', () => {
    const config = parseConfig('rules:\n  - { name: r, when: { column: PX, op: gt, value: 100.0000000000000001 } }\n', 'c.yaml');
    const compiled = compileRules(config.config.rules, NEW_YORK);
    expect(compiled.match(row({ PX: '100.0000000000000001' }))).toEqual([]);
    expect(compiled.match(row({ PX: '100.0000000000000002' }))).toEqual(['r']);
  });

  it('lt, lte, gt, gte at and around the boundary', () => {
    const at = { RANK: '3' };
    const cases: [string, Fields, boolean][] = [
      ['lt', at, false],
      ['lt', { RANK: '2' }, true],
      ['lte', at, true],
      ['lte', { RANK: '4' }, false],
      ['gt', at, false],
      ['gt', { RANK: '4' }, true],
      ['gte', at, true],
      ['gte', { RANK: '2' }, false],
    ];
    for (const [op, fields, expected] of cases) expect(matches(cond('RANK', op, 3), fields), `${op} 3 on ${fields.RANK}`).toBe(expected);
  });

  it('between is inclusive at both ends', () => {
    const rule = cond('BID', 'between', [99.5, 100]);
    expect(matches(rule, { BID: '99.5' })).toBe(true);
    expect(matches(rule, { BID: '100' })).toBe(true);
    expect(matches(rule, { BID: '99.75' })).toBe(true);
    expect(matches(rule, { BID: '99.49' })).toBe(false);
    expect(matches(rule, { BID: '100.0001' })).toBe(false);
    expect(matches(cond('BID', 'between', [5, 5]), { BID: '5.0' })).toBe(true);
  });

  it('in and notIn', () => {
    expect(matches(cond('CONFIDENCE', 'in', [0, 1, 2]), { CONFIDENCE: '2' })).toBe(true);
    expect(matches(cond('CONFIDENCE', 'in', [0, 1, 2]), { CONFIDENCE: '3' })).toBe(false);
    expect(matches(cond('CONFIDENCE', 'notIn', [0, 1, 2]), { CONFIDENCE: '3' })).toBe(true);
    expect(matches(cond('CONFIDENCE', 'notIn', [0, 1, 2]), { CONFIDENCE: '0' })).toBe(false);
    expect(matches(cond('PX', 'in', [-0.5, 101.25]), { PX: '-.5' })).toBe(true);
  });
});

describe('MESSAGE_ID (19-digit ids, compared numerically)', () => {
  it('tells apart ids that the same JS number would merge', () => {
    // Both are 9007199254740992 as a double.
    expect(matches(cond('MESSAGE_ID', 'equals', '9007199254740993'), { MESSAGE_ID: '9007199254740992' })).toBe(false);
    expect(matches(cond('MESSAGE_ID', 'gt', '9007199254740992'), { MESSAGE_ID: '9007199254740993' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'lt', '9223372036854775807'), { MESSAGE_ID: '9223372036854775806' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'lte', '9223372036854775806'), { MESSAGE_ID: '9223372036854775807' })).toBe(false);
    expect(matches(cond('MESSAGE_ID', 'in', ['9999999999999999998', '9999999999999999999']), { MESSAGE_ID: '9999999999999999999' })).toBe(
      true,
    );
  });

  it('orders by magnitude, not by text, and ignores leading zeros', () => {
    expect(matches(cond('MESSAGE_ID', 'lt', '1000'), { MESSAGE_ID: '999' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'gte', '1000'), { MESSAGE_ID: '999' })).toBe(false);
    expect(matches(cond('MESSAGE_ID', 'equals', '123'), { MESSAGE_ID: '000123' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'in', ['0000123']), { MESSAGE_ID: '123' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'notIn', ['0000123']), { MESSAGE_ID: '0123' })).toBe(false);
    expect(matches(cond('MESSAGE_ID', 'notEquals', '7'), { MESSAGE_ID: '07' })).toBe(false);
  });

  it('between is inclusive; a safe JSON integer reads as its digits', () => {
    const rule = cond('MESSAGE_ID', 'between', ['1000000000000000000', '9999999999999999999']);
    expect(matches(rule, { MESSAGE_ID: '1000000000000000000' })).toBe(true);
    expect(matches(rule, { MESSAGE_ID: '9999999999999999999' })).toBe(true);
    expect(matches(rule, { MESSAGE_ID: '999999999999999999' })).toBe(false);
    expect(matches(cond('MESSAGE_ID', 'equals', 42), { MESSAGE_ID: '0042' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'between', [40, '0000000000000000043']), { MESSAGE_ID: '43' })).toBe(true);
  });
});

describe('date columns', () => {
  it('a bare date in equals covers its whole day', () => {
    const rule = cond('DATE', 'equals', '2026-11-20');
    expect(matches(rule, { DATE: '2026-11-20' })).toBe(true);
    expect(matches(rule, { DATE: '2026-11-20T00:00:00' })).toBe(true);
    expect(matches(rule, { DATE: '2026-11-20T23:59:59.999' })).toBe(true);
    expect(matches(rule, { DATE: '2026-11-21T00:00:00' })).toBe(false);
    expect(matches(rule, { DATE: '2026-11-19T23:59:59.999' })).toBe(false);
    expect(matches(rule, { DATE: '2026-11-21T04:59:59Z' })).toBe(true); // 23:59:59 EST on the 20th
    expect(matches(cond('DATE', 'notEquals', '2026-11-20'), { DATE: '2026-11-20T12:00' })).toBe(false);
    expect(matches(cond('DATE', 'notEquals', '2026-11-20'), { DATE: '2026-11-21' })).toBe(true);
  });

  it('the 23-hour spring-forward day (2026-03-08 in New York) ends at the next local midnight', () => {
    const rule = cond('DATE', 'equals', '2026-03-08');
    expect(matches(rule, { DATE: '2026-03-08T23:30:00' })).toBe(true);
    expect(matches(rule, { DATE: '2026-03-09T03:59:59.999Z' })).toBe(true); // 23:59:59.999 EDT
    expect(matches(rule, { DATE: '2026-03-09T04:00:00Z' })).toBe(false); // 00:00 EDT on the 9th
    expect(matches(rule, { DATE: '2026-03-09T04:30:00Z' })).toBe(false); // a 24-hour day would take this in
    expect(matches(rule, { DATE: '2026-03-08T05:00:00Z' })).toBe(true); // 00:00 EST on the 8th
    expect(matches(rule, { DATE: '2026-03-08T04:59:59.999Z' })).toBe(false);
    expect(matches(cond('DATE', 'lte', '2026-03-08'), { DATE: '2026-03-09T03:59:59Z' })).toBe(true);
    expect(matches(cond('DATE', 'lte', '2026-03-08'), { DATE: '2026-03-09T04:00:00Z' })).toBe(false);
    expect(matches(cond('DATE', 'gt', '2026-03-08'), { DATE: '2026-03-09T04:00:00Z' })).toBe(true);
    expect(matches(cond('DATE', 'gt', '2026-03-08'), { DATE: '2026-03-09T03:59:59.999Z' })).toBe(false);
  });

  it('the 25-hour fall-back day (2026-11-01 in New York) keeps its extra hour', () => {
    const rule = cond('DATE', 'equals', '2026-11-01');
    expect(matches(rule, { DATE: '2026-11-02T04:30:00Z' })).toBe(true); // 23:30 EST; a 24-hour day would miss it
    expect(matches(rule, { DATE: '2026-11-02T04:59:59.999Z' })).toBe(true);
    expect(matches(rule, { DATE: '2026-11-02T05:00:00Z' })).toBe(false);
    expect(matches(rule, { DATE: '2026-11-01T06:30:00Z' })).toBe(true); // the second 01:30
    expect(matches(cond('DATE', 'between', ['2026-11-01', '2026-11-01']), { DATE: '2026-11-02T04:30:00Z' })).toBe(true);
  });

  it('lt before the day starts, lte before it ends, gt from its end, gte from its start', () => {
    const cases: [string, string, boolean][] = [
      ['lt', '2026-03-07T23:59:59.999', true],
      ['lt', '2026-03-08T00:00:00', false],
      ['lte', '2026-03-08T23:59:59.999', true],
      ['lte', '2026-03-09', false],
      ['gt', '2026-03-08T23:59:59.999', false],
      ['gt', '2026-03-09T00:00:00', true],
      ['gte', '2026-03-08T00:00:00', true],
      ['gte', '2026-03-07T23:59:59.999', false],
    ];
    for (const [op, date, expected] of cases)
      expect(matches(cond('DATE', op, '2026-03-08'), { DATE: date }), `${op} on ${date}`).toBe(expected);
  });

  it('between bare dates runs from the first day start to the last day end', () => {
    const rule = cond('DATE_1', 'between', ['2026-03-07', '2026-03-08']);
    expect(matches(rule, { DATE_1: '2026-03-07T00:00:00' })).toBe(true);
    expect(matches(rule, { DATE_1: '2026-03-08T23:59:59' })).toBe(true);
    expect(matches(rule, { DATE_1: '2026-03-06T23:59:59' })).toBe(false);
    expect(matches(rule, { DATE_1: '2026-03-09' })).toBe(false);
    expect(matches(rule, { DATE_1: '08-MAR-26 11.30.00 PM' })).toBe(true); // Oracle timestamp
  });

  it('a value with a time is that instant', () => {
    const at = cond('DATE', 'equals', '2026-03-08T10:00:00');
    expect(matches(at, { DATE: '2026-03-08T10:00:00' })).toBe(true);
    expect(matches(at, { DATE: '2026-03-08T10:00:00.001' })).toBe(false);
    expect(matches(at, { DATE: '2026-03-08' })).toBe(false);
    expect(matches(cond('DATE', 'equals', '2026-03-08T15:00:00Z'), { DATE: '2026-03-08T11:00:00' })).toBe(true); // EDT is UTC-4
    expect(matches(cond('DATE', 'lte', '2026-03-08T10:00:00'), { DATE: '2026-03-08T10:00:00' })).toBe(true);
    expect(matches(cond('DATE', 'lt', '2026-03-08T10:00:00'), { DATE: '2026-03-08T10:00:00' })).toBe(false);
    expect(matches(cond('DATE', 'gt', '2026-03-08T10:00:00'), { DATE: '2026-03-08T10:00:00.001' })).toBe(true);
    expect(matches(cond('DATE', 'gte', '2026-03-08T10:00:00'), { DATE: '2026-03-08T09:59:59.999' })).toBe(false);
    const mixed = cond('DATE', 'between', ['2026-03-08T10:00', '2026-03-08']);
    expect(matches(mixed, { DATE: '2026-03-08T09:59' })).toBe(false);
    expect(matches(mixed, { DATE: '2026-03-08T23:59' })).toBe(true);
  });

  it('in matches any listed day or instant; notIn none', () => {
    const list = ['2026-03-07', '2026-03-09T12:00:00'];
    expect(matches(cond('DATE', 'in', list), { DATE: '2026-03-07T18:00' })).toBe(true);
    expect(matches(cond('DATE', 'in', list), { DATE: '2026-03-09T12:00' })).toBe(true);
    expect(matches(cond('DATE', 'in', list), { DATE: '2026-03-09T12:01' })).toBe(false);
    expect(matches(cond('DATE', 'notIn', list), { DATE: '2026-03-08' })).toBe(true);
    expect(matches(cond('DATE', 'notIn', list), { DATE: '2026-03-07' })).toBe(false);
  });

  it('reads days in the config time zone', () => {
    const tokyo = new ZoneClock('Asia/Tokyo');
    // 2026-11-20T16:00Z is 2026-11-21 01:00 in Tokyo.
    expect(matches(cond('DATE', 'equals', '2026-11-21'), { DATE: '2026-11-20T16:00:00Z' }, tokyo)).toBe(true);
    expect(matches(cond('DATE', 'equals', '2026-11-20'), { DATE: '2026-11-20T16:00:00Z' }, tokyo)).toBe(false);
    expect(matches(cond('DATE', 'equals', '2026-11-20'), { DATE: '2026-11-20T16:00:00Z' })).toBe(true);
  });
});

describe('null values', () => {
  const valued: [ColumnName, string, unknown][] = [
    ['TICKER', 'equals', 'ABC'],
    ['TICKER', 'notEquals', 'ABC'],
    ['TICKER', 'in', ['ABC']],
    ['TICKER', 'notIn', ['ABC']],
    ['TICKER', 'contains', 'A'],
    ['TICKER', 'notContains', 'A'],
    ['TICKER', 'startsWith', 'A'],
    ['TICKER', 'endsWith', 'A'],
    ['PX', 'equals', 1],
    ['PX', 'notEquals', 1],
    ['PX', 'in', [1]],
    ['PX', 'notIn', [1]],
    ['PX', 'lt', 1],
    ['PX', 'lte', 1],
    ['PX', 'gt', 1],
    ['PX', 'gte', 1],
    ['PX', 'between', [0, 1]],
    ['RANK', 'notEquals', 1],
    ['RANK', 'lt', 100],
    ['RANK', 'gt', -100],
    ['CONFIDENCE', 'notIn', [5]],
    ['DATE_1', 'equals', '2026-11-20'],
    ['DATE_1', 'notEquals', '2026-11-20'],
    ['DATE_1', 'in', ['2026-11-20']],
    ['DATE_1', 'notIn', ['2026-11-20']],
    ['DATE_1', 'lt', '2026-11-20'],
    ['DATE_1', 'lte', '2026-11-20T10:00'],
    ['DATE_1', 'gt', '2026-11-20'],
    ['DATE_1', 'gte', '2026-11-20'],
    ['DATE_1', 'between', ['2000-01-01', '2100-01-01']],
  ];

  it.each(valued)('%s %s is false on null, and its "not" is true', (column, op, value) => {
    expect(matches(cond(column, op, value), { [column]: null })).toBe(false);
    expect(matches({ not: cond(column, op, value) }, { [column]: null })).toBe(true);
  });

  it('isEmpty is true exactly on null (empty and whitespace-only text are null); isNotEmpty the opposite', () => {
    for (const empty of [null, '', '   ']) {
      expect(matches(cond('TICKER', 'isEmpty'), { TICKER: empty })).toBe(true);
      expect(matches(cond('TICKER', 'isNotEmpty'), { TICKER: empty })).toBe(false);
    }
    expect(matches(cond('TICKER', 'isEmpty'), { TICKER: ' x ' })).toBe(false);
    expect(matches(cond('TICKER', 'isNotEmpty'), { TICKER: ' x ' })).toBe(true);
    expect(matches(cond('RANK', 'isEmpty'), { RANK: null })).toBe(true);
    expect(matches(cond('DATE_1', 'isNotEmpty'), { DATE_1: '2026-11-20' })).toBe(true);
    expect(matches(cond('MESSAGE_ID', 'isEmpty'), {})).toBe(false);
  });
});

describe('groups', () => {
  const bwic = cond('BIAS', 'equals', 'BWIC COVER');
  const lowConfidence = cond('CONFIDENCE', 'lt', 3);
  const badSource = cond('SOURCE', 'in', ['ABC', 'XYZ']);
  const specRule = { all: [bwic, { any: [lowConfidence, badSource] }] };

  it('evaluates the example rule of the specification', () => {
    expect(matches(specRule, { BIAS: 'bwic cover', CONFIDENCE: '2', SOURCE: 'SMBC' })).toBe(true);
    expect(matches(specRule, { BIAS: 'BWIC COVER', CONFIDENCE: '8', SOURCE: 'xyz' })).toBe(true);
    expect(matches(specRule, { BIAS: 'BWIC COVER', CONFIDENCE: '8', SOURCE: 'SMBC' })).toBe(false);
    expect(matches(specRule, { BIAS: 'BWIC COVER', CONFIDENCE: null, SOURCE: null })).toBe(false);
    expect(matches(specRule, { BIAS: 'OFFER', CONFIDENCE: '1', SOURCE: 'ABC' })).toBe(false);
  });

  it('not inverts a condition or a whole group', () => {
    expect(matches({ not: specRule }, { BIAS: 'OFFER' })).toBe(true);
    expect(matches({ not: specRule }, { BIAS: 'BWIC COVER', CONFIDENCE: '1' })).toBe(false);
    expect(matches({ not: { not: bwic } }, { BIAS: 'BWIC COVER' })).toBe(true);
    expect(matches({ not: cond('TICKER', 'isEmpty') }, { TICKER: 'X' })).toBe(true);
  });

  it('all needs every child, any needs one, at any depth', () => {
    const deep = { any: [{ all: [bwic, { not: { any: [lowConfidence] } }] }, { all: [cond('RANK', 'equals', 1)] }] };
    expect(matches(deep, { BIAS: 'BWIC COVER', CONFIDENCE: '5' })).toBe(true);
    expect(matches(deep, { BIAS: 'BWIC COVER', CONFIDENCE: '1' })).toBe(false);
    expect(matches(deep, { BIAS: 'BWIC COVER', CONFIDENCE: '1', RANK: '1' })).toBe(true);
    expect(matches({ all: [bwic] }, { BIAS: 'BWIC COVER' })).toBe(true);
    expect(matches({ any: [bwic] }, { BIAS: 'OFFER' })).toBe(false);
  });
});

describe('compiled rules', () => {
  const doc = [
    { name: 'low-confidence', when: cond('CONFIDENCE', 'lt', 3) },
    { name: 'parked', active: false, when: cond('CUSIP', 'isNotEmpty') },
    { name: 'abc-quotes', active: true, when: cond('SOURCE', 'equals', 'ABC') },
    { name: 'any-cusip', when: cond('CUSIP', 'startsWith', '9') },
  ];

  it('lists active rules in document order, leaving out inactive ones', () => {
    expect(compile(doc).activeRuleNames).toEqual(['low-confidence', 'abc-quotes', 'any-cusip']);
  });

  it('returns every matching active rule in document order', () => {
    const compiled = compile(doc);
    expect(compiled.match(row({ CONFIDENCE: '1', SOURCE: 'abc' }))).toEqual(['low-confidence', 'abc-quotes', 'any-cusip']);
    expect(compiled.match(row({ CONFIDENCE: '9', SOURCE: 'abc' }))).toEqual(['abc-quotes', 'any-cusip']);
    expect(compiled.match(row({ CUSIP: '38141GXZ2', CONFIDENCE: '2' }))).toEqual(['low-confidence']);
  });

  it('never applies an inactive rule, and returns an empty array when nothing matches', () => {
    const compiled = compile(doc);
    const none = compiled.match(row({ CUSIP: '38141GXZ2', CONFIDENCE: '9', SOURCE: 'SMBC' }));
    expect(none).toEqual([]);
    expect(compile([{ name: 'off', active: false, when: cond('CUSIP', 'isNotEmpty') }]).match(row({}))).toEqual([]);
    expect(compile([]).activeRuleNames).toEqual([]);
  });

  it('refuses to compile a condition that validation would have rejected', () => {
    const bad = [{ name: 'x', active: true, when: { column: 'RANK', op: 'contains', value: '1' } }] as never;
    expect(() => compileRules(bad, NEW_YORK)).toThrow(TypeError);
    const badDate = [{ name: 'x', active: true, when: { column: 'DATE', op: 'equals', value: 'soon' } }] as never;
    expect(() => compileRules(badDate, NEW_YORK)).toThrow(/not validated/);
  });
});
