/**
 * A circuit breaker: after N consecutive failures it opens and fails fast for a cool-down, then lets
 * exactly one trial call through (half-open); the trial's outcome closes or re-opens it.
 *
 * Why: a database that keeps refusing (a paused instance, a dead VPN) should not be hit by every
 * retry of every warm invocation. An instance kept at module scope survives warm invocations, so a
 * run that starts while the circuit is open learns it at once — and, through `retryAfterMs`, how
 * long to wait for the trial if it has the time.
 */
import { TransientSourceError } from '../../errors.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold?: number;
  readonly coolDownMs?: number;
  readonly now?: () => number;
  /** Named in the fail-fast message, e.g. `Oracle db.example.com:1521/COLORS`. */
  readonly name?: string;
}

const DEFAULT_FAILURE_THRESHOLD = 3;
const DEFAULT_COOL_DOWN_MS = 60_000;

/** Thrown without calling the operation while the circuit is open (or its one trial is running). */
export class CircuitOpenError extends TransientSourceError {
  override readonly name: string = 'CircuitOpenError';
  /** Milliseconds until a trial call will be let through. */
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

export class CircuitBreaker {
  readonly failureThreshold: number;
  readonly coolDownMs: number;
  private readonly now: () => number;
  private readonly name: string;
  private failures = 0;
  private openedAt: number | undefined;
  private trialRunning = false;

  constructor(options: CircuitBreakerOptions = {}) {
    this.failureThreshold = options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD;
    this.coolDownMs = options.coolDownMs ?? DEFAULT_COOL_DOWN_MS;
    this.now = options.now ?? Date.now;
    this.name = options.name ?? 'the database';
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1)
      throw new RangeError('failureThreshold must be a positive integer');
    if (!(this.coolDownMs >= 0)) throw new RangeError('coolDownMs must not be negative');
  }

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.coolDownMs ? 'half-open' : 'open';
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /**
   * Runs the operation unless the circuit is open. Only errors for which `isFailure` is true count
   * against the database; others (it answered "invalid credentials", the run ran out of time) leave
   * the count as it was, and only a success closes the circuit.
   */
  async run<T>(operation: () => Promise<T>, isFailure: (error: unknown) => boolean = () => true): Promise<T> {
    const state = this.state;
    if (state === 'open') throw this.openError(this.openedAt! + this.coolDownMs - this.now());
    if (state === 'half-open') {
      // One trial at a time: a concurrent caller waits for its verdict like any caller of an open circuit.
      if (this.trialRunning) throw this.openError(this.coolDownMs);
      this.trialRunning = true;
    }
    try {
      const result = await operation();
      this.recordSuccess();
      return result;
    } catch (error) {
      if (isFailure(error)) this.recordFailure();
      throw error;
    } finally {
      if (state === 'half-open') this.trialRunning = false;
    }
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openedAt = undefined;
  }

  recordFailure(): void {
    this.failures++;
    // A failed trial re-opens at once; otherwise open on reaching the threshold.
    if (this.openedAt !== undefined || this.failures >= this.failureThreshold) this.openedAt = this.now();
  }

  private openError(retryAfterMs: number): CircuitOpenError {
    const wait = Math.max(0, Math.ceil(retryAfterMs));
    return new CircuitOpenError(
      `not trying ${this.name}: the last ${this.failures} attempt(s) to reach it failed, so the circuit breaker is open; ` +
        `the next trial is allowed in ${Math.ceil(wait / 1000)} s (a later run will try again)`,
      wait,
    );
  }
}
