import { describe, expect, it } from 'vitest';
import { isValidTimeZone, ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

describe('ZoneClock', () => {
  const newYork = new ZoneClock('America/New_York');

  it('knows valid and invalid zones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(() => new ZoneClock('Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
  });

  it('converts wall time to instants on both sides of daylight saving', () => {
    expect(newYork.toInstant(Date.UTC(2026, 0, 15, 12))).toBe(Date.parse('2026-01-15T17:00:00Z'));
    expect(newYork.toInstant(Date.UTC(2026, 6, 15, 12))).toBe(Date.parse('2026-07-15T16:00:00Z'));
  });

  it('gives a DST day its 23 hours', () => {
    const start = newYork.toInstant(Date.UTC(2026, 2, 8));
    const end = newYork.toInstant(Date.UTC(2026, 2, 9));
    expect(end - start).toBe(23 * 3_600_000);
  });

  it('reads a skipped wall time with the offset in force before the jump', () => {
    // 02:30 does not exist on 2026-03-08 in New York; read as EST it is 07:30Z.
    expect(newYork.toInstant(Date.UTC(2026, 2, 8, 2, 30))).toBe(Date.parse('2026-03-08T07:30:00Z'));
  });

  it('tells the calendar date of an instant in the zone', () => {
    expect(newYork.dateOf(Date.parse('2026-11-21T03:00:00Z'))).toBe('2026-11-20');
    expect(new ZoneClock('UTC').dateOf(Date.parse('2026-11-21T03:00:00Z'))).toBe('2026-11-21');
  });

  it('agrees with Intl for every hour of a year', () => {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/New_York',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += 3_600_000) {
      const wall = new Date(newYork.toWall(t)).toISOString().slice(0, 16).replace('T', ', ');
      expect(wall).toBe(format.format(new Date(t)));
    }
  });
});
