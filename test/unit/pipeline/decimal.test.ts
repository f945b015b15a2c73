/**
 * The exact decimal order against a BigInt reference: every decimal text is turned into an exact
 * rational (mantissa × 10^-scale, BigInt), so no double is involved on the reference side.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareDecimalTexts, mayBeInexact, toDecimal } from '../../../lambdas/pipeline/decimal.js';
import { DECIMAL, decimalValue } from '../../../lambdas/pipeline/values.js';

function reference(a: string, b: string): number {
  const read = (text: string) => {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text)!;
    const fraction = m[3] ?? '';
    const mantissa = BigInt(`${m[2]}${fraction}` || '0') * (m[1] === '-' ? -1n : 1n);
    return { mantissa, scale: fraction.length - Number(m[4] ?? 0) };
  };
  const x = read(a);
  const y = read(b);
  const scale = Math.max(x.scale, y.scale);
  const p = x.mantissa * 10n ** BigInt(scale - x.scale);
  const q = y.mantissa * 10n ** BigInt(scale - y.scale);
  return p < q ? -1 : p > q ? 1 : 0;
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
/** Decimal texts in every form the grammar allows, biased to values close to each other. */
const decimalText = fc
  .tuple(
    fc.constantFrom('', '+', '-'),
    fc.oneof(digits(0, 3), fc.constantFrom('100', '0', '00', '99')),
    fc.constantFrom('', '.'),
    fc.oneof(digits(0, 25), fc.constantFrom('0000000000000001', '00000000000000010', '9999999999999999999')),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 30 })), { nil: undefined }),
  )
  .map(([sign, whole, point, fraction, exponent]) => `${sign}${whole}${point}${fraction}${exponent ? exponent.join('') : ''}`)
  .filter((text) => DECIMAL.test(text));

describe('compareDecimalTexts', () => {
  it('orders any two decimal texts as their exact values do', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        expect(Math.sign(compareDecimalTexts(a, b))).toBe(reference(a, b));
      }),
      { numRuns: 20_000 },
    );
  });

  it('tells apart what one double cannot', () => {
    expect(decimalValue('100.0000000000000001')).toBe(100);
    expect(compareDecimalTexts('100.0000000000000001', '100')).toBeGreaterThan(0);
    expect(compareDecimalTexts('-100.0000000000000001', '-100')).toBeLessThan(0);
    expect(compareDecimalTexts('1.000000000000000000001E2', '100.000000000000000000100')).toBe(0);
    expect(compareDecimalTexts('-0', '0.000')).toBe(0);
    expect(compareDecimalTexts('-6.0929999999999998E-2', '-0.060929999999999998')).toBe(0);
  });

  it('reads the place of the first digit and drops zeros on both ends', () => {
    expect(toDecimal('00123.4500e-1')).toEqual({ sign: 1, digits: '12345', exponent: 2 });
    expect(toDecimal('-.00120')).toEqual({ sign: -1, digits: '12', exponent: -2 });
    expect(toDecimal('+0.0e7')).toEqual({ sign: 0, digits: '', exponent: 0 });
  });
});

describe('mayBeInexact', () => {
  it('is false only where equal doubles mean equal decimals (at most 15 significant digits)', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const x = decimalValue(a);
        const y = decimalValue(b);
        const normal = (v: number) => v === 0 || (Math.abs(v) >= 2.2250738585072014e-308 && Number.isFinite(v));
        if (x === y && normal(x) && !mayBeInexact(a) && !mayBeInexact(b)) expect(reference(a, b)).toBe(0);
      }),
      { numRuns: 20_000 },
    );
    expect(mayBeInexact('99.5')).toBe(false);
    expect(mayBeInexact('-0.000000000000000000000000123')).toBe(false);
    expect(mayBeInexact('100.0000000000000001')).toBe(true);
    expect(mayBeInexact('-6.0929999999999998E-2')).toBe(true);
  });
});
