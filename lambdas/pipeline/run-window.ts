/**
 * The run window (docs/configuration.md, `window.lookbackDays`): the `lookbackDays` whole days
 * ending on the as-of date, in the desk's time zone, as a half-open interval [start, end).
 * Database sources read rows whose DATE falls in it.
 */
import type { RunWindow } from './manifest.js';
import { DAY_MS, type ZoneClock } from './time-zone.js';

export interface RunWindowBounds extends RunWindow {
  /** Local wall-clock start, `YYYY-MM-DDTHH:MM:SS`, for binding against zone-less DATE columns. */
  readonly startLocal: string;
  /** Local wall-clock end (exclusive). */
  readonly endLocal: string;
}

export function runWindow(asOf: string, lookbackDays: number, clock: ZoneClock): RunWindowBounds {
  const endWall = Date.parse(`${asOf}T00:00:00Z`) + DAY_MS;
  const startWall = endWall - lookbackDays * DAY_MS;
  const local = (wall: number) => new Date(wall).toISOString().slice(0, 19);
  return {
    start: new Date(clock.toInstant(startWall)).toISOString(),
    end: new Date(clock.toInstant(endWall)).toISOString(),
    lookbackDays,
    timeZone: clock.timeZone,
    startLocal: local(startWall),
    endLocal: local(endWall),
  };
}
