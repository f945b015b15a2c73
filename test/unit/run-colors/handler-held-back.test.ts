/**
 * The deployed entry point on a held-back run: the database edge is replaced by rows whose every
 * date is written the US way (so every row is rejected); S3 is mocked at the SDK. The run is
 * published but held back, the invocation fails, and RunsHeldBack (not RunsFailed) is emitted with
 * RunsFailed's namespace and dimensions — once per run: a redelivery fails again, uncounted.
 */
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput, emfDocuments, lambdaContext } from '../../helpers/lambda-harness.js';

vi.mock('../../../lambdas/adapters/oracle/source.js', async () => {
  const { MemorySource, recordOf } = await import('../../helpers/memory-ports.js');
  const { COLUMNS } = await import('../../../lambdas/pipeline/columns.js');
  const rows = [
    recordOf({ MESSAGE_ID: '1', CUSIP: 'AAA', DATE: '3/13/2026', PX: '1' }),
    recordOf({ MESSAGE_ID: '2', CUSIP: 'BBB', DATE: '3/14/2026', PX: '2' }),
  ];
  return {
    OracleSource: class extends MemorySource {
      constructor() {
        super([...COLUMNS], rows);
      }
    },
  };
});

const s3 = mockClient(S3Client);
const stored = new Map<string, Buffer>();
let written: string[];

beforeAll(() => {
  Object.assign(process.env, { STAGE: 'test', RESULTS_BUCKET: 'mp-results', RESULTS_PREFIX: 'colors', SCHEDULE_TZ: 'America/New_York' });
});
beforeEach(() => {
  s3.reset();
  written = captureOutput();
  // A tiny bucket: what is put can be got back.
  // No file uploaded to the day: the run reads the database alone.
  s3.on(ListObjectVersionsCommand).resolves({});
  s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: Buffer }) => {
    stored.set(input.Key, input.Body);
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = stored.get(input.Key);
    if (!body)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToString: async () => body.toString('utf8') } };
  });
});
afterEach(() => vi.restoreAllMocks());

describe('run-colors handler, held-back run', () => {
  it('fails with RUN_HELD_BACK and counts RunsHeldBack once; the redelivery fails again without rerunning or counting', async () => {
    const { handler } = await import('../../../lambdas/run-colors/handler.js');
    const event = { scheduledTime: '2026-11-21T03:30:00Z' };
    const first = await handler(event, lambdaContext('market-pulse-test-run-colors', 60_000)).then(
      () => expect.unreachable('expected a held-back failure'),
      (error: unknown) => error as Error & { code?: string },
    );
    expect(first).toMatchObject({ code: 'RUN_HELD_BACK' });
    expect(first.message).toMatch(/is held back: no ranked rows \(2 read: 0 excluded, 2 rejected\)/);

    const keys = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key!);
    expect(keys.map((key) => key.split('/').at(-1))).toEqual([
      'colors.csv',
      'excluded.csv',
      'rejected.csv',
      'parents.jsonl',
      'changes.json',
      'report.html',
      'manifest.json',
    ]);
    expect(keys.some((key) => key.endsWith('latest.json'))).toBe(false);

    const metrics = emfDocuments(written);
    const heldBack = metrics.find((m) => m.RunsHeldBack === 1);
    expect(heldBack).toMatchObject({ stage: 'test', service: 'market-pulse' });
    expect((heldBack!._aws as { CloudWatchMetrics: { Namespace: string }[] }).CloudWatchMetrics[0]!.Namespace).toBe('MarketPulse');
    expect(metrics.some((m) => 'RunsFailed' in m || 'RunsSucceeded' in m)).toBe(false);
    expect(written.join('')).toContain('"message":"run held back"');

    written.length = 0;
    s3.resetHistory();
    const again = await handler(event, lambdaContext('market-pulse-test-run-colors', 60_000)).then(
      () => expect.unreachable('expected a held-back failure'),
      (error: unknown) => error as Error & { code?: string },
    );
    expect(again).toMatchObject({ code: 'RUN_HELD_BACK', repeat: true });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(emfDocuments(written).some((m) => 'RunsHeldBack' in m || 'RunsFailed' in m)).toBe(false);
  });
});
