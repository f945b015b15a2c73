import { describe, expect, it } from 'vitest';
import { runWindow } from '../../../lambdas/pipeline/run-window.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';

describe('runWindow', () => {
  const newYork = new ZoneClock('America/New_York');

  it('covers the as-of day in the desk time zone, half-open', () => {
    expect(runWindow('2026-11-20', 1, newYork)).toEqual({
      start: '2026-11-20T05:00:00.000Z',
      end: '2026-11-21T05:00:00.000Z',
      lookbackDays: 1,
      timeZone: 'America/New_York',
      startLocal: '2026-11-20T00:00:00',
      endLocal: '2026-11-21T00:00:00',
    });
  });

  it('reaches back whole days, across a daylight-saving change', () => {
    const window = runWindow('2026-03-09', 3, newYork);
    expect(window.startLocal).toBe('2026-03-07T00:00:00');
    expect(window.start).toBe('2026-03-07T05:00:00.000Z');
    expect(window.end).toBe('2026-03-10T04:00:00.000Z');
    expect(Date.parse(window.end) - Date.parse(window.start)).toBe((3 * 24 - 1) * 3_600_000);
  });
});
