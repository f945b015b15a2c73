/**
 * Exact order of decimal texts. Prices are compared as doubles where that is exact, and by their
 * source text where it is not: two decimals that differ beyond a double's 15–17 significant digits
 * (`100.0000000000000001` and `100`) round to one double, yet a rule or the ranking must tell them
 * apart (docs/rules.md, "Numbers"; docs/configuration.md, `ranking.order`).
 *
 * Rounding to the nearest double never reverses an order: if two values' doubles differ, their
 * decimals differ the same way. So a comparison needs the text only when the doubles are equal.
 */

/** A decimal as `sign × 0.DIGITS × 10^exponent`; DIGITS has no leading or trailing zeros. */
export interface Decimal {
  readonly sign: -1 | 0 | 1;
  readonly digits: string;
  readonly exponent: number;
}

const ZERO: Decimal = { sign: 0, digits: '', exponent: 0 };

/**
 * Reads text in the decimal grammar of values.ts (`[+-]digits[.digits][e[+-]digits]`, trimmed).
 * Text outside it is a programming error: callers pass text a parser accepted.
 */
export function toDecimal(text: string): Decimal {
  let at = 0;
  const first = text.charCodeAt(0);
  const negative = first === 0x2d;
  if (negative || first === 0x2b) at++;
  let digits = '';
  let pointAt = -1;
  let leadingZeros = 0;
  for (; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x2e) {
      pointAt = digits.length + leadingZeros;
      continue;
    }
    if (c < 0x30 || c > 0x39) break;
    if (digits.length === 0 && c === 0x30) leadingZeros++;
    else digits += text[at];
  }
  // The exponent of the first significant digit's place: for "0.00123", -2; for "123.4", 3.
  const integerDigits = (pointAt === -1 ? digits.length + leadingZeros : pointAt) - leadingZeros;
  let exponent = integerDigits;
  if (at < text.length) {
    if ((text.charCodeAt(at) | 0x20) !== 0x65) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
    exponent += Number(text.slice(at + 1));
  }
  const end = trailingZerosStart(digits);
  if (end === 0) return ZERO;
  if (!Number.isFinite(exponent)) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  return { sign: negative ? -1 : 1, digits: digits.slice(0, end), exponent };
}

function trailingZerosStart(digits: string): number {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 0x30) end--;
  return end;
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.sign !== b.sign) return a.sign - b.sign;
  if (a.sign === 0) return 0;
  // Same sign: the larger magnitude has its first digit in the higher place or, in the same
  // place, the larger digit string ("12" < "123" < "13", as the values 0.12 < 0.123 < 0.13).
  let magnitude: number;
  if (a.exponent !== b.exponent) magnitude = a.exponent > b.exponent ? 1 : -1;
  else if (a.digits === b.digits) return 0;
  else magnitude = a.digits > b.digits ? 1 : -1;
  return a.sign * magnitude;
}

export function compareDecimalTexts(a: string, b: string): number {
  return a === b ? 0 : compareDecimals(toDecimal(a), toDecimal(b));
}

/**
 * Whether a decimal's double might stand for other decimals too: true when it has more than 15
 * significant digits (any decimal of at most 15 digits is the only such decimal of its double,
 * in the double's normal range, which values.ts enforces). Fast for short texts, which are most.
 */
export function mayBeInexact(text: string): boolean {
  if (text.length <= 15) return false;
  let significant = 0;
  let started = false;
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x65 || c === 0x45) break;
    if (c < 0x30 || c > 0x39) continue;
    if (c !== 0x30 || started) {
      started = true;
      significant++;
    }
  }
  // Trailing zeros count here; a rare extra exact comparison costs less than a second scan.
  return significant > 15;
}
