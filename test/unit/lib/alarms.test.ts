/**
 * The missed-run alarm's metric math, evaluated the way CloudWatch would over simulated weeks of
 * hourly RunsSucceeded sums: it must stay quiet over a weekday schedule's weekends in any zone, DST
 * changes included, and still fire within a day of a missed weekday run.
 */
import { describe, expect, it } from 'vitest';
import { isWeekdayOnly, utcOffsetHours, weekendAllowanceExpression } from '../../../lib/alarms.js';

const HOUR = 3_600_000;
const MISSED_RUN_HOURS = 26;

/** Evaluates `filled + IF(cond, 1, 0)` for one hourly datapoint (DAY: 1 = Monday … 7 = Sunday, UTC). */
function evaluate(expression: string, timestamp: number, filled: number): number {
  const date = new Date(timestamp);
  const day = ((date.getUTCDay() + 6) % 7) + 1;
  const js = expression
    .replaceAll('DAY(filled)', String(day))
    .replaceAll('HOUR(filled)', String(date.getUTCHours()))
    .replaceAll(' AND ', ' && ')
    .replaceAll(' OR ', ' || ')
    .replace(/IF\((.*), 1, 0\)$/, '(($1) ? 1 : 0)')
    .replaceAll('filled', String(filled));
  expect(js).toMatch(/^[\d\s()+\-*<>=&|?:]+$/);
  return Function(`return (${js});`)() as number;
}

/** The UTC instant of a wall-clock time in a zone. */
function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  let guess = wall;
  for (let i = 0; i < 3; i += 1) {
    const parts = Object.fromEntries(format.formatToParts(guess).map((p) => [p.type, Number(p.value)]));
    const shown = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0);
    guess += wall - shown;
  }
  return guess;
}

/** Hour-aligned run times of a weekday schedule over the local calendar days of [from, to). */
function weekdayRuns(timeZone: string, hour: number, minute: number, from: Date, days: number, skip?: string): number[] {
  const runs: number[] = [];
  for (let i = 0; i < days; i += 1) {
    const day = new Date(from.getTime() + i * 24 * HOUR);
    const weekday = day.getUTCDay();
    const label = day.toISOString().slice(0, 10);
    if (weekday === 0 || weekday === 6 || label === skip) continue;
    runs.push(zonedTime(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, minute, timeZone));
  }
  return runs;
}

/** The longest run of consecutive breaching (< 1) hourly datapoints, and when the alarm would first fire. */
function longestBreach(expression: string, runs: number[], from: number, to: number): { longest: number; firesAt: number | undefined } {
  const succeeded = new Set(runs.map((t) => Math.floor(t / HOUR)));
  let streak = 0;
  let longest = 0;
  let firesAt: number | undefined;
  for (let hour = Math.floor(from / HOUR); hour < Math.floor(to / HOUR); hour += 1) {
    // A run succeeds a few minutes after it starts, inside the same hour.
    const value = evaluate(expression, hour * HOUR, succeeded.has(hour) ? 1 : 0);
    streak = value < 1 ? streak + 1 : 0;
    longest = Math.max(longest, streak);
    if (streak === MISSED_RUN_HOURS && firesAt === undefined) firesAt = hour * HOUR;
  }
  return { longest, firesAt };
}

describe('missed-run alarm for a weekday schedule', () => {
  // Six weeks across the March DST changes of both hemispheres' zones.
  const from = new Date(Date.UTC(2027, 2, 1));
  const days = 42;
  const cases = [
    ['America/New_York', 18, 0],
    ['America/New_York', 6, 30],
    ['America/Los_Angeles', 23, 30],
    ['Pacific/Honolulu', 18, 0],
    ['Europe/London', 0, 15],
    ['Asia/Tokyo', 8, 0],
    ['Asia/Kolkata', 19, 30],
    ['Pacific/Auckland', 7, 0],
    ['UTC', 12, 0],
  ] as const;

  it.each(cases)('%s at %d:%d stays quiet over weekends and DST changes', (timeZone, hour, minute) => {
    const expression = weekendAllowanceExpression('cron(0 18 ? * MON-FRI *)', timeZone) as string;
    const runs = weekdayRuns(timeZone, hour, minute, from, days);
    const { longest } = longestBreach(expression, runs, from.getTime() + 3 * 24 * HOUR, from.getTime() + days * 24 * HOUR);
    expect(longest).toBeLessThan(MISSED_RUN_HOURS);
  });

  it.each(cases)('%s at %d:%d fires within 27 hours of a missed Wednesday run', (timeZone, hour, minute) => {
    const expression = weekendAllowanceExpression('cron(0 18 ? * MON-FRI *)', timeZone) as string;
    const skipped = '2027-03-17'; // a Wednesday
    const runs = weekdayRuns(timeZone, hour, minute, from, days, skipped);
    const missed = zonedTime(2027, 3, 17, hour, minute, timeZone);
    const { firesAt } = longestBreach(expression, runs, from.getTime() + 3 * 24 * HOUR, from.getTime() + days * 24 * HOUR);
    expect(firesAt).toBeDefined();
    expect(((firesAt as number) - missed) / HOUR).toBeGreaterThan(0);
    expect(((firesAt as number) - missed) / HOUR).toBeLessThanOrEqual(27);
  });
});

describe('the parts', () => {
  it('recognises a weekday-only cron, and nothing else', () => {
    expect(isWeekdayOnly('cron(0 18 ? * MON-FRI *)')).toBe(true);
    expect(isWeekdayOnly('cron(0 18 ? * 2-6 *)')).toBe(true);
    expect(isWeekdayOnly('cron(0 18 * * ? *)')).toBe(false);
    expect(isWeekdayOnly('cron(0 18 ? * MON-SAT *)')).toBe(false);
    expect(isWeekdayOnly('rate(1 day)')).toBe(false);
    expect(weekendAllowanceExpression('rate(1 day)', 'UTC')).toBeUndefined();
  });

  it("takes the zone's standard offset in whole hours", () => {
    expect(utcOffsetHours('America/New_York')).toBe(-5);
    expect(utcOffsetHours('Asia/Tokyo')).toBe(9);
    expect(utcOffsetHours('UTC')).toBe(0);
    expect(utcOffsetHours('Asia/Kolkata')).toBe(5);
    expect(utcOffsetHours('America/St_Johns')).toBe(-4);
    expect(utcOffsetHours('Pacific/Auckland')).toBe(13); // January is summer there
  });
});
