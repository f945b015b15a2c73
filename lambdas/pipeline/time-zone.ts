/**
 * Wall-clock ↔ instant conversion for one IANA time zone, without a date library.
 *
 * A "wall time" is a local date-time in the zone, carried as the number of milliseconds it would be
 * if read as UTC (`Date.UTC(y, m - 1, d, h, mi, s, ms)`), which keeps the arithmetic plain.
 * Offsets come from Intl and are cached per minute of UTC, so converting a million timestamps that
 * fall on a few days costs a few hundred Intl calls.
 */
const MINUTE_MS = 60_000;

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export class ZoneClock {
  readonly timeZone: string;
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  constructor(timeZone: string) {
    if (!isValidTimeZone(timeZone)) throw new RangeError(`unknown time zone "${timeZone}"`);
    this.timeZone = timeZone;
    this.format =
      timeZone === 'UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** Milliseconds to add to an instant to get the wall time in this zone. */
  offsetAt(instant: number): number {
    const format = this.format;
    if (format === undefined) return 0;
    const minute = Math.floor(instant / MINUTE_MS);
    let offset = this.offsets.get(minute);
    if (offset === undefined) {
      offset = offsetFrom(format, minute * MINUTE_MS);
      this.offsets.set(minute, offset);
    }
    return offset;
  }

  toWall(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /**
   * The instant of a wall time. A wall time skipped by a daylight-saving jump is read with the
   * offset in force before the jump; one that occurs twice resolves to the first occurrence
   * whenever the offsets found agree, and deterministically either way.
   */
  toInstant(wall: number): number {
    const first = wall - this.offsetAt(wall);
    const offset = this.offsetAt(first);
    const second = wall - offset;
    const check = this.offsetAt(second);
    if (check === offset) return second;
    return wall - Math.min(offset, check);
  }

  /** Wall time of the start of the given calendar day (a wall time at midnight). */
  startOfDay(dayWall: number): number {
    return this.toInstant(dayWall);
  }

  /** The calendar date (YYYY-MM-DD) of an instant in this zone. */
  dateOf(instant: number): string {
    return new Date(this.toWall(instant)).toISOString().slice(0, 10);
  }
}

/** The zone's offset at an instant, read from the wall time `format` (a ZoneClock's) shows for it. */
function offsetFrom(format: Intl.DateTimeFormat, instant: number): number {
  const parts = format.formatToParts(new Date(instant));
  const field = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((part) => part.type === type)?.value);
  const wall = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

export const DAY_MS = 86_400_000;
