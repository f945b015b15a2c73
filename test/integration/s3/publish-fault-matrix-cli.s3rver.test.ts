/**
 * The S3 publish fault matrix through the CLI (`market-pulse run`, in process), on
 * the wire: s3rver behind a proxy that gives it S3's conditional writes and injects faults
 * (test/helpers/s3-fault-matrix.ts says which). Totals are in docs/publishing.md.
 */
import { beforeAll, describe, it, vi } from 'vitest';
import { expectMatrixTotals } from '../../helpers/publish-outcomes.js';
import { cliDriver, runFaultMatrix } from '../../helpers/s3-fault-matrix.js';
import { usePublishHarness } from '../../helpers/s3-publish-harness.js';

// Every S3 client the product makes here keeps the SDK's retry decisions, with 10 ms delays.
vi.mock('../../../lambdas/adapters/s3/client.js', async (original) =>
  (await import('../../helpers/quick-retries.js')).withQuickRetries(await original()),
);

// colors.csv goes up as a multipart upload of two parts (test/helpers/s3-fault-matrix.ts).
vi.mock('../../../lambdas/adapters/s3/object-upload.js', async (original) => ({
  ...(await original<typeof import('../../../lambdas/adapters/s3/object-upload.js')>()),
  PART_BYTES: 16 * 1024,
}));

const harness = usePublishHarness();

beforeAll(() => harness.useCliEnvironment());

describe('publishing to S3 under injected faults, CLI', () => {
  it('ends complete or with nothing visible, says which, and the next attempt completes it', async () => {
    const totals = await runFaultMatrix(harness, cliDriver(harness));
    expectMatrixTotals(totals, 'S3, CLI');
  }, 600_000);
});
