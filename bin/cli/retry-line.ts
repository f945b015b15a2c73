/** The line `run --source oracle` prints for each retry: which attempt, the code, the wait, the time left. */
import type { OracleRetry } from '../../lambdas/adapters/oracle/session.js';

export function retryLine(retry: OracleRetry, timeoutMs: number): string {
  return (
    `retry: attempt ${retry.attempt} of ${retry.maxAttempts} to reach Oracle at ${retry.endpoint} failed (${retry.code}); ` +
    `trying again in ${seconds(retry.delayMs)} (${seconds(Math.max(0, retry.budgetMs))} of --timeout ${seconds(timeoutMs)} left)`
  );
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
