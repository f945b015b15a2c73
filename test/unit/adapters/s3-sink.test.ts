import { createHash } from 'node:crypto';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import type { PublishRequest } from '../../../lambdas/pipeline/ports.js';
import { objectBody, runRequest, s3Error } from '../../helpers/s3-sink-fixtures.js';

const s3 = mockClient(S3Client);
const BUCKET = 'mp-output';
const NOW = () => new Date('2026-11-20T23:00:00Z');
const RUN = 'market-pulse/runs/as-of=2026-11-20/run-id=RUN1';
const LATEST = 'market-pulse/runs/as-of=2026-11-20/latest.json';

function sink(options: { prefix?: string; kmsKeyId?: string } = {}): S3Sink {
  return new S3Sink({
    client: new S3Client({ region: 'us-east-1' }),
    bucket: BUCKET,
    prefix: options.prefix ?? 'market-pulse',
    kmsKeyId: options.kmsKeyId,
    now: NOW,
  });
}

function puts(): PutObjectCommandInput[] {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

const bodyOf = (input: PutObjectCommandInput) => input.Body as Buffer;

describe('S3Sink.publish', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
  });
  afterEach(() => s3.reset());

  it('writes data files in order, then the manifest, then reads and moves latest.json', async () => {
    const published = await sink().publish(runRequest());
    expect(puts().map((input) => input.Key)).toEqual([
      `${RUN}/colors.csv`,
      `${RUN}/excluded.csv`,
      `${RUN}/rejected.csv`,
      `${RUN}/manifest.json`,
      LATEST,
    ]);
    expect(s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key)).toEqual([LATEST]);
    expect(published).toEqual({ location: `s3://${BUCKET}/${RUN}`, latest: `s3://${BUCKET}/${LATEST}`, pointer: { status: 'current' } });
    expect(puts().every((input) => input.Bucket === BUCKET)).toBe(true);
  });

  it('creates every object with If-None-Match: *, latest.json too when there is none yet', async () => {
    await sink().publish(runRequest());
    expect(puts().map((input) => input.IfNoneMatch)).toEqual(['*', '*', '*', '*', '*']);
    expect(puts().every((input) => input.IfMatch === undefined)).toBe(true);
  });

  it('sends each body as one Buffer with its length, content type and base64 SHA-256', async () => {
    const request = runRequest();
    await sink().publish(request);
    for (const input of puts()) {
      const body = bodyOf(input);
      expect(Buffer.isBuffer(body)).toBe(true);
      expect(input.ContentLength).toBe(body.length);
      expect(input.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
    }
    const [colors, , , manifest, latest] = puts();
    expect(bodyOf(colors!).toString()).toBe('a,b\n1,2\n');
    expect(colors!.ContentType).toBe('text/csv');
    expect(manifest!.ContentType).toBe('application/json');
    // The OutputFile's hex digest is what S3 is asked to verify.
    expect(Buffer.from(manifest!.ChecksumSHA256!, 'base64').toString('hex')).toBe(request.manifestFile.sha256);
    expect(latest!.ContentType).toBe('application/json');
    expect(JSON.parse(bodyOf(latest!).toString())).toEqual({
      asOf: '2026-11-20',
      runId: 'RUN1',
      manifest: 'run-id=RUN1/manifest.json',
      manifestSha256: request.manifestFile.sha256,
      publishedAt: '2026-11-20T23:00:00.000Z',
    });
  });

  it('asks for SSE-KMS with a bucket key on every object when a key is configured, and for nothing otherwise', async () => {
    const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await sink({ kmsKeyId }).publish(runRequest());
    for (const input of puts())
      expect(input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true });
    s3.resetHistory();
    await sink().publish(runRequest('RUN2'));
    for (const input of puts()) {
      expect(input).not.toHaveProperty('ServerSideEncryption');
      expect(input).not.toHaveProperty('SSEKMSKeyId');
    }
  });

  it.each([
    ['', 'runs/as-of=2026-11-20/run-id=RUN1/colors.csv', `s3://${BUCKET}`],
    ['/', 'runs/as-of=2026-11-20/run-id=RUN1/colors.csv', `s3://${BUCKET}`],
    ['out/', 'out/runs/as-of=2026-11-20/run-id=RUN1/colors.csv', `s3://${BUCKET}/out`],
    ['/a/b', 'a/b/runs/as-of=2026-11-20/run-id=RUN1/colors.csv', `s3://${BUCKET}/a/b`],
  ])('builds keys without stray slashes for prefix %j', async (prefix, key, description) => {
    const target = sink({ prefix });
    expect(target.description).toBe(description);
    await target.publish(runRequest());
    expect(puts()[0]?.Key).toBe(key);
    for (const input of puts()) expect(input.Key).not.toMatch(/^\/|\/\//);
  });

  it('refuses a bad bucket or prefix up front', () => {
    expect(() => new S3Sink({ client: new S3Client({}), bucket: 'My_Bucket', prefix: '' })).toThrow(/lowercase/);
    expect(() => new S3Sink({ client: new S3Client({}), bucket: BUCKET, prefix: 'a//b' })).toThrow(/empty path segment/);
  });

  it('checks the files before writing anything', async () => {
    const request = runRequest();
    const twice: PublishRequest = { ...request, files: [request.files[0]!, request.files[0]!] };
    await expect(sink().publish(twice)).rejects.toThrow(/appears twice/);
    expect(puts()).toEqual([]);
  });

  it('publishes a held-back run with its manifest and never touches latest.json', async () => {
    const published = await sink().publish(runRequest('RUN1', 'no ranked rows'));
    expect(puts().map((input) => input.Key)).toEqual([
      `${RUN}/colors.csv`,
      `${RUN}/excluded.csv`,
      `${RUN}/rejected.csv`,
      `${RUN}/manifest.json`,
    ]);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(published.pointer).toEqual({ status: 'held-back', reason: 'no ranked rows' });
  });
});

describe('S3Sink.readManifest', () => {
  beforeEach(() => s3.reset());

  it('returns the manifest text of a stored run', async () => {
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: `${RUN}/manifest.json` }).resolves({ Body: objectBody('{"runId":"RUN1"}\n') });
    expect(await sink().readManifest('2026-11-20', 'RUN1')).toBe('{"runId":"RUN1"}\n');
  });

  it('returns null for a run that has no manifest', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    expect(await sink().readManifest('2026-11-20', 'NOPE')).toBeNull();
  });

  it('takes a 403 for absent (S3 answers 403 for a missing key without s3:ListBucket): the create-only write decides', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    expect(await sink().readManifest('2026-11-20', 'RUN1')).toBeNull();
  });

  it('reports any other failure, naming the key', async () => {
    s3.on(GetObjectCommand).rejects(s3Error('InternalError', 500, 'We encountered an internal error'));
    await expect(sink().readManifest('2026-11-20', 'RUN1')).rejects.toThrow(
      /reading s3:\/\/mp-output\/.*run-id=RUN1\/manifest\.json failed: We encountered an internal error \(InternalError, HTTP 500\)/,
    );
  });
});
