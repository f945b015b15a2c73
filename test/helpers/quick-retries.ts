/** Short SDK retry delays for wire tests (kept apart from modules that import the S3 client factory, which tests mock with it). */
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * The SDK's standard retry decisions with short delays: a request is tried up to 3 times when the
 * SDK classes its error as transient or throttling (its own classification, passed in), but waits
 * 10 ms instead of up to 0.4 s (2 s when throttled) between attempts, so the matrix runs fast.
 */
export function quickRetries(maxAttempts = 3, delayMs = 10): NonNullable<S3ClientConfig['retryStrategy']> {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => delayMs, getRetryTokenCount: () => 0 });
  return {
    mode: 'standard',
    acquireInitialRetryToken: async () => token(0),
    refreshRetryTokenForRetry: async (previous: { getRetryCount(): number }, info: { errorType: string }) => {
      const count = previous.getRetryCount() + 1;
      if (count >= maxAttempts || (info.errorType !== 'TRANSIENT' && info.errorType !== 'THROTTLING')) throw new Error('no more retries');
      return token(count);
    },
    recordSuccess: () => {},
  } as NonNullable<S3ClientConfig['retryStrategy']>;
}

type S3ClientModule = typeof import('../../lambdas/adapters/s3/client.js');

/**
 * The S3 client module with {@link quickRetries} in every client it makes, for a wire test's
 * `vi.mock('…/lambdas/adapters/s3/client.js', async (original) => (await import(…)).withQuickRetries(await original()))`.
 */
export function withQuickRetries(real: S3ClientModule): S3ClientModule {
  return {
    ...real,
    createS3Client: (config = {}, timeouts) => real.createS3Client({ retryStrategy: quickRetries(), ...config }, timeouts),
  };
}
