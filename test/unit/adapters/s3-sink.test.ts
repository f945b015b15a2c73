import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError, RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import type { OutputFile, PublishRequest } from '../../../lambdas/pipeline/ports.js';

const s3 = mockClient(S3Client);
const BUCKET = 'mp-output';
const NOW = () => new Date('2026-11-20T23:00:00Z');

function file(name: string, text: string, contentType = 'text/csv'): OutputFile {
  const body = Buffer.from(text);
  return { name, contentType, chunks: [body.subarray(0, 3), body.subarray(3)], bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
}

function request(runId = 'RUN1'): PublishRequest {
  return {
    asOf: '2026-11-20',
    runId,
    files: [file('colors.csv', 'a,b\n1,2\n'), file('excluded.csv', 'a\n'), file('rejected.csv', 'r\n')],
    manifest: file('manifest.json', `{"runId":"${runId}"}\n`, 'application/json'),
  };
}

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message });
}

function sink(options: { prefix?: string; kmsKeyId?: string } = {}): S3Sink {
  return new S3Sink({ client: new S3Client({ region: 'us-east-1' }), bucket: BUCKET, prefix: options.prefix ?? 'market-pulse', kmsKeyId: options.kmsKeyId, now: NOW, conflictRetryDelayMs: 1 });
}

function puts(): PutObjectCommandInput[] {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

/** The one method of a GetObject body stream the adapters use. */
function textBody(text: string): never {
  return { transformToString: async () => text } as never;
}

function bodyOf(input: PutObjectCommandInput): Buffer {
  return input.Body as Buffer;
}

const RUN = 'market-pulse/runs/as-of=2026-11-20/run-id=RUN1';
const LATEST = 'market-pulse/runs/as-of=2026-11-20/latest.json';

describe('S3Sink', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });
  afterEach(() => s3.reset());

  it('writes data files in order, then the manifest, then latest.json', async () => {
    const published = await sink().publish(request());
    expect(puts().map((input) => input.Key)).toEqual([`${RUN}/colors.csv`, `${RUN}/excluded.csv`, `${RUN}/rejected.csv`, `${RUN}/manifest.json`, LATEST]);
    expect(published).toEqual({ location: `s3://${BUCKET}/${RUN}`, latest: `s3://${BUCKET}/${LATEST}` });
    expect(puts().every((input) => input.Bucket === BUCKET)).toBe(true);
  });

  it('creates every run object with If-None-Match: * and moves latest.json without it', async () => {
    await sink().publish(request());
    const all = puts();
    expect(all.slice(0, -1).map((input) => input.IfNoneMatch)).toEqual(['*', '*', '*', '*']);
    expect(all.at(-1)?.Key).toBe(LATEST);
    expect(all.at(-1)).not.toHaveProperty('IfNoneMatch');
  });

  it('sends each body as one Buffer with its length, content type and base64 SHA-256', async () => {
    const req = request();
    await sink().publish(req);
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
    expect(Buffer.from(manifest!.ChecksumSHA256!, 'base64').toString('hex')).toBe(req.manifest.sha256);
    expect(latest!.ContentType).toBe('application/json');
    expect(JSON.parse(bodyOf(latest!).toString())).toEqual({
      asOf: '2026-11-20',
      runId: 'RUN1',
      manifest: 'run-id=RUN1/manifest.json',
      manifestSha256: req.manifest.sha256,
      publishedAt: '2026-11-20T23:00:00.000Z',
    });
  });

  it('asks for SSE-KMS with a bucket key on every object when a key is configured, and for nothing otherwise', async () => {
    const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    await sink({ kmsKeyId }).publish(request());
    for (const input of puts()) expect(input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true });
    s3.resetHistory();
    await sink().publish(request('RUN2'));
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
    await target.publish(request());
    expect(puts()[0]?.Key).toBe(key);
    for (const input of puts()) expect(input.Key).not.toMatch(/^\/|\/\//);
  });

  it('refuses a bad bucket or prefix up front', () => {
    expect(() => new S3Sink({ client: new S3Client({}), bucket: 'My_Bucket', prefix: '' })).toThrow(/lowercase/);
    expect(() => new S3Sink({ client: new S3Client({}), bucket: BUCKET, prefix: 'a//b' })).toThrow(/empty path segment/);
  });

  it('reports an existing manifest (412) as an already published run and never moves latest.json', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'));
    const error = await sink().publish(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunAlreadyPublishedError);
    expect((error as Error).message).toContain(`s3://${BUCKET}/${RUN}/manifest.json`);
    expect((error as Error).message).toContain('never overwritten');
    expect(puts().map((input) => input.Key)).not.toContain(LATEST);
  });

  it('reports an existing data object with other content (412) as already published and stops there', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ChecksumSHA256: Buffer.alloc(32).toString('base64'), ContentLength: 8 });
    const error = await sink().publish(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RunAlreadyPublishedError);
    expect((error as Error).message).toContain(`${RUN}/colors.csv`);
    expect(puts().map((input) => input.Key)).toEqual([`${RUN}/colors.csv`]);
  });

  it('keeps a data object an earlier attempt left with the very same bytes, and finishes the run', async () => {
    const req = request();
    const colors = req.files[0]!;
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand, { Key: `${RUN}/colors.csv`, ChecksumMode: 'ENABLED' }).resolves({
      ChecksumSHA256: Buffer.from(colors.sha256, 'hex').toString('base64'),
      ContentLength: colors.bytes,
    });
    await sink().publish(req);
    expect(puts().map((input) => input.Key).at(-1)).toBe(LATEST);
  });

  it('fails with PublishError naming the key when the second data object is refused, and leaves latest.json alone', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/excluded.csv` }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const error = await sink().publish(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain(`s3://${BUCKET}/${RUN}/excluded.csv`);
    expect((error as Error).message).toContain('latest.json was not changed');
    expect((error as Error).message).toContain('AccessDenied');
    expect(puts().map((input) => input.Key)).toEqual([`${RUN}/colors.csv`, `${RUN}/excluded.csv`]);
  });

  it('retries a put that met a concurrent conditional write (409), then carries on', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` })
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .resolves({});
    await sink().publish(request());
    const keys = puts().map((input) => input.Key);
    expect(keys.filter((key) => key === `${RUN}/manifest.json`)).toHaveLength(3);
    expect(keys.at(-1)).toBe(LATEST);
  });

  it('gives up after a few 409s with PublishError and no latest.json', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(s3Error('ConditionalRequestConflict', 409));
    const error = await sink().publish(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toContain('ConditionalRequestConflict');
    expect(puts().map((input) => input.Key)).toEqual([`${RUN}/colors.csv`, `${RUN}/colors.csv`, `${RUN}/colors.csv`]);
  });

  it('says the run is complete when only moving latest.json fails', async () => {
    s3.on(PutObjectCommand, { Key: LATEST }).rejects(s3Error('InternalError', 500, 'We encountered an internal error'));
    const error = await sink().publish(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PublishError);
    expect((error as Error).message).toMatch(/run RUN1 is complete at s3:\/\/mp-output\/.*run-id=RUN1, but moving .*latest\.json to it failed/);
  });

  it('checks the files before writing anything', async () => {
    const req = request();
    const broken: PublishRequest = { ...req, files: [req.files[0]!, { ...req.files[1]!, bytes: 99 }] };
    await expect(sink().publish(broken)).rejects.toThrow(/claims 99 bytes but holds 2; nothing was written/);
    const twice: PublishRequest = { ...req, files: [req.files[0]!, req.files[0]!] };
    await expect(sink().publish(twice)).rejects.toThrow(/appears twice/);
    expect(puts()).toEqual([]);
  });

  describe('readManifest', () => {
    it('returns the manifest text of a published run', async () => {
      s3.on(GetObjectCommand, { Bucket: BUCKET, Key: `${RUN}/manifest.json` }).resolves({ Body: textBody('{"runId":"RUN1"}\n') });
      expect(await sink().readManifest('2026-11-20', 'RUN1')).toBe('{"runId":"RUN1"}\n');
    });

    it('returns null for a run that has no manifest', async () => {
      s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
      expect(await sink().readManifest('2026-11-20', 'NOPE')).toBeNull();
    });

    it('explains a 403, which S3 also gives for a missing key without s3:ListBucket', async () => {
      s3.on(GetObjectCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
      await expect(sink().readManifest('2026-11-20', 'RUN1')).rejects.toThrow(/s3:ListBucket/);
    });
  });
});
