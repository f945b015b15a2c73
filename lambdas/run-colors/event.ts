/**
 * The `run-colors` event (docs/runbook.md, "Reading a run") and what run it asks for. Without `asOf`, the as-of date is the
 * date of `scheduledTime` in the schedule's time zone (so a retry after midnight still runs the
 * right day), or today there. A scheduled run's id derives from its scheduled time, so a duplicate
 * delivery names the same run; a manual run gets a fresh, time-ordered id, and so does a run that
 * a file uploaded to the day asked for (`{ asOf, trigger: "upload", key }`, upload-batch.ts).
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
  trigger: z.literal('upload', { error: 'must be "upload" (the only trigger an event names)' }).optional(),
  key: z.string({ error: 'must be the S3 key of the upload' }).min(1, { error: 'must be the S3 key of the upload' }).max(1024).optional(),
});

/** What started a run: the schedule, a person or a backfill (`manual`), or a file uploaded to its day. */
export type RunTrigger = 'scheduled' | 'manual' | 'upload';

export interface RunPlan {
  readonly asOf: string;
  readonly runId: string;
  /** Scheduled runs are idempotent per scheduled time; manual and upload runs always run. */
  readonly trigger: RunTrigger;
  readonly dryRun: boolean;
  /** An upload run: the key of the upload that asked for it (the run reads every upload of the day). */
  readonly key?: string;
}

const EXPECTED =
  '(expected { "asOf"?: "YYYY-MM-DD", "scheduledTime"?: ISO-8601, "dryRun"?: boolean }, ' +
  'or { "asOf": "YYYY-MM-DD", "trigger": "upload", "key": "<key>" })';

export function planRun(event: unknown, scheduleClock: ZoneClock, now: Date): RunPlan {
  const parsed = eventSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatJsonPath(issue.path) || 'event'}: ${issue.message}`);
    throw new UsageError(`invalid run-colors event: ${problems.join('; ')} ${EXPECTED}`);
  }
  const { asOf, scheduledTime, dryRun = false, trigger, key } = parsed.data;
  if (trigger === 'upload') return uploadPlan(asOf, key, scheduledTime, dryRun, now);
  if (key !== undefined) throw new UsageError(`invalid run-colors event: key: goes with "trigger": "upload" ${EXPECTED}`);
  const scheduled = scheduledTime === undefined ? undefined : new Date(scheduledTime);
  return {
    asOf: asOf !== undefined ? parseAsOf(asOf) : todayIn(scheduleClock, scheduled ?? now),
    runId: scheduled ? scheduledRunId(scheduled) : newRunId(now.getTime()),
    trigger: scheduled ? 'scheduled' : 'manual',
    dryRun,
  };
}

function uploadPlan(
  asOf: string | undefined,
  key: string | undefined,
  scheduledTime: string | undefined,
  dryRun: boolean,
  now: Date,
): RunPlan {
  const problems = [
    ...(asOf === undefined ? ['asOf: an upload run names its as-of date'] : []),
    ...(key === undefined ? ['key: an upload run names the key of the upload'] : []),
    ...(scheduledTime !== undefined ? ['scheduledTime: an upload run is not scheduled'] : []),
  ];
  if (problems.length > 0) throw new UsageError(`invalid run-colors event: ${problems.join('; ')} ${EXPECTED}`);
  return { asOf: parseAsOf(asOf!), runId: newRunId(now.getTime()), trigger: 'upload', dryRun, key: key! };
}
