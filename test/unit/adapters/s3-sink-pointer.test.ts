/** latest.json on S3: compare-and-swap on the ETag, only forward, 403 reads taken for absent. */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError } from '../../../lambdas/errors.js';
import { objectBody, runRequest, s3Error } from '../../helpers/s3-sink-fixtures.js';

const s3 = mockClient(S3Client);
const LATEST = 'market-pulse/runs/as-of=2026-11-20/latest.json';
const NOT_FOUND = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
const pointer = (runId: string) => ({
  Body: objectBody(JSON.stringify({ asOf: '2026-11-20', runId, manifest: `run-id=${runId}/manifest.json` })),
});

function sink(): S3Sink {
  return new S3Sink({
    client: new S3Client({ region: 'us-east-1' }),
    bucket: 'mp-output',
    prefix: 'market-pulse',
    pointerRetry: { attempts: 3, delayMs: 1 },
  });
}

function latestPuts(): PutObjectCommandInput[] {
  return s3
    .commandCalls(PutObjectCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.Key === LATEST);
}

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => s3.reset());

describe('latest.json compare-and-swap', () => {
  it('replaces an older run with If-Match on the ETag it read', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ ...pointer('RUN0'), ETag: '"etag-0"' });
    const published = await sink().publish(runRequest('RUN1'));
    expect(published.pointer).toEqual({ status: 'current' });
    expect(latestPuts()).toHaveLength(1);
    expect(latestPuts()[0]).toMatchObject({ IfMatch: '"etag-0"' });
    expect(latestPuts()[0]).not.toHaveProperty('IfNoneMatch');
  });

  it('leaves a newer run in place: the pointer never goes back', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ ...pointer('RUN9'), ETag: '"etag-9"' });
    const published = await sink().publish(runRequest('RUN1'));
    expect(published.pointer).toEqual({ status: 'newer', runId: 'RUN9' });
    expect(latestPuts()).toHaveLength(0);
  });

  it('writes nothing when it already names this run', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ ...pointer('RUN1'), ETag: '"etag-1"' });
    expect((await sink().publish(runRequest('RUN1'))).pointer).toEqual({ status: 'current' });
    expect(latestPuts()).toHaveLength(0);
  });

  it('reads again after losing a race (412) and stops if the winner is newer', async () => {
    s3.on(GetObjectCommand, { Key: LATEST })
      .resolvesOnce({ ...pointer('RUN0'), ETag: '"etag-0"' })
      .resolves({ ...pointer('RUN5'), ETag: '"etag-5"' });
    s3.on(PutObjectCommand, { Key: LATEST }).rejects(s3Error('PreconditionFailed', 412));
    expect((await sink().publish(runRequest('RUN1'))).pointer).toEqual({ status: 'newer', runId: 'RUN5' });
    expect(latestPuts()).toHaveLength(1);
  });

  it('reads again after losing a race to an older run, and swaps on the new ETag', async () => {
    s3.on(GetObjectCommand, { Key: LATEST })
      .resolvesOnce({ ...pointer('RUN0'), ETag: '"etag-0"' })
      .resolves({ ...pointer('RUN0b'), ETag: '"etag-0b"' });
    s3.on(PutObjectCommand, { Key: LATEST, IfMatch: '"etag-0"' }).rejects(s3Error('PreconditionFailed', 412));
    expect((await sink().publish(runRequest('RUN1'))).pointer).toEqual({ status: 'current' });
    expect(latestPuts().map((input) => input.IfMatch)).toEqual(['"etag-0"', '"etag-0b"']);
  });

  it('starts over when the pointer it read was deleted (404 on If-Match), creating it', async () => {
    s3.on(GetObjectCommand, { Key: LATEST })
      .resolvesOnce({ ...pointer('RUN0'), ETag: '"etag-0"' })
      .rejects(NOT_FOUND());
    s3.on(PutObjectCommand, { Key: LATEST, IfMatch: '"etag-0"' }).rejects(NOT_FOUND());
    expect((await sink().publish(runRequest('RUN1'))).pointer).toEqual({ status: 'current' });
    expect(latestPuts().map((input) => input.IfNoneMatch ?? input.IfMatch)).toEqual(['"etag-0"', '*']);
  });

  it('replaces a latest.json that is not a pointer at all', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ Body: objectBody('garbage'), ETag: '"etag-g"' });
    expect((await sink().publish(runRequest('RUN1'))).pointer).toEqual({ status: 'current' });
    expect(latestPuts()[0]).toMatchObject({ IfMatch: '"etag-g"' });
  });

  it('takes a 403 read for absent, and explains a pointer it can neither read nor create', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    s3.on(PutObjectCommand, { Key: LATEST }).rejects(s3Error('PreconditionFailed', 412));
    const error = (await sink()
      .publish(runRequest('RUN1'))
      .catch((caught: unknown) => caught)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('stored');
    expect(error.message).toContain('latest.json changed under every one of 10 compare-and-swap attempts');
    expect(error.message).toContain('was denied (HTTP 403): the role needs s3:GetObject on it');
    expect(latestPuts().every((input) => input.IfNoneMatch === '*')).toBe(true);
  });

  it('a real AccessDenied on the write surfaces with the S3 error', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    s3.on(PutObjectCommand, { Key: LATEST }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const error = (await sink()
      .publish(runRequest('RUN1'))
      .catch((caught: unknown) => caught)) as PublishError;
    expect(error.message).toMatch(
      /run RUN1 is complete at .*, but .*latest\.json was not moved to it: Access Denied \(AccessDenied, HTTP 403\)/,
    );
  });

  it('movePointer finishes a stored run the same way (a retry of the run)', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ ...pointer('RUN0'), ETag: '"etag-0"' });
    const published = await sink().movePointer({ asOf: '2026-11-20', runId: 'RUN1', manifestSha256: 'a'.repeat(64) });
    expect(published).toMatchObject({
      location: 's3://mp-output/market-pulse/runs/as-of=2026-11-20/run-id=RUN1',
      pointer: { status: 'current' },
    });
    expect(JSON.parse((latestPuts()[0]!.Body as Buffer).toString())).toMatchObject({
      runId: 'RUN1',
      manifest: 'run-id=RUN1/manifest.json',
      manifestSha256: 'a'.repeat(64),
    });
  });
});
