/**
 * S3Sink and loadConfigFromS3 over real HTTP against s3rver. What s3rver cannot show (it ignores
 * If-None-Match and If-Match and keeps no checksums) is covered with aws-sdk-client-mock in
 * test/unit/adapters and, on the wire, through the conditional proxy of publish-faults.s3rver.test.ts;
 * here the point is what actually goes over the wire and what comes back byte for byte.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFromS3 } from '../../../lambdas/adapters/s3-config.js';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError } from '../../../lambdas/errors.js';
import { fileEntry, type Manifest, renderManifest } from '../../../lambdas/pipeline/manifest.js';
import { OutputBuffer } from '../../../lambdas/pipeline/outputs/output-buffer.js';
import type { OutputFile } from '../../../lambdas/pipeline/ports.js';
import { DEFAULT_RANKING_ORDER, TIE_BREAKS } from '../../../lambdas/pipeline/ranking/order.js';
import { type FixedRequest, fixedRequest } from '../../helpers/publish-requests.js';
import { useS3rver } from '../../helpers/s3rver.js';

const BUCKET = 'mp-wire-test';
const PREFIX = 'market-pulse/';
const server = useS3rver([BUCKET]);

/** A CSV of `rows` lines, rendered in small chunks so that the sink has to join them. */
function csv(name: string, rows: number): OutputFile {
  const out = new OutputBuffer(64);
  out.write('MESSAGE_ID,CUSIP,PX,NOTE\n');
  for (let i = 1; i <= rows; i++) out.write(`${i},12345678${i % 10},${(99 + i / 100).toFixed(2)},"café, ünïcode ✓ ${'x'.repeat(i % 7)}"\n`);
  return out.finish(name, 'text/csv; charset=utf-8');
}

function runRequest(asOf: string, runId: string): FixedRequest {
  const files = [csv('colors.csv', 500), csv('excluded.csv', 3), csv('rejected.csv', 0)];
  const manifest: Manifest = {
    manifestVersion: 1,
    runId,
    asOf,
    source: 'file:test',
    window: null,
    timeZone: 'America/New_York',
    counts: { read: 503, ranked: 500, groups: 1, excluded: 3, excludedByRule: {}, rejected: 0, rejectedByReason: {} },
    files: files.map((file, index) => fileEntry(file, [500, 3, 0][index]!)),
    config: { source: 'test', sha256: '0'.repeat(64), version: null, versionId: null },
    ranking: { order: DEFAULT_RANKING_ORDER, tieBreaks: TIE_BREAKS },
    codeVersion: 'test',
    startedAt: '2026-11-20T22:59:00.000Z',
    finishedAt: '2026-11-20T23:00:00.000Z',
    durationMs: 60_000,
  };
  return fixedRequest({ asOf, runId, files, manifest: renderManifest(manifest) });
}

async function getBytes(client: S3Client, key: string): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const response = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { bytes: Buffer.from(await response.Body!.transformToByteArray()), contentType: response.ContentType };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Records the headers of every PutObject request exactly as they leave the client (after signing). */
function recordWireHeaders(client: S3Client): Map<string, Record<string, string>> {
  const seen = new Map<string, Record<string, string>>();
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string; headers: Record<string, string> };
      if (request.method === 'PUT') seen.set(decodeURIComponent(request.path), { ...request.headers });
      return next(args);
    },
    { step: 'deserialize', name: 'recordWireHeaders' },
  );
  return seen;
}

describe('S3Sink against s3rver', () => {
  let client: S3Client;
  beforeAll(() => {
    client = server.client();
  });

  it('publishes every object byte for byte, manifest after the data and latest.json last', async () => {
    const wire = recordWireHeaders(client);
    const sink = new S3Sink({ client, bucket: BUCKET, prefix: PREFIX, now: () => new Date('2026-11-20T23:00:01Z') });
    const request = runRequest('2026-11-20', 'RUN1');
    expect(request.files[0]!.chunks.length).toBeGreaterThan(1);
    const before = server.events.length;

    const published = await sink.publish(request);
    const runKey = 'market-pulse/runs/as-of=2026-11-20/run-id=RUN1';
    const latestKey = 'market-pulse/runs/as-of=2026-11-20/latest.json';
    expect(published).toEqual({
      location: `s3://${BUCKET}/${runKey}`,
      latest: `s3://${BUCKET}/${latestKey}`,
      pointer: { status: 'current' },
    });

    // Order of creation as the server itself reports it (its event fires after storing the object).
    const created = server.events
      .slice(before)
      .filter((event) => event.eventName.startsWith('ObjectCreated'))
      .map((event) => event.key);
    expect(created).toEqual([
      `${runKey}/colors.csv`,
      `${runKey}/excluded.csv`,
      `${runKey}/rejected.csv`,
      `${runKey}/manifest.json`,
      latestKey,
    ]);

    // Every object read back hashes to what the OutputFile and the manifest say.
    const manifestText = await sink.readManifest('2026-11-20', 'RUN1');
    const manifest = JSON.parse(manifestText!) as Manifest;
    for (const file of request.files) {
      const { bytes, contentType } = await getBytes(client, `${runKey}/${file.name}`);
      expect(bytes.length).toBe(file.bytes);
      expect(sha256(bytes)).toBe(file.sha256);
      expect(manifest.files.find((entry) => entry.name === file.name)?.sha256).toBe(sha256(bytes));
      expect(contentType).toBe('text/csv; charset=utf-8');
    }
    expect(sha256(Buffer.from(manifestText!))).toBe(request.manifestFile.sha256);
    const latest = JSON.parse((await getBytes(client, latestKey)).bytes.toString('utf8'));
    expect(latest).toMatchObject({ runId: 'RUN1', manifest: 'run-id=RUN1/manifest.json', manifestSha256: request.manifestFile.sha256 });

    // The conditional and checksum headers really are on the wire (s3rver then ignores them).
    const colorsHeaders = wire.get(`/${BUCKET}/${runKey}/colors.csv`)!;
    expect(colorsHeaders['if-none-match']).toBe('*');
    expect(colorsHeaders['x-amz-checksum-sha256']).toBe(Buffer.from(request.files[0]!.sha256, 'hex').toString('base64'));
    expect(colorsHeaders['content-encoding']).toBeUndefined(); // a plain body, not aws-chunked
    // The first pointer of a date is created with If-None-Match too (a later one swaps with If-Match).
    expect(wire.get(`/${BUCKET}/${latestKey}`)!['if-none-match']).toBe('*');
  });

  it('leaves latest.json on the previous run when a data object of the next run is refused', async () => {
    const sink = new S3Sink({ client, bucket: BUCKET, prefix: PREFIX });
    await sink.publish(runRequest('2026-11-21', 'GOOD'));
    const before = server.events.length;

    // Redirect the second data object to a bucket that does not exist: s3rver answers 404 NoSuchBucket.
    const failing = server.client();
    failing.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Bucket?: string; Key?: string };
        if (input.Key?.endsWith('run-id=BAD/excluded.csv')) input.Bucket = 'mp-no-such-bucket';
        return next(args);
      },
      { step: 'initialize', name: 'failSecondDataObject' },
    );
    const failingSink = new S3Sink({ client: failing, bucket: BUCKET, prefix: PREFIX });
    const error = await failingSink.publish(runRequest('2026-11-21', 'BAD')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain('run-id=BAD/excluded.csv');
    expect((error as Error).message).toContain('NoSuchBucket');
    expect((error as Error).message).toContain('latest.json was not changed');

    const dateKey = 'market-pulse/runs/as-of=2026-11-21';
    expect(server.events.slice(before).map((event) => event.key)).toEqual([`${dateKey}/run-id=BAD/colors.csv`]);
    const latest = JSON.parse((await getBytes(client, `${dateKey}/latest.json`)).bytes.toString('utf8'));
    expect(latest.runId).toBe('GOOD');
    expect(await sink.readManifest('2026-11-21', 'BAD')).toBeNull();
    expect(await sink.readManifest('2026-11-21', 'GOOD')).not.toBeNull();
  });

  it('sends SSE-KMS headers when a key is configured (s3rver accepts and ignores them)', async () => {
    const kmsClient = server.client();
    const wire = recordWireHeaders(kmsClient);
    const sink = new S3Sink({ client: kmsClient, bucket: BUCKET, prefix: '', kmsKeyId: 'alias/market-pulse' });
    await sink.publish(runRequest('2026-11-22', 'KMS'));
    const headers = wire.get(`/${BUCKET}/runs/as-of=2026-11-22/run-id=KMS/manifest.json`)!;
    expect(headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/market-pulse');
    expect(headers['x-amz-server-side-encryption-bucket-key-enabled']).toBe('true');
  });

  it('documents what s3rver does not do: no stored checksum, and If-None-Match is ignored', async () => {
    const sink = new S3Sink({ client, bucket: BUCKET, prefix: 'fidelity' });
    await sink.publish(runRequest('2026-11-23', 'PLAIN'));
    const key = 'fidelity/runs/as-of=2026-11-23/run-id=PLAIN/colors.csv';
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBeUndefined();
    // Real S3 would answer 412 here; that path is covered with aws-sdk-client-mock.
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from('overwritten'), IfNoneMatch: '*' }));
    expect((await getBytes(client, key)).bytes.toString()).toBe('overwritten');
  });
});

describe('loadConfigFromS3 against s3rver', () => {
  it('reads and validates a YAML document; s3rver has no versioning', async () => {
    const client = server.client();
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'config/market-pulse.yaml', Body: Buffer.from('version: wire-1\nrules: []\n') }),
    );
    const loaded = await loadConfigFromS3({ client, bucket: BUCKET, key: 'config/market-pulse.yaml' });
    expect(loaded.config.version).toBe('wire-1');
    expect(loaded.source).toBe(`s3://${BUCKET}/config/market-pulse.yaml`);
    expect(loaded.versionId).toBeNull();
    await expect(loadConfigFromS3({ client, bucket: BUCKET, key: 'config/missing.json' })).rejects.toThrow(
      /does not exist; upload the config document/,
    );
  });
});
