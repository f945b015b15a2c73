/**
 * The as-of dates a backfill re-runs: every calendar date from `from` to `to` inclusive, weekends
 * left out on request. Validated here so a mistyped range fails before any run starts.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { parseAsOf } from '../pipeline/as-of.js';
import { DAY_MS } from '../pipeline/time-zone.js';
import { formatJsonPath } from '../pipeline/validation-issues.js';

/** A year and a bit: enough for any real backfill, small enough for one state machine execution. */
export const MAX_BACKFILL_DATES = 400;

const DATE = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date in the form YYYY-MM-DD' });

const requestSchema = z.strictObject({
  from: DATE,
  to: DATE,
  skipWeekends: z.boolean({ error: 'must be true or false' }).optional(),
});

export type BackfillRequest = z.infer<typeof requestSchema>;

export function planBackfillDates(request: unknown): string[] {
  const parsed = requestSchema.safeParse(request ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path) || 'input'}: ${issue.message}`);
    throw new UsageError(
      `invalid backfill request: ${problems.join('; ')} (expected { "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "skipWeekends"?: boolean })`,
    );
  }
  const from = Date.parse(`${parseAsOf(parsed.data.from)}T00:00:00Z`);
  const to = Date.parse(`${parseAsOf(parsed.data.to)}T00:00:00Z`);
  if (from > to) throw new UsageError(`invalid backfill request: from ${parsed.data.from} is after to ${parsed.data.to}`);
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_BACKFILL_DATES) {
    throw new UsageError(
      `invalid backfill request: ${days} days from ${parsed.data.from} to ${parsed.data.to}; ` +
        `split it into ranges of at most ${MAX_BACKFILL_DATES} days`,
    );
  }
  const dates: string[] = [];
  for (let day = from; day <= to; day += DAY_MS) {
    const weekday = new Date(day).getUTCDay();
    if (parsed.data.skipWeekends && (weekday === 0 || weekday === 6)) continue;
    dates.push(new Date(day).toISOString().slice(0, 10));
  }
  return dates;
}
