import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECIMAL, decimalValue, isBlankText } from '../../../lambdas/pipeline/values.js';

/** What decimalValue must equal: the grammar by regular expression, then Number. */
const reference = (text: string): number => (DECIMAL.test(text) ? Number(text) : NaN);

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const decimalText = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    digits(0, 20),
    fc.constantFrom('', '.'),
    digits(0, 20),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(0, 4)), { nil: undefined }),
  )
  .map(([sign, whole, point, fraction, exponent]) => `${sign}${whole}${point}${fraction}${exponent ? exponent.join('') : ''}`);

describe('decimalValue', () => {
  it('equals Number(text) for every text the grammar accepts, and NaN for the rest', () => {
    fc.assert(
      fc.property(fc.oneof(decimalText, fc.string({ unit: fc.constantFrom(...'0123456789.eE+- x'), maxLength: 10 })), (text) => {
        expect(Object.is(decimalValue(text), reference(text))).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('is exact for doubles printed at any precision (the fast path and the fallback)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 }), (value, precision) => {
        for (const text of [
          String(value),
          value.toPrecision(precision),
          value.toExponential(precision - 1).toUpperCase(),
          value.toFixed(Math.min(precision, 20)),
        ]) {
          expect(Object.is(decimalValue(text), reference(text))).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('keeps the sign of zero and reports overflow as Infinity', () => {
    expect(Object.is(decimalValue('-0'), -0)).toBe(true);
    expect(Object.is(decimalValue('-0.000e5'), -0)).toBe(true);
    expect(decimalValue('1e400')).toBe(Infinity);
    expect(decimalValue('-1e400')).toBe(-Infinity);
    expect(decimalValue('1e-400')).toBe(0);
    expect(decimalValue('123456789012345678901234567890e-12')).toBe(Number('123456789012345678901234567890e-12'));
  });
});

describe('isBlankText', () => {
  it('agrees with trimming on any string', () => {
    const whitespace = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff', '\u200b', 'x', '\u0085');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: whitespace, maxLength: 5 }), fc.string({ maxLength: 5 })), (text) => {
        expect(isBlankText(text)).toBe(text.trim() === '');
      }),
      { numRuns: 5_000 },
    );
  });
});
