/**
 * The `run-colors` event (docs/runbook.md, "Reading a run") and what run it asks for. Without `asOf`, the as-of date is the
 * date of `scheduledTime` in the schedule's time zone (so a retry after midnight still runs the
 * right day), or today there. A scheduled run's id derives from its scheduled time, so a duplicate
 * delivery names the same run; a manual run gets a fresh, time-ordered id.
 */
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { parseAsOf, todayIn } from '../pipeline/as-of.js';
import { newRunId, scheduledRunId } from '../pipeline/run-id.js';
import type { ZoneClock } from '../pipeline/time-zone.js';
import { formatJsonPath } from '../pipeline/validation-issues.js';

const eventSchema = z.strictObject({
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date in the form YYYY-MM-DD' })
    .optional(),
  scheduledTime: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time such as 2026-11-20T23:00:00Z' }).optional(),
  dryRun: z.boolean({ error: 'must be true or false' }).optional(),
});

export interface RunPlan {
  readonly asOf: string;
  readonly runId: string;
  /** Scheduled runs are idempotent per scheduled time; manual runs always run. */
  readonly trigger: 'scheduled' | 'manual';
  readonly dryRun: boolean;
}

export function planRun(event: unknown, scheduleClock: ZoneClock, now: Date): RunPlan {
  const parsed = eventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path) || 'event'}: ${issue.message}`);
    throw new UsageError(
      `invalid run-colors event: ${problems.join('; ')} ` +
        '(expected { "asOf"?: "YYYY-MM-DD", "scheduledTime"?: ISO-8601, "dryRun"?: boolean })',
    );
  }
  const { asOf, scheduledTime, dryRun = false } = parsed.data;
  const scheduled = scheduledTime === undefined ? undefined : new Date(scheduledTime);
  return {
    asOf: asOf !== undefined ? parseAsOf(asOf) : todayIn(scheduleClock, scheduled ?? now),
    runId: scheduled ? scheduledRunId(scheduled) : newRunId(now.getTime()),
    trigger: scheduled ? 'scheduled' : 'manual',
    dryRun,
  };
}
