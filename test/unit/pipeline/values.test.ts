import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDate } from '../../../lambdas/pipeline/date-values.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';
import {
  compareIds,
  isBlankText,
  isProblem,
  type ParseResult,
  parseDecimal,
  parseId,
  parseInteger,
} from '../../../lambdas/pipeline/values.js';

const newYork = new ZoneClock('America/New_York');
const utc = new ZoneClock('UTC');

function ok(result: ParseResult) {
  if (isProblem(result)) throw new Error(`unexpected problem: ${result.problem}`);
  return result;
}

describe('blank text', () => {
  it('treats empty and whitespace-only text as blank (null)', () => {
    expect(isBlankText('')).toBe(true);
    expect(isBlankText(' \t ')).toBe(true);
    expect(isBlankText('\u3000')).toBe(true);
    expect(isBlankText(' x ')).toBe(false);
  });
});

describe('MESSAGE_ID', () => {
  it('keeps a 19-digit id byte for byte, beyond 2^53', () => {
    expect(ok(parseId(' 9223372036854775807 ')).text).toBe('9223372036854775807');
    expect(ok(parseId('1234567890123456789')).text).toBe('1234567890123456789');
  });

  it('rejects letters, decimals, signs, exponents and 20 digits', () => {
    for (const bad of ['12a4', '1.5', '-5', '1E18', '12345678901234567890']) {
      expect(parseId(bad)).toEqual({ problem: 'not an integer id of up to 19 digits' });
    }
  });

  it('compares numerically, like BigInt, including leading zeros', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }), fc.bigInt({ min: 0n, max: 10n ** 19n - 1n }), fc.nat(2), (a, b, pad) => {
        const expected = a < b ? -1 : a > b ? 1 : 0;
        expect(Math.sign(compareIds('0'.repeat(pad) + a.toString(), b.toString()))).toBe(expected);
      }),
    );
  });
});

describe('decimals', () => {
  it('keeps the source text, exponent form included', () => {
    const parsed = ok(parseDecimal('-6.0929999999999998E-2'));
    expect(parsed.text).toBe('-6.0929999999999998E-2');
    expect(parsed.value).toBeCloseTo(-0.06093, 10);
    expect(ok(parseDecimal(' 101.250 ')).text).toBe('101.250');
    expect(ok(parseDecimal('.5')).value).toBe(0.5);
    expect(ok(parseDecimal('5.')).value).toBe(5);
  });

  it('rejects text, NaN, Infinity and overflow', () => {
    expect(parseDecimal('abc')).toEqual({ problem: 'not a number' });
    expect(parseDecimal('NaN')).toEqual({ problem: 'not a number' });
    expect(parseDecimal('Infinity')).toEqual({ problem: 'not a number' });
    expect(parseDecimal('1,5')).toEqual({ problem: 'not a number' });
    expect(parseDecimal('1e999')).toEqual({ problem: 'number out of range' });
  });

  it('refuses values a double holds only with lost digits, or as 0, rather than alter them', () => {
    for (const bad of ['1e-400', '-1e-400', '1e-310', `0.${'0'.repeat(399)}1`, '1.8e308']) {
      expect(parseDecimal(bad), bad).toEqual({ problem: 'number out of range' });
    }
    for (const good of ['0', '-0.000', '0e-400', '0.0e99999', '2.2250738585072014e-308', '1.7976931348623157e308', '1e-300']) {
      expect(isProblem(parseDecimal(good)), good).toBe(false);
    }
  });
});

describe('integers', () => {
  it('parses and range-checks', () => {
    expect(ok(parseInteger('3')).value).toBe(3);
    expect(parseInteger('2.5')).toEqual({ problem: 'not an integer' });
    expect(parseInteger('11', { min: 0, max: 10, problem: 'not between 0 and 10' })).toEqual({ problem: 'not between 0 and 10' });
    expect(ok(parseInteger('10', { min: 0, max: 10, problem: 'not between 0 and 10' })).value).toBe(10);
  });

  it('takes a whole number written as a float column writes it, keeping its text', () => {
    expect(ok(parseInteger('3.0'))).toEqual({ text: '3.0', value: 3 });
    expect(ok(parseInteger(' 3. '))).toEqual({ text: '3.', value: 3 });
    for (const bad of ['3.5', '3.01', '1e0', '.0', '3,0']) expect(parseInteger(bad), bad).toEqual({ problem: 'not an integer' });
  });
});

describe('dates', () => {
  it('reads a bare date as midnight in the zone and writes it back bare', () => {
    const parsed = parseDate('2026-11-20', newYork);
    expect(parsed).toMatchObject({ text: '2026-11-20', dateOnly: true, value: Date.parse('2026-11-20T05:00:00Z') });
  });

  it('reads a zone-less time as wall time in the zone, across daylight saving', () => {
    expect(ok(parseDate('2026-07-01T09:30:00', newYork)).value).toBe(Date.parse('2026-07-01T13:30:00Z'));
    expect(ok(parseDate('2026-12-01 09:30:00', newYork)).value).toBe(Date.parse('2026-12-01T14:30:00Z'));
    expect(ok(parseDate('2026-12-01 09:30', newYork)).text).toBe('2026-12-01T09:30:00');
  });

  it('converts a time with a zone to the clock zone for output', () => {
    const parsed = parseDate('2026-11-20T14:03:00Z', newYork);
    expect(parsed).toMatchObject({ text: '2026-11-20T09:03:00', value: Date.parse('2026-11-20T14:03:00Z'), dateOnly: false });
    expect(ok(parseDate('2026-11-20T14:03:00+01:00', utc)).text).toBe('2026-11-20T13:03:00');
  });

  it('keeps a non-zero fraction and drops an all-zero one', () => {
    expect(ok(parseDate('2026-11-20T14:03:00.123456', utc)).text).toBe('2026-11-20T14:03:00.123456');
    expect(ok(parseDate('2026-11-20T14:03:00.000', utc)).text).toBe('2026-11-20T14:03:00');
  });

  it("reads Oracle's default DATE and TIMESTAMP text", () => {
    expect(ok(parseDate('20-NOV-26', utc)).text).toBe('2026-11-20');
    expect(ok(parseDate('20-nov-1999', utc)).text).toBe('1999-11-20');
    expect(ok(parseDate('01-JAN-50', utc)).text).toBe('1950-01-01');
    expect(ok(parseDate('20-NOV-26 02.03.04.500000 PM', utc)).text).toBe('2026-11-20T14:03:04.5');
    expect(ok(parseDate('20-NOV-26 12.00.00 AM', utc)).text).toBe('2026-11-20T00:00:00');
  });

  it('rejects impossible and malformed dates with a reason', () => {
    expect(parseDate('2026-02-30', utc)).toEqual({ problem: 'not a calendar date' });
    expect(parseDate('2026-13-01', utc)).toEqual({ problem: 'not a calendar date' });
    expect(parseDate('2026-11-20T24:00:00', utc)).toEqual({ problem: 'not a valid time of day' });
    expect(parseDate('20-NOV-26 13.00.00 PM', utc)).toEqual({ problem: 'not a valid time of day' });
    for (const bad of ['11/20/2026', '2026-11-20T', 'yesterday', '20-XYZ-26']) {
      expect(isProblem(parseDate(bad, utc))).toBe(true);
    }
  });

  it('refuses a local time that a daylight-saving change skips, in the config zone only', () => {
    // New York springs forward at 02:00 on 2026-03-08: 02:00-02:59 does not happen that night.
    for (const skipped of ['2026-03-08T02:30', '2026-03-08 02:00:00', '2026-03-08T02:59:59.999', '08-MAR-26 02.30.00 AM']) {
      expect(parseDate(skipped, newYork), skipped).toEqual({
        problem: "not a local time in the config's time zone (skipped by a daylight-saving change)",
      });
    }
    expect(ok(parseDate('2026-03-08T03:00', newYork)).value).toBe(Date.parse('2026-03-08T07:00:00Z'));
    expect(ok(parseDate('2026-03-08T01:59:59', newYork)).value).toBe(Date.parse('2026-03-08T06:59:59Z'));
    expect(ok(parseDate('2026-03-08', newYork)).value).toBe(Date.parse('2026-03-08T05:00:00Z'));
    // With an offset it names one instant, and in UTC nothing is skipped.
    expect(ok(parseDate('2026-03-08T02:30-05:00', newYork)).text).toBe('2026-03-08T03:30:00');
    expect(ok(parseDate('2026-03-08T02:30', utc)).text).toBe('2026-03-08T02:30:00');
  });

  it('reads a local time that happens twice (autumn) as the first, daylight-saving one', () => {
    expect(ok(parseDate('2026-11-01T01:30', newYork)).value).toBe(Date.parse('2026-11-01T05:30:00Z'));
    expect(ok(parseDate('2026-11-01T01:30-05:00', newYork)).text).toBe('2026-11-01T01:30:00');
  });

  it('refuses year 0000 and offsets past ±18:00', () => {
    expect(parseDate('0000-01-01', utc)).toEqual({ problem: 'not a calendar date (year 0000 does not exist)' });
    expect(parseDate('0000-12-31T23:59:59Z', utc)).toEqual({ problem: 'not a calendar date (year 0000 does not exist)' });
    expect(parseDate('01-JAN-0000', utc)).toEqual({ problem: 'not a calendar date (year 0000 does not exist)' });
    expect(ok(parseDate('0001-01-01', utc)).text).toBe('0001-01-01');
    expect(ok(parseDate('9999-12-31T23:59:59', utc)).text).toBe('9999-12-31T23:59:59');
    for (const bad of ['2026-11-20T10:00+19:00', '2026-11-20T10:00-99:00', '2026-11-20T10:00+05:60']) {
      expect(parseDate(bad, utc), bad).toEqual({ problem: 'not a valid UTC offset (at most ±18:00)' });
    }
    expect(ok(parseDate('2026-11-20T10:00+14:00', utc)).text).toBe('2026-11-19T20:00:00');
  });

  it('round-trips every valid date through its output text', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        (date) => {
          const first = ok(parseDate(date.toISOString(), newYork));
          const again = ok(parseDate(first.text, newYork));
          expect(again.text).toBe(first.text);
          // A wall time repeated by the autumn change may resolve to the other occurrence: at most 1 h apart.
          expect(Math.abs(again.value! - first.value!)).toBeLessThanOrEqual(3_600_000);
        },
      ),
    );
  });
});
