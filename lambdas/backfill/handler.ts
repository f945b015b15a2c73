/**
 * The backfill state machine's first step: `{ from, to, skipWeekends? }` → `{ dates }`, which the
 * Map state then runs `run-colors` over, a few dates at a time.
 */
import { planBackfillDates } from './plan-dates.js';

export async function handler(event: unknown): Promise<{ dates: string[] }> {
  return { dates: planBackfillDates(event) };
}
