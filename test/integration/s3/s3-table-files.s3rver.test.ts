/**
 * S3Sink with a run's Athena table files (outputs.parquet, docs/queries.md): each is created with
 * If-None-Match and its SHA-256 under tables/, after the run's data files and before its manifest,
 * and once latest.json moves, its copy under tables/latest/ follows it byte for byte — also when a
 * newer run moves it on, never back.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { finishedFile } from '../../../lambdas/pipeline/outputs/renderer.js';
import { latestCopyPath, tableFilePath } from '../../../lambdas/pipeline/parquet/table-files.js';
import type { PublishRequest } from '../../../lambdas/pipeline/ports.js';
import { outputFile, runRequest } from '../../helpers/s3-sink-fixtures.js';
import { useS3rver } from '../../helpers/s3rver.js';

const BUCKET = 'mp-tables-test';
const server = useS3rver([BUCKET]);

function withTables(runId: string): PublishRequest {
  const request = runRequest(runId);
  const tableFiles = (['colors', 'excluded', 'rejected'] as const).map((table) => ({
    path: tableFilePath(table, request.asOf, runId),
    file: finishedFile(outputFile(`${table}.parquet`, `PAR1 ${table} of ${runId} PAR1`, 'application/vnd.apache.parquet')),
  }));
  return { ...request, tableFiles };
}

async function text(client: S3Client, key: string): Promise<string> {
  const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return response.Body!.transformToString();
}

describe('S3Sink table files', () => {
  let client: S3Client;
  beforeAll(() => {
    client = server.client();
  });

  it('creates them before the manifest, and the latest.json copy after latest.json, following it forward', async () => {
    const sink = new S3Sink({ client, bucket: BUCKET, prefix: 'desk' });
    const first = withTables('RUN1');
    const before = server.events.length;
    await sink.publish(first);
    const created = server.events
      .slice(before)
      .filter((event) => event.eventName.startsWith('ObjectCreated'))
      .map((event) => event.key);
    const runKey = `desk/runs/as-of=${first.asOf}/run-id=RUN1`;
    const latestKey = `desk/runs/as-of=${first.asOf}/latest.json`;
    const copyKey = `desk/${latestCopyPath(first.asOf)}`;
    expect(created).toEqual([
      ...first.files.map((file) => `${runKey}/${file.name}`),
      ...first.tableFiles!.map(({ path }) => `desk/${path}`),
      `${runKey}/manifest.json`,
      latestKey,
      copyKey,
    ]);
    expect(await text(client, 'desk/tables/colors/as-of=2026-11-20/run-id=RUN1/colors.parquet')).toBe('PAR1 colors of RUN1 PAR1');
    expect(await text(client, copyKey)).toBe(await text(client, latestKey));

    // A retry of the run finds every object with its bytes: nothing is rewritten, the copy stays.
    await sink.publish(first);
    expect(JSON.parse(await text(client, copyKey))).toMatchObject({ runId: 'RUN1' });

    await sink.publish(withTables('RUN2'));
    expect(await text(client, copyKey)).toBe(await text(client, latestKey));
    expect(JSON.parse(await text(client, copyKey))).toMatchObject({ runId: 'RUN2' });

    // An older run published late leaves both on the newer one.
    await sink.publish(withTables('RUN0'));
    expect(JSON.parse(await text(client, latestKey))).toMatchObject({ runId: 'RUN2' });
    expect(await text(client, copyKey)).toBe(await text(client, latestKey));
  });
});
