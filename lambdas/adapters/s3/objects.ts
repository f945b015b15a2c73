/**
 * Every PutObject of the product is built here — the run's files and latest.json
 * (docs/publishing.md), db-health's heartbeat, oracle-extract's files: the body's SHA-256 for S3
 * to verify, the bucket's KMS settings, and the condition — `If-None-Match: *` to create,
 * `If-Match: <etag>` to swap, none to overwrite. A file streamed as it is rendered goes through
 * {@link S3Objects.upload} (./object-upload.ts): one PutObject when small, else a multipart upload
 * with the same checksums, encryption and create-only condition.
 *
 * A create that answers 412 is not a failure by itself: a retry whose first response was lost finds
 * its own object. The stored object is compared with the bytes meant to be written (S3's stored
 * SHA-256 when it has one, else GET and hash), and the same bytes count as written.
 */
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type PutObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type Log, silentLog } from '../../log.js';
import type { OutputFile } from '../../pipeline/ports.js';
import { SpareBuffers } from '../../pipeline/spare-buffers.js';
import { describeS3Error, isAccessDenied, isConditionalConflict, isNotFound, isPreconditionFailed } from './errors.js';
import { ObjectUpload, PART_BYTES, PARTS_IN_FLIGHT } from './object-upload.js';

/** The largest object one PutObject may create; a streamed file that large goes in parts (./object-upload.ts). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface ObjectBody {
  readonly body: Buffer;
  readonly contentType: string;
  /** Base64 SHA-256 of `body`, the form S3's x-amz-checksum-sha256 takes. */
  readonly sha256: string;
}

export interface StoredText {
  readonly text: string;
  readonly etag: string;
}

export interface S3Bucket {
  readonly client: S3Client;
  readonly bucket: string;
  /** Encrypt every object with this KMS key (SSE-KMS with an S3 Bucket Key); otherwise the bucket default applies. */
  readonly kmsKeyId?: string;
}

/** Where a writer puts its objects: a bucket (and its key) and the key prefix it writes under. */
export interface S3Destination extends S3Bucket {
  /** Leading/trailing slashes are ignored; '' is the bucket's root. */
  readonly prefix: string;
}

export interface S3ObjectsOptions extends S3Bucket {
  /** Cancels every request; how a Lambda keeps its publish inside the time it has left. */
  readonly signal?: () => AbortSignal | undefined;
  readonly log?: Log;
  /** How many times a put answered 409 ConditionalRequestConflict is tried again (default 2). */
  readonly conflictRetries?: number;
  /** Delay before the first retry after a 409, doubled for each further one (default 200 ms). */
  readonly conflictRetryDelayMs?: number;
  /** Part size of streamed uploads (default {@link PART_BYTES}; S3 takes 5 MiB at least for every part but the last). */
  readonly partBytes?: number;
}

/** A create-only write found the key holding other bytes. */
export class ObjectExistsError extends Error {
  constructor(readonly key: string) {
    super(`s3 object ${key} already exists with other content`);
    this.name = 'ObjectExistsError';
  }
}

/**
 * How a put may change the key: create it only if absent, replace it only while its ETag is still
 * `ifMatch`, or overwrite whatever is there (db-health's heartbeat, "the last check").
 */
export type PutCondition = 'create' | { readonly ifMatch: string } | 'overwrite';

export function objectBody(body: Buffer, contentType: string): ObjectBody {
  return { body, contentType, sha256: sha256Base64(body) };
}

export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** An output file as a body, with the SHA-256 it was rendered with; one chunk is wrapped, not copied (files can be hundreds of MB). */
export function outputFileBody(file: OutputFile): ObjectBody {
  const [only] = file.chunks;
  const body =
    file.chunks.length === 1 && only !== undefined
      ? Buffer.isBuffer(only)
        ? only
        : Buffer.from(only.buffer, only.byteOffset, only.byteLength)
      : Buffer.concat(file.chunks);
  return { body, contentType: file.contentType, sha256: Buffer.from(file.sha256, 'hex').toString('base64') };
}

export class S3Objects {
  readonly client: S3Client;
  readonly bucket: string;
  readonly encryption: Pick<PutObjectCommandInput, 'ServerSideEncryption' | 'SSEKMSKeyId' | 'BucketKeyEnabled'>;
  /** A signal for each request (or none), cancelling it when the writer's time is up. */
  readonly signal: () => AbortSignal | undefined;
  readonly log: Log;
  private readonly conflictRetries: number;
  private readonly conflictRetryDelayMs: number;
  /** The size of every part of a streamed upload but the last. */
  readonly partBytes: number;
  /**
   * The buffers parts of streamed uploads are sent from, reused from one part and upload to the
   * next once S3 has stored the part: uploads one after another use PARTS_IN_FLIGHT buffers.
   */
  readonly partBuffers: SpareBuffers;

  constructor(options: S3ObjectsOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.encryption = options.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId, BucketKeyEnabled: true } : {};
    this.signal = options.signal ?? (() => undefined);
    this.log = options.log ?? silentLog;
    this.conflictRetries = options.conflictRetries ?? 2;
    this.conflictRetryDelayMs = options.conflictRetryDelayMs ?? 200;
    this.partBytes = options.partBytes ?? PART_BYTES;
    this.partBuffers = new SpareBuffers(PARTS_IN_FLIGHT, this.partBytes);
  }

  /** Starts writing `key` create-only as its bytes come (./object-upload.ts). */
  upload(key: string, contentType: string): ObjectUpload {
    return new ObjectUpload(this, key, contentType);
  }

  /**
   * Creates `key` with these bytes unless it exists. 'existing' when it already held exactly these
   * bytes (an earlier attempt, or this one's lost response); ObjectExistsError when other bytes.
   */
  async create(key: string, object: ObjectBody): Promise<'created' | 'existing'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.put(key, object, 'create');
        return 'created';
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
      }
      let stored: Awaited<ReturnType<S3Objects['compare']>>;
      try {
        stored = await this.compare(key, object.body.length, object.sha256);
      } catch (error) {
        throw new Error(`it already exists (HTTP 412) and comparing it with the bytes to write failed: ${describeS3Error(error)}`, {
          cause: error,
        });
      }
      if (stored === 'same') return 'existing';
      if (stored === 'different') throw new ObjectExistsError(key);
      // Gone between the 412 and the check (expired, deleted): create it again, once.
      if (attempt >= 1) throw new Error('S3 answered 412 (it exists) and then could not find it, twice');
    }
  }

  /** Writes `key` only if its ETag is still `expectedEtag` (null: only if it does not exist); 'changed' when not. */
  async swap(key: string, object: ObjectBody, expectedEtag: string | null): Promise<'written' | 'changed'> {
    try {
      await this.put(key, object, expectedEtag === null ? 'create' : { ifMatch: expectedEtag });
      return 'written';
    } catch (error) {
      // 412: it changed; 404 on If-Match: it was deleted since; 409 after our retries: still contended.
      if (isPreconditionFailed(error) || isConditionalConflict(error) || (expectedEtag !== null && isNotFound(error))) return 'changed';
      throw error;
    }
  }

  /**
   * The object's text and ETag, or null when it does not exist. A 403 counts as absent (logged):
   * without s3:ListBucket S3 answers 403 for a missing key, and the conditional write that follows
   * decides; a real AccessDenied surfaces there.
   */
  async read(key: string, onDenied?: () => void): Promise<StoredText | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: this.signal() });
      return { text: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '' };
    } catch (error) {
      if (isNotFound(error)) return null;
      if (isAccessDenied(error)) {
        this.log.info(
          'reading an S3 object was denied (HTTP 403, as for a missing key without s3:ListBucket); ' +
            'taking it as absent, the conditional write decides',
          { bucket: this.bucket, key },
        );
        onDenied?.();
        return null;
      }
      throw error;
    }
  }

  /**
   * Whether `key` holds exactly the bytes of this size and SHA-256 (base64): S3's stored SHA-256
   * when it has a full-object one, else GET and hash.
   */
  async compare(key: string, size: number, sha256: string): Promise<'same' | 'different' | 'absent'> {
    const signal = { abortSignal: this.signal() };
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' }), signal);
      if (head.ContentLength !== undefined && head.ContentLength !== size) return 'different';
      if (head.ChecksumSHA256 && head.ChecksumType !== 'COMPOSITE') return head.ChecksumSHA256 === sha256 ? 'same' : 'different';
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), signal);
      const hash = createHash('sha256');
      for await (const chunk of response.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
      return hash.digest('base64') === sha256 ? 'same' : 'different';
    } catch (error) {
      if (isNotFound(error)) return 'absent';
      throw error;
    }
  }

  /**
   * One PutObject, tried again (with backoff) while S3 answers 409 ConditionalRequestConflict; S3's
   * answer (the version id it gave the object, in a versioned bucket). `signal`, when given, cancels
   * it instead of the writer's own.
   */
  async put(key: string, object: ObjectBody, condition: PutCondition, signal?: AbortSignal): Promise<PutObjectCommandOutput> {
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: object.body,
      ContentLength: object.body.length,
      ContentType: object.contentType,
      // S3 recomputes the SHA-256 of what it received and refuses the put (BadDigest) on a mismatch.
      ChecksumSHA256: object.sha256,
      ...conditionHeaders(condition),
      ...this.encryption,
    };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.client.send(new PutObjectCommand(input), { abortSignal: signal ?? this.signal() });
      } catch (error) {
        if (!isConditionalConflict(error) || attempt >= this.conflictRetries) throw error;
        const delay = this.conflictRetryDelayMs * 2 ** attempt;
        this.log.warn('conditional write conflict (409); retrying', { key, attempt: attempt + 1, delayMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}

function conditionHeaders(condition: PutCondition): Pick<PutObjectCommandInput, 'IfNoneMatch' | 'IfMatch'> {
  if (condition === 'create') return { IfNoneMatch: '*' };
  if (condition === 'overwrite') return {};
  return { IfMatch: condition.ifMatch };
}
