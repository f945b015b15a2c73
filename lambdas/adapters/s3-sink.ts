/**
 * Publishes a run to S3, atomically for readers (SPEC §5): every object of the run is created with
 * `If-None-Match: *` (a published run is never overwritten), data files first, `manifest.json`
 * last, and only then does the as-of date's `latest.json` move. A reader who follows latest.json
 * never lands on a partial run, and a failure before the pointer leaves it untouched.
 *
 * Partial objects of a failed run are deliberately left in place, not deleted: without a manifest
 * and a pointer no reader finds them, and deleting would need s3:DeleteObject on the output prefix,
 * which least privilege keeps away from the function (a lifecycle rule can expire them). So that a
 * retry of the same run id (a scheduled run's id is derived from its scheduled time) is not stuck
 * on such leftovers, a data object that already exists with exactly the bytes being written
 * (same SHA-256 checksum and size, as S3 recorded them) counts as written. The manifest gets no
 * such allowance: its existence is what "published" means.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';
import { PublishError, RunAlreadyPublishedError } from '../errors.js';
import { silentLog, type Log } from '../log.js';
import { asOfFolder, LATEST_FILE, latestPointer, runFolder } from '../pipeline/latest-pointer.js';
import { MANIFEST_FILE } from '../pipeline/manifest.js';
import type { OutputFile, PublishedRun, PublishRequest, ResultSink } from '../pipeline/ports.js';
import { checkBucketName, joinKey, normalizePrefix, s3Url } from './s3-location.js';

/** The largest object a single PutObject may create. Larger files would need a multipart upload. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface S3SinkOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix; leading/trailing slashes are ignored, '' writes at the bucket's root. */
  readonly prefix: string;
  /** Encrypt every object with this KMS key (SSE-KMS with an S3 Bucket Key); otherwise the bucket default applies. */
  readonly kmsKeyId?: string;
  readonly now?: () => Date;
  readonly log?: Log;
  /** How many times a put answered 409 ConditionalRequestConflict is tried again (default 2). */
  readonly conflictRetries?: number;
  /** Delay before the first retry after a 409, doubled for each further one (default 200 ms). */
  readonly conflictRetryDelayMs?: number;
}

interface PreparedFile {
  readonly file: OutputFile;
  readonly key: string;
  /** Base64 SHA-256, the form S3's x-amz-checksum-sha256 takes. */
  readonly checksum: string;
}

export class S3Sink implements ResultSink {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled'>;
  private readonly now: () => Date;
  private readonly log: Log;
  private readonly conflictRetries: number;
  private readonly conflictRetryDelayMs: number;

  constructor(options: S3SinkOptions) {
    this.client = options.client;
    this.bucket = checkBucketName(options.bucket);
    this.prefix = normalizePrefix(options.prefix);
    this.description = s3Url(this.bucket, this.prefix);
    this.encryption = options.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId, BucketKeyEnabled: true } : {};
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? silentLog;
    this.conflictRetries = options.conflictRetries ?? 2;
    this.conflictRetryDelayMs = options.conflictRetryDelayMs ?? 200;
  }

  async publish(request: PublishRequest): Promise<PublishedRun> {
    const dateKey = joinKey(this.prefix, `runs/${asOfFolder(request.asOf)}`);
    const runKey = `${dateKey}/${runFolder(request.runId)}`;
    const location = s3Url(this.bucket, runKey);
    const latestKey = `${dateKey}/${LATEST_FILE}`;
    const latest = s3Url(this.bucket, latestKey);

    // Everything that can be checked without S3 is checked before the first byte is written.
    const prepared = this.prepare(request, runKey);
    for (const item of prepared) await this.putRunObject(item, request.runId, item.file === request.manifest);

    const pointer = latestPointer(request.asOf, request.runId, request.manifest, this.now());
    const body = Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`);
    try {
      // The moving pointer: overwritten on purpose, so no If-None-Match.
      await this.put(latestKey, body, 'application/json', createHash('sha256').update(body).digest('base64'), false);
    } catch (error) {
      throw new PublishError(`run ${request.runId} is complete at ${location}, but moving ${latest} to it failed: ${describeS3Error(error)}`, { cause: error });
    }
    this.log.info('published run to S3', { location, latest, objects: prepared.length });
    return { location, latest };
  }

  async readManifest(asOf: string, runId: string): Promise<string | null> {
    const key = joinKey(this.prefix, `runs/${asOfFolder(asOf)}/${runFolder(runId)}/${MANIFEST_FILE}`);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (s3ErrorStatus(error) === 404 || nameOf(error) === 'NoSuchKey') return null;
      // Without s3:ListBucket S3 answers 403, not 404, for a key that does not exist.
      const hint = s3ErrorStatus(error) === 403 ? ' (S3 reports a missing object as 403 unless the role may s3:ListBucket the bucket)' : '';
      throw new PublishError(`reading ${s3Url(this.bucket, key)} failed: ${describeS3Error(error)}${hint}`, { cause: error });
    }
  }

  private prepare(request: PublishRequest, runKey: string): PreparedFile[] {
    const names = new Set<string>();
    return [...request.files, request.manifest].map((file) => {
      const where = `run ${request.runId}: file ${JSON.stringify(file.name)}`;
      // A repeated name would hit our own If-None-Match and be misreported as an already published run.
      if (names.has(file.name)) throw new PublishError(`${where} appears twice; nothing was written`);
      if (file.name === '' || file.name.includes('/') || file.name === LATEST_FILE) throw new PublishError(`${where} is not a valid output file name; nothing was written`);
      names.add(file.name);
      if (!/^[0-9a-f]{64}$/i.test(file.sha256)) throw new PublishError(`${where} has no valid SHA-256 (${JSON.stringify(file.sha256)}); nothing was written`);
      const held = file.chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      if (held !== file.bytes) throw new PublishError(`${where} claims ${file.bytes} bytes but holds ${held}; nothing was written`);
      // Single PutObject only (no multipart): our outputs are a few hundred MB at most.
      if (held > MAX_PUT_BYTES) throw new PublishError(`${where} is ${held} bytes, over the 5 GiB single-upload limit; nothing was written`);
      return { file, key: `${runKey}/${file.name}`, checksum: Buffer.from(file.sha256, 'hex').toString('base64') };
    });
  }

  private async putRunObject(item: PreparedFile, runId: string, isManifest: boolean): Promise<void> {
    const url = s3Url(this.bucket, item.key);
    try {
      // Joined just before its put, so that only one file is held twice (chunks and body) at a time.
      await this.put(item.key, toBuffer(item.file.chunks), item.file.contentType, item.checksum, true);
      this.log.debug('wrote run object', { key: item.key, bytes: item.file.bytes });
    } catch (error) {
      if (isPreconditionFailed(error)) {
        if (!isManifest && (await this.holdsSameBytes(item))) {
          this.log.info('run object already holds these exact bytes (an earlier attempt of this run); keeping it', { key: item.key });
          return;
        }
        throw new RunAlreadyPublishedError(
          isManifest
            ? `run ${runId} is already published: ${url} exists; published runs are never overwritten`
            : `${url} already exists with other content (run ${runId} is published, or an earlier attempt wrote different data); published runs are never overwritten`,
          { cause: error },
        );
      }
      throw new PublishError(`writing ${url} (run ${runId}) failed: ${describeS3Error(error)}; latest.json was not changed`, { cause: error });
    }
  }

  /** Whether the existing object has the checksum and size S3 recorded for these exact bytes. */
  private async holdsSameBytes(item: PreparedFile): Promise<boolean> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: item.key, ChecksumMode: 'ENABLED' }));
      return head?.ChecksumSHA256 === item.checksum && head.ContentLength === item.file.bytes;
    } catch (error) {
      this.log.warn('could not inspect an existing run object', { key: item.key, error: describeS3Error(error) });
      return false;
    }
  }

  private async put(key: string, body: Buffer, contentType: string, checksum: string, createOnly: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const input: PutObjectCommandInput = {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: contentType,
        // S3 recomputes the SHA-256 of what it received and refuses the put (BadDigest) on a mismatch.
        ChecksumSHA256: checksum,
        ...(createOnly ? { IfNoneMatch: '*' } : {}),
        ...this.encryption,
      };
      try {
        await this.client.send(new PutObjectCommand(input));
        return;
      } catch (error) {
        // 409: a concurrent conditional write to the same key was in flight; AWS says to retry.
        if (!isConflict(error) || attempt >= this.conflictRetries) throw error;
        const delay = this.conflictRetryDelayMs * 2 ** attempt;
        this.log.warn('conditional write conflict; retrying', { key, attempt: attempt + 1, delayMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

function toBuffer(chunks: readonly Uint8Array[]): Buffer {
  // One chunk is wrapped, not copied: output files can be hundreds of MB.
  if (chunks.length === 1) {
    const chunk = chunks[0]!;
    return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  return Buffer.concat(chunks);
}

export function s3ErrorStatus(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function isPreconditionFailed(error: unknown): boolean {
  return s3ErrorStatus(error) === 412 || nameOf(error) === 'PreconditionFailed';
}

function isConflict(error: unknown): boolean {
  return s3ErrorStatus(error) === 409 || nameOf(error) === 'ConditionalRequestConflict';
}

/** The S3 error code and status with its message; S3 error messages carry no secrets. */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = s3ErrorStatus(error);
  const code = error.name && error.name !== 'Error' ? error.name : undefined;
  const label = [code, status ? `HTTP ${status}` : undefined].filter(Boolean).join(', ');
  return label && !error.message.startsWith(label) ? `${error.message} (${label})` : error.message;
}
