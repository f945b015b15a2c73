/**
 * The S3 publish fault matrix through the CLI (`market-pulse run`, in process), on
 * the wire: s3rver behind a proxy that gives it S3's conditional writes and injects faults
 * (test/helpers/s3-fault-matrix.ts says which). Totals are in docs/publishing.md.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { cliDriver, runFaultMatrix } from '../../helpers/s3-fault-matrix.js';
import { documentedTotals } from '../../helpers/publish-outcomes.js';
import { usePublishHarness } from '../../helpers/s3-publish-harness.js';

// Every S3 client the product makes here keeps the SDK's retry decisions, with 10 ms delays.
vi.mock('../../../lambdas/adapters/s3/client.js', async (original) => {
  const real = await original<typeof import('../../../lambdas/adapters/s3/client.js')>();
  const { quickRetries } = await import('../../helpers/quick-retries.js');
  return { ...real, createS3Client: (config = {}, timeouts?: Parameters<typeof real.createS3Client>[1]) => real.createS3Client({ retryStrategy: quickRetries(), ...config }, timeouts) };
});

const harness = usePublishHarness();

beforeAll(() => harness.useCliEnvironment());

describe('publishing to S3 under injected faults, CLI', () => {
  it('ends complete or with nothing visible, says which, and the next attempt completes it', async () => {
    const totals = await runFaultMatrix(harness, cliDriver(harness));
    console.info(`CLI S3 fault matrix: ${JSON.stringify(totals)}`);
    expect(totals).toMatchObject({ inconsistent: 0, hung: 0 });
    // docs/publishing.md states these totals; a change in the protocol's outcomes must update it.
    expect(totals).toEqual(documentedTotals('S3, CLI'));
    expect(totals.complete + totals.nothing + totals.stored).toBe(totals.faults);
    // Every kind of outcome is reached: the matrix is not trivially passing.
    expect(totals.complete).toBeGreaterThan(0);
    expect(totals.nothing).toBeGreaterThan(0);
    expect(totals.stored).toBeGreaterThan(0);
  }, 300_000);
});
