/**
 * Exponential backoff with full jitter, bounded by a deadline.
 *
 * Full jitter (delay drawn uniformly from [0, min(cap, base·2^n)]) spreads retries so a database
 * coming back is not hit by every waiting client at once. The deadline is the Lambda's remaining
 * time minus a safety margin: an attempt is only started when there is time for it, so the handler
 * always keeps enough time to fail cleanly (log, metrics, nothing published) instead of being
 * killed mid-call. Clock, sleep and randomness are injected so tests run in no time.
 */

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Time kept back from the deadline for failing cleanly. */
  readonly safetyMarginMs: number;
  /** An attempt is not started with less time than this left (after the margin). */
  readonly minAttemptMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  safetyMarginMs: 10_000,
  minAttemptMs: 1_000,
};

export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  readonly policy?: Partial<RetryPolicy>;
  /** Milliseconds left before the hard deadline (e.g. Lambda's getRemainingTimeInMillis). */
  readonly remainingMs?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Epoch ms, for the elapsed time reported when giving up. */
  readonly now?: () => number;
  /** Uniform in [0, 1). */
  readonly random?: () => number;
  /** Errors for which another attempt may help; anything else is rethrown at once, unchanged. */
  readonly isRetryable: (error: unknown) => boolean;
  /** A minimum wait an error asks for (e.g. an open circuit's cool-down). */
  readonly retryAfterMs?: (error: unknown) => number | undefined;
  readonly onRetry?: (event: RetryEvent) => void;
}

/** Retrying stopped while the error was still retryable; `cause` is the last error. */
export class RetryExhaustedError extends Error {
  readonly attempts: number;
  readonly reason: 'deadline' | 'attempts';
  readonly elapsedMs: number;
  constructor(attempts: number, reason: 'deadline' | 'attempts', elapsedMs: number, lastError: unknown) {
    super(
      reason === 'deadline'
        ? `gave up after ${attempts} attempt(s) in ${seconds(elapsedMs)}: not enough time left for another`
        : `gave up after ${attempts} attempt(s) in ${seconds(elapsedMs)}`,
      { cause: lastError },
    );
    this.name = 'RetryExhaustedError';
    this.attempts = attempts;
    this.reason = reason;
    this.elapsedMs = elapsedMs;
  }
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The full-jitter delay before attempt `failedAttempt + 1`. */
export function backoffDelay(failedAttempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.floor(random() * ceiling);
}

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  const remainingMs = options.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const budget = () => remainingMs() - policy.safetyMarginMs;
  const now = options.now ?? Date.now;
  const started = now();
  const elapsed = () => now() - started;

  let lastError: unknown = new Error('there was no time left to try at all');
  for (let attempt = 1; ; attempt++) {
    // Checked again after each sleep: a slow sleep (or a slow event loop) may have eaten the margin.
    if (budget() < policy.minAttemptMs) throw new RetryExhaustedError(attempt - 1, 'deadline', elapsed(), lastError);
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.isRetryable(error)) throw error;
      lastError = error;
      if (attempt >= policy.maxAttempts) throw new RetryExhaustedError(attempt, 'attempts', elapsed(), error);
      const delayMs = Math.max(backoffDelay(attempt, policy, random), options.retryAfterMs?.(error) ?? 0);
      if (budget() - delayMs < policy.minAttemptMs) throw new RetryExhaustedError(attempt, 'deadline', elapsed(), error);
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
