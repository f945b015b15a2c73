/** The as-of date a run is for: given explicitly, or today in the desk's time zone. */
import { UsageError } from '../errors.js';
import type { ZoneClock } from './time-zone.js';

const AS_OF = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseAsOf(value: string): string {
  const match = AS_OF.exec(value);
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    throw new UsageError(`as-of date "${value}" is not a calendar date in the form YYYY-MM-DD`);
  }
  return value;
}

export function todayIn(clock: ZoneClock, now: Date = new Date()): string {
  return clock.dateOf(now.getTime());
}
