/**
 * The time an Oracle session may spend (docs/oracle.md, "Connecting"): the deadline less the
 * policy's safety margin and, while opening, the open timeout; every connect and call timeout is
 * held below what is left.
 */
import { TransientSourceError } from '../../errors.js';
import type { RetryPolicy } from './retry.js';

/** A call is not started with less than the policy's minimum attempt time left. */
export class TimeBudget {
  constructor(
    private readonly deadline: () => number,
    private readonly now: () => number,
    private readonly limits: Pick<RetryPolicy, 'safetyMarginMs' | 'minAttemptMs'> & { readonly maxCallTimeoutMs: number },
    private readonly openBy: number | undefined,
  ) {}

  leftMs(): number {
    const beforeDeadline = this.deadline() - this.limits.safetyMarginMs;
    return this.openBy === undefined ? beforeDeadline : Math.min(beforeDeadline, this.openBy - this.now());
  }

  /** Whole milliseconds left; too few for a call ends the work as transient (a later run may do better). */
  forCall(): number {
    const left = this.leftMs();
    if (left < this.limits.minAttemptMs) {
      throw new TransientSourceError('not enough time left for another Oracle call; stopping before the deadline');
    }
    return Math.floor(left);
  }

  callTimeoutMs(): number {
    return Math.min(this.limits.maxCallTimeoutMs, this.forCall());
  }

  /** Which bound stopped the retries: the open timeout when it is the nearer one. */
  openTimeoutFirst(): boolean {
    return this.openBy !== undefined && this.openBy - this.now() <= this.deadline() - this.limits.safetyMarginMs;
  }

  afterOpening(): TimeBudget {
    return new TimeBudget(this.deadline, this.now, this.limits, undefined);
  }
}
