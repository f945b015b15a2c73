import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_BACKFILL_DATES, planBackfillDates } from '../../../lambdas/backfill/plan-dates.js';
import { UsageError } from '../../../lambdas/errors.js';

describe('planBackfillDates', () => {
  it('lists every date from `from` to `to`, inclusive, across month ends', () => {
    expect(planBackfillDates({ from: '2026-02-27', to: '2026-03-02' })).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(planBackfillDates({ from: '2026-11-20', to: '2026-11-20' })).toEqual(['2026-11-20']);
  });

  it('leaves weekends out on request', () => {
    // 2026-11-16 is a Monday.
    expect(planBackfillDates({ from: '2026-11-16', to: '2026-11-23', skipWeekends: true })).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-23',
    ]);
  });

  it('refuses reversed, impossible, too long and malformed ranges', () => {
    expect(() => planBackfillDates({ from: '2026-11-21', to: '2026-11-20' })).toThrow('from 2026-11-21 is after to 2026-11-20');
    expect(() => planBackfillDates({ from: '2026-02-30', to: '2026-03-02' })).toThrow(UsageError);
    expect(() => planBackfillDates({ from: '2020-01-01', to: '2026-01-01' })).toThrow(
      `split it into ranges of at most ${MAX_BACKFILL_DATES} days`,
    );
    expect(() => planBackfillDates({ from: '2026-11-20' })).toThrow(/to: /);
    expect(() => planBackfillDates({ from: '2026-11-20', to: '2026-11-21', weekends: false })).toThrow(/weekends/);
  });

  it('gives consecutive, ordered dates whose count matches the range', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.nat(200),
        fc.boolean(),
        (start, length, skipWeekends) => {
          const from = start.toISOString().slice(0, 10);
          const to = new Date(Date.parse(`${from}T00:00:00Z`) + length * 86_400_000).toISOString().slice(0, 10);
          const dates = planBackfillDates({ from, to, skipWeekends });
          expect([...dates].sort()).toEqual(dates);
          expect(new Set(dates).size).toBe(dates.length);
          if (!skipWeekends) expect(dates.length).toBe(length + 1);
          for (const date of dates) {
            expect(date >= from && date <= to).toBe(true);
            if (skipWeekends) expect([0, 6]).not.toContain(new Date(`${date}T00:00:00Z`).getUTCDay());
          }
        },
      ),
    );
  });
});
