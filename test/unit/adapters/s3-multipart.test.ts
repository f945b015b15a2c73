/**
 * The S3 sink's streamed uploads against the SDK's own command shapes (aws-sdk-client-mock): a data
 * file larger than one part goes up as a multipart upload with per-part SHA-256s and is completed
 * create-only; one that fails is aborted and the run reports nothing visible. (s3rver ignores
 * If-None-Match, so the condition on CompleteMultipartUpload is checked here and applied by the
 * fault proxy in the matrix.)
 */
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3Objects } from '../../../lambdas/adapters/s3/objects.js';
import { S3Sink } from '../../../lambdas/adapters/s3-sink.js';
import { PublishError, RunAlreadyPublishedError } from '../../../lambdas/errors.js';
import { fixedRequest } from '../../helpers/publish-requests.js';
import { objectBody, outputFile, s3Error } from '../../helpers/s3-sink-fixtures.js';

const s3 = mockClient(S3Client);
const RUN = 'p/runs/as-of=2026-11-20/run-id=RUN1';
const PART = 1024;
/** 2.5 parts of text, so three parts, the last short. */
const COLORS = Array.from({ length: 100 }, (_, i) => `${i},CUSIP${i % 7},99.${i}\n`)
  .join('')
  .padEnd(PART * 2.5, '#');
const sha256 = (bytes: Buffer | string, encoding: 'hex' | 'base64') => createHash('sha256').update(bytes).digest(encoding);

function sink(kmsKeyId?: string): S3Sink {
  return new S3Sink({ client: new S3Client({ region: 'us-east-1' }), bucket: 'mp-output', prefix: 'p', partBytes: PART, kmsKeyId });
}

function request() {
  return fixedRequest({
    asOf: '2026-11-20',
    runId: 'RUN1',
    files: [outputFile('colors.csv', COLORS), outputFile('excluded.csv', 'a\n')],
    manifest: outputFile('manifest.json', '{"runId":"RUN1"}\n', 'application/json'),
  });
}

const inputs = <T extends object>(command: new (input: T) => { input: T }) =>
  s3.commandCalls(command as never).map((call) => call.args[0].input as T);

/**
 * Each part's bytes as they were when it was sent: a part's buffer is filled again once its upload
 * has succeeded, so the Body a recorded call points to may since hold a later part.
 */
let sent: Buffer[] = [];

describe('S3Sink multipart uploads', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'U1' });
    sent = [];
    s3.on(UploadPartCommand).callsFake((input) => {
      sent.push(Buffer.from(input.Body as Buffer));
      return { ETag: `"etag-${input.PartNumber}"` };
    });
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(AbortMultipartUploadCommand).resolves({});
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
  });
  afterEach(() => s3.reset());

  it('sends a large file in parts with their SHA-256s and completes it with If-None-Match: *', async () => {
    await sink('alias/k').publish(request());
    const [create] = inputs(CreateMultipartUploadCommand);
    expect(create).toMatchObject({
      Key: `${RUN}/colors.csv`,
      ChecksumAlgorithm: 'SHA256',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/k',
    });
    const parts = inputs(UploadPartCommand);
    expect(parts.map((part, at) => [part.PartNumber, sent[at]!.length])).toEqual([
      [1, PART],
      [2, PART],
      [3, PART / 2],
    ]);
    expect(Buffer.concat(sent).toString()).toBe(COLORS);
    expect(parts.map((part) => part.ChecksumSHA256)).toEqual(sent.map((part) => sha256(part, 'base64')));
    const [complete] = inputs(CompleteMultipartUploadCommand);
    expect(complete).toMatchObject({ Key: `${RUN}/colors.csv`, UploadId: 'U1', IfNoneMatch: '*' });
    expect(complete!.MultipartUpload!.Parts).toEqual(
      parts.map((part) => ({ PartNumber: part.PartNumber, ETag: `"etag-${part.PartNumber}"`, ChecksumSHA256: part.ChecksumSHA256 })),
    );
    // The small file is one PutObject; the manifest records the whole file's SHA-256, computed while streaming.
    expect(inputs(PutObjectCommand).map((put) => put.Key)).toEqual([
      `${RUN}/excluded.csv`,
      `${RUN}/manifest.json`,
      'p/runs/as-of=2026-11-20/latest.json',
    ]);
    expect(inputs(AbortMultipartUploadCommand)).toEqual([]);
  });

  it('aborts the upload when a part fails, and reports nothing visible', async () => {
    s3.on(UploadPartCommand, { PartNumber: 2 }).rejects(s3Error('InternalError', 500));
    const error = (await sink()
      .publish(request())
      .catch((caught: unknown) => caught)) as PublishError;
    expect(error).toBeInstanceOf(PublishError);
    expect(error.visible).toBe('nothing');
    expect(inputs(AbortMultipartUploadCommand)).toEqual([{ Bucket: 'mp-output', Key: `${RUN}/colors.csv`, UploadId: 'U1' }]);
    expect(inputs(CompleteMultipartUploadCommand)).toEqual([]);
    expect(inputs(PutObjectCommand)).toEqual([]); // no manifest, no pointer
  });

  it('takes a completion refused with 412 as written when the stored object holds the same bytes', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ContentLength: COLORS.length, ChecksumSHA256: 'composite-1', ChecksumType: 'COMPOSITE' });
    s3.on(GetObjectCommand, { Key: `${RUN}/colors.csv` }).resolves({ Body: objectBody(COLORS) });
    const published = await sink().publish(request());
    expect(published.pointer).toEqual({ status: 'current' });
    expect(inputs(AbortMultipartUploadCommand)).toHaveLength(1); // the parts are not needed
    expect(sha256(COLORS, 'hex')).toBe(request().files[0]!.sha256);
  });

  it('refuses to overwrite a stored object that holds other bytes', async () => {
    s3.on(CompleteMultipartUploadCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ContentLength: COLORS.length });
    s3.on(GetObjectCommand, { Key: `${RUN}/colors.csv` }).resolves({ Body: objectBody(COLORS.replace('0', '1')) });
    await expect(sink().publish(request())).rejects.toThrow(RunAlreadyPublishedError);
    expect(inputs(PutObjectCommand).filter((put) => put.Key?.endsWith('manifest.json'))).toEqual([]);
  });
});

describe('ObjectUpload memory', () => {
  /** 20 chunks of 300 bytes, each a different letter: parts of 1,024 bytes cut chunks anywhere. */
  const chunks = () => Array.from({ length: 20 }, (_, at) => Buffer.alloc(300, 0x41 + at));
  const upload = () =>
    new S3Objects({ client: new S3Client({ region: 'us-east-1' }), bucket: 'b', partBytes: PART }).upload('k', 'text/csv');

  beforeEach(() => {
    s3.reset();
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'U1' });
    s3.on(CompleteMultipartUploadCommand).resolves({});
  });
  afterEach(() => s3.reset());

  it('fills a part buffer again only once its part is stored, never while it is in flight, for this upload or the next', async () => {
    // Each part's upload ends 20 ms after it starts: with two in flight, a buffer reused early
    // would hold other bytes by the time S3 "reads" it.
    const atSend: Buffer[] = [];
    const atStore: Buffer[] = [];
    const bodies = new Set<ArrayBufferLike>();
    s3.on(UploadPartCommand).callsFake(async (input) => {
      const body = input.Body as Buffer;
      bodies.add(body.buffer);
      const at = atSend.push(Buffer.from(body)) - 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      atStore[at] = Buffer.from(body);
      return { ETag: `"etag-${input.PartNumber}"` };
    });
    const objects = new S3Objects({ client: new S3Client({ region: 'us-east-1' }), bucket: 'b', partBytes: PART });
    const data = [chunks(), chunks().reverse()];
    for (const [at, file] of data.entries()) {
      const object = objects.upload(`k${at}`, 'text/csv');
      for (const chunk of file) await object.write(chunk);
      const whole = Buffer.concat(file);
      await object.finish(whole.length, sha256(whole, 'hex'));
    }
    expect(atSend).toHaveLength(12);
    expect(Buffer.concat(atStore).equals(Buffer.concat(data.flat()))).toBe(true);
    expect(atStore).toEqual(atSend);
    // Twelve parts of two uploads went up in two buffers: a part is taken only once fewer than two are on the wire.
    expect(bodies.size).toBe(2);
  });

  it('hands each chunk back once its bytes are copied into a part, and a chunk handed back may be overwritten at once', async () => {
    s3.on(UploadPartCommand).callsFake((input) => {
      sent.push(Buffer.from(input.Body as Buffer));
      return { ETag: `"etag-${input.PartNumber}"` };
    });
    sent = [];
    const data = chunks();
    const expected = Buffer.concat(data);
    const handedBack: number[] = [];
    const object = upload();
    for (const [at, chunk] of data.entries()) {
      // As OutputEncoder.recycle lets the next bytes do: the chunk is overwritten at once.
      await object.write(chunk, () => {
        handedBack.push(at);
        chunk.fill(0x2a);
      });
      expect(handedBack).toEqual(Array.from({ length: at + 1 }, (_, k) => k));
    }
    await object.finish(expected.length, sha256(expected, 'hex'));
    expect(sent.map((part) => part.length)).toEqual([PART, PART, PART, PART, PART, 6000 - 5 * PART]);
    expect(Buffer.concat(sent).equals(expected)).toBe(true);
  });

  it('creates a small object with one PutObject of the bytes written, its chunks handed back as they came', async () => {
    s3.on(PutObjectCommand).callsFake((input) => {
      sent.push(Buffer.from(input.Body as Buffer));
      return {};
    });
    sent = [];
    const data = chunks().slice(0, 3);
    const expected = Buffer.concat(data);
    const object = upload();
    let handedBack = 0;
    for (const chunk of data) {
      await object.write(chunk, () => {
        handedBack++;
        chunk.fill(0x2a);
      });
    }
    expect(handedBack).toBe(3);
    await object.finish(expected.length, sha256(expected, 'hex'));
    expect(sent).toEqual([expected]);
    expect(inputs(UploadPartCommand)).toEqual([]);
  });
});
