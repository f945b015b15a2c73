/**
 * The event a run asked for by an upload (`{ asOf, trigger: "upload", key }`): planned as a run of
 * its own with a fresh id, and refused, before anything is read, when it leaves out what it needs.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lambdas/errors.js';
import { ZoneClock } from '../../../lambdas/pipeline/time-zone.js';
import { planRun } from '../../../lambdas/run-colors/event.js';

const clock = new ZoneClock('America/New_York');
const NOW = new Date('2026-11-21T15:00:00Z');
const KEY = 'colors/uploads/as-of=2026-11-20/late.xlsx';

describe('an upload event', () => {
  it('plans a run of its date with a fresh id, trigger upload, and the key that asked for it', () => {
    const plan = planRun({ asOf: '2026-11-20', trigger: 'upload', key: KEY }, clock, NOW);
    expect(plan).toEqual({
      asOf: '2026-11-20',
      runId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      trigger: 'upload',
      dryRun: false,
      key: KEY,
    });
    expect(planRun({ asOf: '2026-11-20', trigger: 'upload', key: KEY }, clock, NOW).runId).not.toBe(plan.runId);
  });

  it.each([
    [{ trigger: 'upload', key: KEY }, 'asOf: an upload run names its as-of date'],
    [{ asOf: '2026-11-20', trigger: 'upload' }, 'key: an upload run names the key of the upload'],
    [
      { asOf: '2026-11-20', trigger: 'upload', key: KEY, scheduledTime: '2026-11-21T03:30:00Z' },
      'scheduledTime: an upload run is not scheduled',
    ],
    [{ asOf: '2026-11-20', key: KEY }, 'key: goes with "trigger": "upload"'],
    [{ asOf: '2026-11-20', trigger: 'scheduled' }, 'trigger: must be "upload"'],
    [{ asOf: '2026-11-20', trigger: 'upload', key: '' }, 'key: must be the S3 key of the upload'],
  ])('refuses %j', (event, problem) => {
    expect(() => planRun(event, clock, NOW)).toThrow(UsageError);
    expect(() => planRun(event, clock, NOW)).toThrow(problem);
  });
});
