import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_RETRY_POLICY, RetryExhaustedError, retry } from '../../../../lambdas/adapters/oracle/retry.js';
import { FakeClock } from '../../../helpers/fake-oracle.js';

class Flaky extends Error {}
const isFlaky = (error: unknown) => error instanceof Flaky;

/** An operation that fails `failures` times, each attempt costing `costMs` on the clock. */
function flaky(clock: FakeClock, failures: number, costMs = 0) {
  const calls: number[] = [];
  const operation = async (attempt: number) => {
    calls.push(attempt);
    clock.advance(costMs);
    if (calls.length <= failures) throw new Flaky(`failure ${calls.length}`);
    return `ok after ${attempt}`;
  };
  return { calls, operation };
}

describe('retry', () => {
  it('returns the first success without waiting', async () => {
    const clock = new FakeClock();
    const { calls, operation } = flaky(clock, 0);
    await expect(retry(operation, { isRetryable: isFlaky, sleep: clock.sleep })).resolves.toBe('ok after 1');
    expect(calls).toEqual([1]);
    expect(clock.sleeps).toEqual([]);
  });

  it('retries transient failures with full-jitter exponential backoff, then succeeds', async () => {
    const clock = new FakeClock();
    const { calls, operation } = flaky(clock, 3);
    const events: number[] = [];
    const result = await retry(operation, {
      isRetryable: isFlaky,
      sleep: clock.sleep,
      random: () => 0.5,
      remainingMs: clock.remaining,
      onRetry: ({ attempt }) => events.push(attempt),
    });
    expect(result).toBe('ok after 4');
    expect(calls).toEqual([1, 2, 3, 4]);
    // half of 250, 500, 1000 ms
    expect(clock.sleeps).toEqual([125, 250, 500]);
    expect(events).toEqual([1, 2, 3]);
  });

  it('rethrows a non-retryable error at once, unchanged', async () => {
    const clock = new FakeClock();
    const fatal = new Error('ORA-00942');
    let calls = 0;
    const operation = async () => {
      calls++;
      throw fatal;
    };
    await expect(retry(operation, { isRetryable: isFlaky, sleep: clock.sleep })).rejects.toBe(fatal);
    expect(calls).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('stops before the deadline minus the safety margin, counting the attempts', async () => {
    const clock = new FakeClock(0, 40_000);
    const { calls, operation } = flaky(clock, Number.POSITIVE_INFINITY, 5_000);
    const error = await retry(operation, {
      isRetryable: isFlaky,
      sleep: clock.sleep,
      random: () => 0.999,
      now: clock.now,
      remainingMs: clock.remaining,
      policy: { maxAttempts: 100, safetyMarginMs: 10_000 },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    const exhausted = error as RetryExhaustedError;
    expect(exhausted.reason).toBe('deadline');
    expect(exhausted.attempts).toBe(calls.length);
    expect(exhausted.attempts).toBeGreaterThan(1);
    expect(exhausted.cause).toBeInstanceOf(Flaky);
    expect(exhausted.elapsedMs).toBe(clock.time);
    // Never started an attempt inside the safety margin.
    expect(clock.time).toBeLessThanOrEqual(40_000 - 10_000 + 5_000);
    expect(exhausted.message).toMatch(/gave up after \d+ attempt\(s\) in \d+\.\d s: not enough time left/);
  });

  it('stops at the attempt limit', async () => {
    const clock = new FakeClock();
    const { calls, operation } = flaky(clock, Number.POSITIVE_INFINITY);
    const error = (await retry(operation, { isRetryable: isFlaky, sleep: clock.sleep, policy: { maxAttempts: 3 } }).catch(
      (e: unknown) => e,
    )) as RetryExhaustedError;
    expect(error.reason).toBe('attempts');
    expect(error.attempts).toBe(3);
    expect(calls).toEqual([1, 2, 3]);
  });

  it('does not even start without time for one attempt', async () => {
    const clock = new FakeClock(0, 5_000);
    const { calls, operation } = flaky(clock, 0);
    const error = (await retry(operation, { isRetryable: isFlaky, remainingMs: clock.remaining }).catch(
      (e: unknown) => e,
    )) as RetryExhaustedError;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error.attempts).toBe(0);
    expect(calls).toEqual([]);
  });

  it('waits at least what the error asks for, and gives up when that is past the deadline', async () => {
    class Busy extends Error {
      retryAfterMs = 3_000;
    }
    const clock = new FakeClock(0, 60_000);
    let calls = 0;
    const operation = async () => {
      if (++calls < 3) throw new Busy();
      return 'done';
    };
    const options = {
      isRetryable: (error: unknown) => error instanceof Busy,
      retryAfterMs: (error: unknown) => (error instanceof Busy ? error.retryAfterMs : undefined),
      sleep: clock.sleep,
      random: () => 0,
      remainingMs: clock.remaining,
    };
    await expect(retry(operation, options)).resolves.toBe('done');
    expect(clock.sleeps).toEqual([3_000, 3_000]);

    const tight = new FakeClock(0, 12_500);
    calls = 0;
    const error = (await retry(operation, { ...options, sleep: tight.sleep, remainingMs: tight.remaining }).catch(
      (e: unknown) => e,
    )) as RetryExhaustedError;
    expect(error.reason).toBe('deadline');
    expect(error.attempts).toBe(1);
    expect(tight.sleeps).toEqual([]);
  });
});

describe('backoffDelay', () => {
  it('draws from [0, min(cap, base·2^(n-1))) — full jitter', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        const delay = backoffDelay(attempt, DEFAULT_RETRY_POLICY, () => random);
        const ceiling = Math.min(DEFAULT_RETRY_POLICY.maxDelayMs, DEFAULT_RETRY_POLICY.baseDelayMs * 2 ** (attempt - 1));
        return Number.isInteger(delay) && delay >= 0 && delay < ceiling;
      }),
    );
  });

  it('caps the ceiling at maxDelayMs', () => {
    expect(backoffDelay(30, DEFAULT_RETRY_POLICY, () => 0.9999)).toBe(9_999);
  });
});
