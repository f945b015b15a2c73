import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../../lambdas/adapters/oracle/circuit-breaker.js';
import { TransientSourceError } from '../../../../lambdas/errors.js';
import { FakeClock } from '../../../helpers/fake-oracle.js';

const down = async (): Promise<never> => {
  throw new Error('NJS-503: could not be established');
};

async function failTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await expect(breaker.run(down)).rejects.toThrow('NJS-503');
}

describe('CircuitBreaker', () => {
  it('opens after 3 consecutive failures by default and then fails fast without calling', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ now: clock.now, name: 'Oracle db:1521/X' });
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');

    let called = false;
    clock.advance(15_000);
    const error = await breaker
      .run(async () => {
        called = true;
      })
      .catch((caught: unknown) => caught);
    expect(called).toBe(false);
    expect(error).toBeInstanceOf(CircuitOpenError);
    expect(error).toBeInstanceOf(TransientSourceError);
    expect((error as CircuitOpenError).retryAfterMs).toBe(45_000);
    expect((error as Error).message).toMatch(
      /not trying Oracle db:1521\/X: the last 3 attempt\(s\) to reach it failed.*next trial is allowed in 45 s/,
    );
  });

  it('half-opens after the cool-down and lets exactly one trial through; success closes it', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ now: clock.now, failureThreshold: 2, coolDownMs: 60_000 });
    await failTimes(breaker, 2);
    clock.advance(60_000);
    expect(breaker.state).toBe('half-open');

    let release!: () => void;
    const trial = breaker.run(() => new Promise<string>((resolve) => (release = () => resolve('back'))));
    // A second caller during the trial does not reach the database.
    await expect(breaker.run(async () => 'second')).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await expect(trial).resolves.toBe('back');
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('re-opens at once when the trial fails, with a fresh cool-down', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ now: clock.now, coolDownMs: 60_000 });
    await failTimes(breaker, 3);
    clock.advance(60_000);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    clock.advance(59_999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
  });

  it('counts only failures: a success resets the count, and errors that are not failures leave it be', async () => {
    const clock = new FakeClock(0);
    const breaker = new CircuitBreaker({ now: clock.now });
    await failTimes(breaker, 2);
    await breaker.run(async () => 'ok');
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    const notAFailure = async (): Promise<never> => {
      throw new Error('ORA-01017');
    };
    await expect(breaker.run(notAFailure, (error) => !(error as Error).message.includes('ORA-01017'))).rejects.toThrow('ORA-01017');
    expect(breaker.consecutiveFailures).toBe(2);
    expect(breaker.state).toBe('closed');
  });

  it('refuses nonsense settings', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ coolDownMs: -1 })).toThrow(RangeError);
  });
});
