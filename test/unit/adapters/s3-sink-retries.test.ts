/**
 * S3Sink when S3 answers with something other than success: a 412 on the run's own keys resolved
 * by content, 409s retried, and failures reported by what is visible. (The Lambda's deadline is
 * exercised on the wire, in test/integration/s3/publish-faults.s3rver.test.ts.)
 */
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError, RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import { base64Sha256, objectBody, runRequest, s3Error } from '../../helpers/s3-sink-fixtures.js';

const s3 = mockClient(S3Client);
const BUCKET = 'mp-output';
const RUN = 'market-pulse/runs/as-of=2026-11-20/run-id=RUN1';
const LATEST = 'market-pulse/runs/as-of=2026-11-20/latest.json';
const PRECONDITION = () => s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
const NOT_FOUND = () => new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });

function sink(): S3Sink {
  return new S3Sink({
    client: new S3Client({ region: 'us-east-1' }),
    bucket: BUCKET,
    prefix: 'market-pulse',
    conflictRetryDelayMs: 1,
    pointerRetry: { attempts: 3, delayMs: 1 },
  });
}

const keys = () => s3.commandCalls(PutObjectCommand).map((call) => (call.args[0].input as PutObjectCommandInput).Key);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a failure'),
    (error: unknown) => error as Error & { visible?: string },
  );

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(NOT_FOUND());
  s3.on(HeadObjectCommand).rejects(NOT_FOUND());
});
afterEach(() => s3.reset());

describe('a 412 on one of the run own keys', () => {
  it('keeps a data object that holds the very same bytes (S3 stored checksum) and finishes the run', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(PRECONDITION());
    s3.on(HeadObjectCommand, { Key: `${RUN}/colors.csv`, ChecksumMode: 'ENABLED' }).resolves({
      ChecksumSHA256: base64Sha256('a,b\n1,2\n'),
      ContentLength: 8,
    });
    const published = await sink().publish(runRequest());
    expect(published.pointer).toEqual({ status: 'current' });
    expect(keys().at(-1)).toBe(LATEST);
  });

  it('without a stored checksum, reads the object and hashes it', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(PRECONDITION());
    s3.on(HeadObjectCommand, { Key: `${RUN}/manifest.json` }).resolves({ ContentLength: 17 });
    s3.on(GetObjectCommand, { Key: `${RUN}/manifest.json` }).resolves({ Body: objectBody('{"runId":"RUN1"}\n') });
    const published = await sink().publish(runRequest());
    expect(published.pointer).toEqual({ status: 'current' });
    expect(keys().at(-1)).toBe(LATEST);
  });

  it('refuses a data object with other content, and writes nothing after it', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(PRECONDITION());
    s3.on(HeadObjectCommand).resolves({ ChecksumSHA256: base64Sha256('other'), ContentLength: 8 });
    const error = await failure(sink().publish(runRequest()));
    expect(error).toBeInstanceOf(RunAlreadyPublishedError);
    expect(error.message).toContain(`s3://${BUCKET}/${RUN}/colors.csv already exists with other content`);
    expect(error.message).toContain('Nothing of this attempt is visible; latest.json was not changed');
    expect(keys()).toEqual([`${RUN}/colors.csv`]);
  });

  it('refuses a manifest with other content: the run id is published', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(PRECONDITION());
    s3.on(HeadObjectCommand).resolves({ ChecksumSHA256: base64Sha256('another manifest'), ContentLength: 17 });
    const error = await failure(sink().publish(runRequest()));
    expect(error).toBeInstanceOf(RunAlreadyPublishedError);
    expect(error.message).toMatch(/run RUN1 is already published: .*manifest\.json exists with another manifest/);
    expect(keys()).not.toContain(LATEST);
  });

  it('says the check failed, not that the content differs, when the HEAD after a 412 fails', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(PRECONDITION());
    s3.on(HeadObjectCommand).rejects(s3Error('InternalError', 500, 'We encountered an internal error'));
    const error = await failure(sink().publish(runRequest()));
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain(
      'it already exists (HTTP 412) and comparing it with the bytes to write failed: We encountered an internal error (InternalError, HTTP 500)',
    );
    expect(error.message).not.toContain('other content');
    expect(error.visible).toBe('nothing');
  });
});

describe('409 ConditionalRequestConflict', () => {
  it('retries a put that met a concurrent conditional write, then carries on', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` })
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .resolves({});
    await sink().publish(runRequest());
    expect(keys().filter((key) => key === `${RUN}/manifest.json`)).toHaveLength(3);
    expect(keys().at(-1)).toBe(LATEST);
  });

  it('gives up after a few with nothing visible', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/colors.csv` }).rejects(s3Error('ConditionalRequestConflict', 409));
    const error = await failure(sink().publish(runRequest()));
    expect(error).toBeInstanceOf(PublishError);
    expect(error.message).toContain('ConditionalRequestConflict');
    expect(error.visible).toBe('nothing');
    expect(keys()).toEqual([`${RUN}/colors.csv`, `${RUN}/colors.csv`, `${RUN}/colors.csv`]);
  });
});

describe('failures say exactly what is visible', () => {
  it('a refused data object: nothing of the run is visible, latest.json unchanged', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/excluded.csv` }).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const error = await failure(sink().publish(runRequest()));
    expect(error.message).toBe(
      `run RUN1 was not published: writing s3://${BUCKET}/${RUN}/excluded.csv failed: Access Denied (AccessDenied, HTTP 403). ` +
        'Nothing of the run is visible to readers; latest.json was not changed',
    );
    expect(error.visible).toBe('nothing');
    expect(keys()).toEqual([`${RUN}/colors.csv`, `${RUN}/excluded.csv`]);
  });

  it('a failed manifest write that S3 did store (its check finds the same bytes): the run is finished', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'TimeoutError' }),
    );
    s3.on(HeadObjectCommand, { Key: `${RUN}/manifest.json` }).resolves({
      ChecksumSHA256: base64Sha256('{"runId":"RUN1"}\n'),
      ContentLength: 17,
    });
    const published = await sink().publish(runRequest());
    expect(published.pointer).toEqual({ status: 'current' });
  });

  it('a failed manifest write that S3 did not store: nothing visible', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', name: 'TimeoutError' }),
    );
    const error = await failure(sink().publish(runRequest()));
    expect(error.visible).toBe('nothing');
    // A reset is named as one, not as a timeout.
    expect(error.message).toContain('manifest.json failed: the connection was reset before a response arrived (ECONNRESET)');
  });

  it('a failed manifest write whose check fails too: may or may not be stored', async () => {
    s3.on(PutObjectCommand, { Key: `${RUN}/manifest.json` }).rejects(s3Error('InternalError', 500, 'We encountered an internal error'));
    s3.on(HeadObjectCommand).rejects(s3Error('ServiceUnavailable', 503, 'Service unavailable'));
    const error = await failure(sink().publish(runRequest()));
    expect(error.visible).toBe('unknown');
    expect(error.message).toMatch(
      /run RUN1 was not published: writing .*manifest\.json failed \(.*InternalError.*\) and asking S3 whether it was stored failed too \(.*503.*\)\. The run may or may not be stored; latest\.json was not moved to it$/,
    );
  });

  it('only the latest.json move fails: the run is complete, latest.json still names the run before', async () => {
    s3.on(GetObjectCommand, { Key: LATEST }).resolves({ Body: objectBody('{"runId":"RUN0"}'), ETag: '"e0"' });
    s3.on(PutObjectCommand, { Key: LATEST }).rejects(s3Error('InternalError', 500, 'We encountered an internal error'));
    const error = await failure(sink().publish(runRequest()));
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('stored');
    expect(error.message).toBe(
      `run RUN1 is complete at s3://${BUCKET}/${RUN}, but s3://${BUCKET}/${LATEST} was not moved to it: ` +
        'We encountered an internal error (InternalError, HTTP 500). latest.json still names run RUN0.',
    );
    // The move is retried: three attempts, each a read and a conditional write.
    expect(keys().filter((key) => key === LATEST)).toHaveLength(3);
  });
});
