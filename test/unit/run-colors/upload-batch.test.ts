/**
 * A batch from the upload queue (lambdas/run-colors/upload-batch.ts): one run per as-of date it
 * names, whatever the number of uploads; the messages of a date whose run failed go back to the
 * queue and no others; a held-back run is done; a message that names no date is dropped, logged.
 */
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DatabaseError, RunHeldBackError } from '../../../lambdas/errors.js';
import type { Log } from '../../../lambdas/log.js';
import { isSqsBatch, runUploadBatch, type UploadRun } from '../../../lambdas/run-colors/upload-batch.js';

const objectCreated = (key: string) =>
  JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: { bucket: { name: 'b' }, object: { key } } });

function batch(bodies: readonly string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `m${index + 1}`,
      receiptHandle: 'h',
      body,
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 's', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:q',
      awsRegion: 'us-east-1',
    })),
  };
}

function recordingLog(): Log & { warnings: Record<string, unknown>[] } {
  const warnings: Record<string, unknown>[] = [];
  const none = () => {};
  return { warnings, debug: none, info: none, error: none, warn: (message, extra) => warnings.push({ message, ...extra }) };
}

async function runBatch(bodies: readonly string[], outcome: (event: UploadRun['event']) => Promise<unknown> = async () => ({})) {
  const runs: UploadRun['event'][] = [];
  const log = recordingLog();
  const response = await runUploadBatch(
    batch(bodies),
    'market-pulse',
    (event) => {
      runs.push(event);
      return outcome(event);
    },
    log,
  );
  return { runs, response, log };
}

const key = (asOf: string, name: string) => `market-pulse/uploads/as-of=${asOf}/${name}`;

describe('an upload batch', () => {
  it('is told apart from a run event', () => {
    expect(isSqsBatch(batch([objectCreated(key('2026-11-20', 'a.csv'))]))).toBe(true);
    expect(isSqsBatch({ asOf: '2026-11-20' })).toBe(false);
    expect(isSqsBatch({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isSqsBatch(null)).toBe(false);
  });

  it('runs each date once, in the order the dates came, naming the first key of each', async () => {
    const ten = Array.from({ length: 10 }, (_, index) => objectCreated(key('2026-11-20', `desk-${index}.csv`)));
    const { runs, response } = await runBatch([...ten.slice(0, 4), objectCreated(key('2026-11-19', 'x.jsonl')), ...ten.slice(4)]);
    expect(runs).toEqual([
      { asOf: '2026-11-20', trigger: 'upload', key: key('2026-11-20', 'desk-0.csv') },
      { asOf: '2026-11-19', trigger: 'upload', key: key('2026-11-19', 'x.jsonl') },
    ]);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it("hands back the messages of a date whose run failed, and only those; a held-back run's are done", async () => {
    const bodies = [
      objectCreated(key('2026-11-20', 'a.csv')),
      objectCreated(key('2026-11-19', 'b.csv')),
      objectCreated(key('2026-11-20', 'c.csv')),
      objectCreated(key('2026-11-18', 'd.csv')),
    ];
    const { response } = await runBatch(bodies, async (event) => {
      if (event.asOf === '2026-11-20') throw new DatabaseError('ORA-00942: table or view does not exist');
      if (event.asOf === '2026-11-18') throw new RunHeldBackError('held back: no ranked rows');
      return {};
    });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm3' }] });
  });

  it('drops, with a warning, a message that names no date: outside the dated folders, another prefix, not an S3 event, not JSON', async () => {
    const { runs, response, log } = await runBatch([
      objectCreated('market-pulse/uploads/late.csv'),
      objectCreated('other/uploads/as-of=2026-11-20/a.csv'),
      objectCreated(key('2026-02-30', 'a.csv')),
      JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: { object: { key: key('2026-11-20', 'a.csv') } } }),
      'not json',
      objectCreated('market-pulse/uploads/as-of%3D2026-11-17/encoded.csv'),
    ]);
    expect(runs).toEqual([{ asOf: '2026-11-17', trigger: 'upload', key: 'market-pulse/uploads/as-of%3D2026-11-17/encoded.csv' }]);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(log.warnings.map((warning) => [warning.messageId, warning.key])).toEqual([
      ['m1', 'market-pulse/uploads/late.csv'],
      ['m2', 'other/uploads/as-of=2026-11-20/a.csv'],
      ['m3', key('2026-02-30', 'a.csv')],
      ['m4', null],
      ['m5', null],
    ]);
    expect(log.warnings[0]).toMatchObject({ expected: 'market-pulse/uploads/as-of=YYYY-MM-DD/<file>' });
  });
});
