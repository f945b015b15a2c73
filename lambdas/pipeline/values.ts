/**
 * Parsing of single field values (SPEC §2). Each parser takes the raw text of a non-null field and
 * returns the text the product writes for it plus the value it compares by, or the problem found.
 * Problems name no value, so they can be counted per reason in the manifest.
 */
import type { ZoneClock } from './time-zone.js';

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

/** Empty text, whitespace-only text and SQL NULL (null/undefined) are all null. */
export function isNullText(raw: string | null | undefined): raw is null | undefined {
  return raw === null || raw === undefined || raw.trim() === '';
}

/** {@link isNullText} for a string, without trimming one that visibly has content (most fields). */
export function isBlankText(field: string): boolean {
  if (field.length === 0) return true;
  const first = field.charCodeAt(0);
  // Printable ASCII other than space is not whitespace: the field has content.
  if (first > 0x20 && first < 0x7f) return false;
  return field.trim() === '';
}

const ID = /^\d{1,19}$/;

/** MESSAGE_ID: 1 to 19 digits, kept as text because ids exceed 2^53. */
export function parseId(raw: string): ParseResult {
  const text = raw.trim();
  if (!ID.test(text)) return { problem: 'not an integer id of up to 19 digits' };
  return { text, value: null };
}

/** Compares two digit strings numerically (leading zeros ignored) without leaving text. */
export function compareIds(a: string, b: string): number {
  const x = stripLeadingZeros(a);
  const y = stripLeadingZeros(b);
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

function stripLeadingZeros(digits: string): string {
  let start = 0;
  while (start < digits.length - 1 && digits.charCodeAt(start) === 48) start++;
  return start === 0 ? digits : digits.slice(start);
}

/** The grammar of a decimal (SPEC §2): plain or exponent form. {@link decimalValue} scans it by hand. */
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
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
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

/** A calendar date or date-time, resolved to an instant and written as ISO-8601 local time. */
export interface ParsedDate extends ParsedValue {
  readonly value: number;
  /** True when the source carried no time of day (a bare date). */
  readonly dateOnly: boolean;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

// Oracle's default NLS forms: DATE "20-NOV-26", TIMESTAMP "20-NOV-26 02.03.04.123456 PM".
const ORACLE_DATE_TIME =
  /^(\d{1,2})-([A-Za-z]{3})-(\d{4}|\d{2})(?: (\d{1,2})[.:](\d{2})[.:](\d{2})(?:[.,](\d{1,9}))?(?: ?([AaPp][Mm]))?)?$/;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const DATE_PROBLEM = 'not a date (expected YYYY-MM-DD, an ISO-8601 date-time or an Oracle DD-MON-YY date)';

/**
 * Accepts `YYYY-MM-DD`, ISO-8601 date-times (`T` or space, optional seconds, fraction and zone) and
 * Oracle's default `DD-MON-YY[YY] [HH.MI.SS[.FF] [AM|PM]]`. Times without a zone are wall times in
 * the clock's zone; times with one are converted to it, so every output date reads in one zone.
 */
export function parseDate(raw: string, clock: ZoneClock): ParsedDate | ParseProblem {
  const text = raw.trim();
  const fields = matchIso(text) ?? matchOracle(text);
  if (fields === undefined) return { problem: DATE_PROBLEM };
  const { year, month, day, hour, minute, second, fraction, offsetMinutes, hasTime } = fields;
  // There is no year 0 (Oracle refuses it too): 1 BC is followed by AD 1.
  if (year < 1) return { problem: 'not a calendar date (year 0000 does not exist)' };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { problem: 'not a calendar date' };
  }
  if (hour > 23 || minute > 59 || second > 59) return { problem: 'not a valid time of day' };
  if (offsetMinutes !== undefined && Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) return { problem: 'not a valid UTC offset (at most ±18:00)' };
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const wall = wallTime(year, month, day, hour, minute, second, millis);
  const value = offsetMinutes === undefined ? clock.toInstant(wall) : wall - offsetMinutes * 60_000;
  // A local time in the hour a daylight-saving change skips never happened: which instant was
  // meant cannot be known, so the value is refused rather than moved (docs/configuration.md). A
  // bare date is its whole day, which starts after the gap where a zone skips midnight.
  if (offsetMinutes === undefined && hasTime && clock.toWall(value) !== wall) return { problem: PROBLEM_SKIPPED_LOCAL_TIME };
  const localWall = offsetMinutes === undefined ? wall : clock.toWall(value);
  return { text: formatWall(localWall, hasTime, fraction), value, dateOnly: !hasTime };
}

interface DateFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number | undefined;
  hasTime: boolean;
}

function matchIso(text: string): DateFields | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7] ?? '',
    offsetMinutes: m[8] === undefined ? undefined : parseOffset(m[8]),
    hasTime: m[4] !== undefined,
  };
}

/** ISO-8601 and Java allow offsets up to ±18:00; real zones stay within -12:00 and +14:00. */
const MAX_OFFSET_MINUTES = 18 * 60;

export const PROBLEM_SKIPPED_LOCAL_TIME = "not a local time in the config's time zone (skipped by a daylight-saving change)";

/** Minutes east of UTC; a minutes part over 59 gives a value past any valid offset. */
function parseOffset(zone: string): number {
  if (zone === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutesPart = Number(digits.slice(2) || 0);
  const minutes = minutesPart > 59 ? Infinity : Number(digits.slice(0, 2)) * 60 + minutesPart;
  return zone[0] === '-' ? -minutes : minutes;
}

function matchOracle(text: string): DateFields | undefined {
  const m = ORACLE_DATE_TIME.exec(text);
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!.toUpperCase()) + 1;
  if (month === 0) return undefined;
  let year = Number(m[3]);
  // RR: 00–49 is 20xx, 50–99 is 19xx, as Oracle reads two-digit years.
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  let hour = Number(m[4] ?? 0);
  const meridiem = m[8]?.toUpperCase();
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) hour = 99; // rejected below as not a valid time of day
    else hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  }
  return {
    year,
    month,
    day: Number(m[1]),
    hour,
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7] ?? '',
    offsetMinutes: undefined,
    hasTime: m[4] !== undefined,
  };
}

function daysInMonth(year: number, month: number): number {
  return new Date(wallTime(year, month + 1, 0, 0, 0, 0, 0)).getUTCDate();
}

/** Date.UTC that also takes years 0–99 literally (Date.UTC maps them to 1900–1999). */
export function wallTime(year: number, month: number, day: number, hour: number, minute: number, second: number, millis: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime();
}

/** `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fraction]` when the value carries a time. */
function formatWall(wall: number, hasTime: boolean, fraction: string): string {
  const iso = new Date(wall).toISOString();
  if (!hasTime) return iso.slice(0, 10);
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${iso.slice(0, 19)}.${trimmed}` : iso.slice(0, 19);
}
