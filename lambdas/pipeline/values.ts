/**
 * Parsing of single field values (docs/configuration.md, "Values and their limits"): ids and
 * numbers here, dates in date-values.ts. Each parser takes the raw text of a non-null field and
 * returns the text the product writes for it plus the value it compares by, or the problem found.
 * Problems name no value, so they can be counted per reason in the manifest.
 */
import { compareText } from './text.js';

export interface ParsedValue {
  /** What the product writes for the field. */
  readonly text: string;
  /** What it compares by: a number, an instant in epoch ms for dates, null for text and ids. */
  readonly value: number | null;
}

export interface ParseProblem {
  readonly problem: string;
}

export type ParseResult = ParsedValue | ParseProblem;

export function isProblem(result: ParseResult): result is ParseProblem {
  return (result as ParseProblem).problem !== undefined;
}

/**
 * Whether a field is empty or whitespace-only, which makes it null (README, "What a run writes"),
 * without trimming a field that visibly has content (most fields).
 */
export function isBlankText(field: string): boolean {
  if (field.length === 0) return true;
  const first = field.charCodeAt(0);
  // Printable ASCII other than space is not whitespace: the field has content.
  if (first > 0x20 && first < 0x7f) return false;
  return field.trim() === '';
}

/** MESSAGE_ID: 1 to 19 digits, kept as text because ids exceed 2^53. */
export function isIdDigits(text: string): boolean {
  return /^\d{1,19}$/.test(text);
}

export function parseId(raw: string): ParseResult {
  const text = raw.trim();
  if (!isIdDigits(text)) return { problem: 'not an integer id of up to 19 digits' };
  return { text, value: null };
}

/** Compares two digit strings numerically (leading zeros ignored) without leaving text. */
export function compareIds(a: string, b: string): number {
  const x = canonicalId(a);
  const y = canonicalId(b);
  if (x.length !== y.length) return x.length - y.length;
  return compareText(x, y);
}

/** An id's digits without leading zeros (`0` for zero): equal ids have equal canonical forms. */
export function canonicalId(digits: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  return start === 0 ? digits : digits.slice(start);
}

/**
 * The grammar of a decimal (docs/configuration.md, "Values and their limits"): plain or exponent
 * form. {@link decimalValue} scans it by hand.
 */
export const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The smallest positive double with full precision; below it a double keeps fewer digits, then none. */
const MIN_NORMAL = 2.2250738585072014e-308;

/**
 * A decimal in plain or exponent form; the source text is what gets written back. Its magnitude
 * must be 0 or within a double's full-precision range, about 2.2e-308 to 1.8e308: `1e400` and
 * `1e-400` (which a double would hold as Infinity and 0) are out of range, not altered.
 */
export function parseDecimal(raw: string): ParseResult {
  const text = raw.trim();
  const value = decimalValue(text);
  if (Number.isNaN(value)) return { problem: 'not a number' };
  if (!Number.isFinite(value)) return { problem: PROBLEM_OUT_OF_RANGE };
  if (Math.abs(value) < MIN_NORMAL && (value !== 0 || hasNonZeroDigit(text))) return { problem: PROBLEM_OUT_OF_RANGE };
  return { text, value };
}

export const PROBLEM_OUT_OF_RANGE = 'number out of range';

/** Whether a decimal's digits (before any exponent) are not all zeros. */
function hasNonZeroDigit(text: string): boolean {
  for (let at = 0; at < text.length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x65 || c === 0x45) return false;
    if (c > 0x30 && c <= 0x39) return true;
  }
  return false;
}

/** 10^0 … 10^22, written out (not computed by Math.pow): every one is exact in a double. */
const POWERS_OF_TEN = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];
const MAX_EXACT_DIGITS = 15;

/**
 * The value of `text` if it matches {@link DECIMAL}, else NaN (±Infinity when it overflows).
 * A million rows carry millions of prices, so this is one pass over the characters instead of a
 * regular expression and then `Number`. When the significant digits fit in 15 (an exact integer)
 * and the power of ten is within ±22 (an exact double), the value is one correctly rounded
 * multiplication or division of two exact doubles — the same double `Number(text)` returns, by
 * the classic fast path of decimal conversion. Anything else is left to `Number(text)`.
 */
export function decimalValue(text: string): number {
  const length = text.length;
  let at = 0;
  const first = text.charCodeAt(0);
  const negative = first === 0x2d;
  if (negative || first === 0x2b) at++;
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let scale = 0;
  let point = false;
  for (; at < length; at++) {
    const c = text.charCodeAt(at);
    if (c === 0x2e && !point) {
      point = true;
      continue;
    }
    if (c < 0x30 || c > 0x39) break;
    digits++;
    if (point) scale++;
    if (significant > 0 || c !== 0x30) {
      significant++;
      mantissa = mantissa * 10 + (c - 0x30);
    }
  }
  if (digits === 0) return NaN;
  let exponent = 0;
  if (at < length && (text.charCodeAt(at) | 0x20) === 0x65) {
    at++;
    const sign = text.charCodeAt(at);
    if (sign === 0x2d || sign === 0x2b) at++;
    const start = at;
    for (; at < length; at++) {
      const c = text.charCodeAt(at);
      if (c < 0x30 || c > 0x39) break;
      // Past 10^5 the value is 0 or Infinity whatever follows; Number() below decides which.
      if (exponent < 100_000) exponent = exponent * 10 + (c - 0x30);
    }
    if (at === start) return NaN;
    if (sign === 0x2d) exponent = -exponent;
  }
  if (at !== length) return NaN;
  const power = exponent - scale;
  if (significant > MAX_EXACT_DIGITS || power < -22 || power > 22) return Number(text);
  const magnitude = power >= 0 ? mantissa * POWERS_OF_TEN[power]! : mantissa / POWERS_OF_TEN[-power]!;
  return negative ? -magnitude : magnitude;
}

/** A whole number, also as exporters write one from a float column (`3.0`, `3.`); not `3.5` or `3e0`. */
const INTEGER = /^[+-]?\d+(?:\.0*)?$/;

/** The values an integer column takes, and the problem named when a value is outside them. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  readonly problem: string;
}

export function parseInteger(raw: string, range?: IntegerRange): ParseResult {
  const text = raw.trim();
  if (!INTEGER.test(text)) return { problem: 'not an integer' };
  const value = Number(text);
  if (!Number.isSafeInteger(value)) return { problem: 'integer out of range' };
  if (range && (value < range.min || value > range.max)) return { problem: range.problem };
  return { text, value };
}
