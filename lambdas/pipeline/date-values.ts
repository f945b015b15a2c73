/**
 * Parsing of date and date-time values (docs/configuration.md, "Values and their limits"): the
 * forms a feed writes, resolved to an instant in the config's zone and written back as ISO-8601
 * local time. Problems name no value, so they can be counted per reason in the manifest.
 */
import type { ZoneClock } from './time-zone.js';
import type { ParsedValue, ParseProblem } from './values.js';

/** A calendar date or date-time, resolved to an instant and written as ISO-8601 local time. */
export interface ParsedDate extends ParsedValue {
  readonly value: number;
  /** True when the source carried no time of day (a bare date). */
  readonly dateOnly: boolean;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

// Oracle's default NLS forms: DATE "20-NOV-26", TIMESTAMP "20-NOV-26 02.03.04.123456 PM".
const ORACLE_DATE_TIME =
  /^(\d{1,2})-([A-Za-z]{3})-(\d{4}|\d{2})(?: (\d{1,2})[.:](\d{2})[.:](\d{2})(?:[.,](\d{1,9}))?(?: ?([AaPp][Mm]))?)?$/;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const DATE_PROBLEM = 'not a date (expected YYYY-MM-DD, an ISO-8601 date-time or an Oracle DD-MON-YY date)';

const PROBLEM_SKIPPED_LOCAL_TIME = "not a local time in the config's time zone (skipped by a daylight-saving change)";

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
  if (offsetMinutes !== undefined && Math.abs(offsetMinutes) > MAX_OFFSET_MINUTES) {
    return { problem: 'not a valid UTC offset (at most ±18:00)' };
  }
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
    if (hour < 1 || hour > 12)
      hour = 99; // rejected below as not a valid time of day
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
