/**
 * A create-only object written as it is produced (docs/publishing.md): the bytes gather into parts
 * of {@link PART_BYTES}; a file that stays under one part is created with one PutObject when it
 * ends, a larger one with a multipart upload — each part with its SHA-256 for S3 to verify, at most
 * {@link PARTS_IN_FLIGHT} parts on the wire, completed with `If-None-Match: *`, so that, as with a
 * PutObject, a key that exists is never overwritten. Until CompleteMultipartUpload succeeds nothing
 * of the object is visible; an upload that fails is aborted, its parts removed.
 *
 * A completion refused with 412 (the key exists) or answered NoSuchUpload (this upload's own
 * completion landed and its response was lost) is decided as a PutObject's 412 is: the stored
 * object is compared with the size and SHA-256 of the bytes streamed, and the same bytes count as
 * written. S3 keeps a multipart object's checksum as a checksum of the parts' checksums, so that
 * comparison reads the object back and hashes it.
 */
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { MIB } from '../../pipeline/text.js';
import { describeS3Error, isNotFound, isPreconditionFailed } from './errors.js';
import { ObjectExistsError, type S3Objects, sha256Base64 } from './objects.js';

/** Size of each part but the last (S3 takes 5 MiB to 5 GiB). */
export const PART_BYTES = 8 * MIB;
/** Parts sent at once: the next part is gathered while one is sent, without holding the file. */
export const PARTS_IN_FLIGHT = 2;
/** S3's limit on the parts of one upload. */
const MAX_PARTS = 10_000;

export class ObjectUpload {
  /** The part being filled (from S3Objects' `partBuffers`), and how many of its bytes are the object's so far. */
  private part: Buffer | undefined;
  private filled = 0;
  private uploadId: Promise<string> | undefined;
  private readonly inFlight: Promise<CompletedPart>[] = [];
  private readonly parts: CompletedPart[] = [];
  private state: 'open' | 'done' | 'aborted' = 'open';

  constructor(
    private readonly objects: S3Objects,
    readonly key: string,
    private readonly contentType: string,
  ) {}

  private get partBytes(): number {
    return this.objects.partBytes;
  }

  /**
   * Takes the next bytes of the object and resolves when it can take more. The bytes are copied into
   * the part being filled (sent when full); then `done` is called, after which the caller may fill
   * `chunk` again (stream-file.ts ChunkTaker).
   */
  async write(chunk: Buffer, done?: () => void): Promise<void> {
    if (this.state !== 'open') throw new Error(`upload of ${this.key} is ${this.state}`);
    for (let from = 0; from < chunk.length; ) {
      this.part ??= this.objects.partBuffers.take(this.partBytes);
      const take = Math.min(chunk.length - from, this.partBytes - this.filled);
      this.part.set(chunk.subarray(from, from + take), this.filled);
      this.filled += take;
      from += take;
      if (this.filled === this.partBytes) await this.sendPart();
    }
    done?.();
  }

  /**
   * Ends the object, whose bytes were `bytes` long with this SHA-256 (hex), and creates it unless
   * the key exists: 'existing' when it already holds exactly these bytes, ObjectExistsError when
   * other bytes. On any other failure call {@link abort}.
   */
  async finish(bytes: number, sha256Hex: string): Promise<'created' | 'existing'> {
    const sha256 = Buffer.from(sha256Hex, 'hex').toString('base64');
    if (this.uploadId === undefined) {
      // Under one part: one PutObject, of a copy, so that the part buffer goes back at once.
      const body = Buffer.from(this.part?.subarray(0, this.filled) ?? []);
      if (this.part !== undefined) this.objects.partBuffers.give(this.part.buffer);
      this.part = undefined;
      const result = await this.objects.create(this.key, { body, contentType: this.contentType, sha256 });
      this.state = 'done';
      return result;
    }
    if (this.filled > 0) await this.sendPart();
    while (this.inFlight.length > 0) this.parts.push(await this.inFlight.shift()!);
    const uploadId = await this.uploadId;
    try {
      await this.objects.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.objects.bucket,
          Key: this.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: this.parts },
          IfNoneMatch: '*',
        }),
        { abortSignal: this.objects.signal() },
      );
      this.state = 'done';
      return 'created';
    } catch (error) {
      if (!isPreconditionFailed(error) && !isNotFound(error)) throw error;
      await this.abort();
      const stored = await this.objects.compare(this.key, bytes, sha256);
      if (stored === 'same') return 'existing';
      if (stored === 'different') throw new ObjectExistsError(this.key);
      throw error;
    }
  }

  /** Gives up the object: a multipart upload begun is aborted (best effort, never throws), so nothing of it stays. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.part = undefined;
    if (this.uploadId === undefined) return;
    // Parts still being sent would be stored after the abort: let them end first.
    await Promise.allSettled(this.inFlight);
    let uploadId: string;
    try {
      uploadId = await this.uploadId;
    } catch {
      return; // never created
    }
    try {
      await this.objects.client.send(new AbortMultipartUploadCommand({ Bucket: this.objects.bucket, Key: this.key, UploadId: uploadId }), {
        abortSignal: this.objects.signal(),
      });
    } catch (error) {
      if (isNotFound(error)) return;
      this.objects.log.warn('could not abort a multipart upload; its parts stay invisible until the bucket lifecycle rule removes them', {
        key: this.key,
        error: describeS3Error(error),
      });
    }
  }

  /** Sends the part filled so far as the next part, at most PARTS_IN_FLIGHT at once. */
  private async sendPart(): Promise<void> {
    const buffer = this.part!;
    const size = this.filled;
    this.part = undefined;
    this.filled = 0;
    this.uploadId ??= this.start();
    const uploadId = await this.uploadId;
    const partNumber = this.parts.length + this.inFlight.length + 1;
    if (partNumber > MAX_PARTS) throw new Error(`${this.key} needs more than ${MAX_PARTS} parts of ${this.partBytes} bytes`);
    // The buffer is filled again only once its part is stored: until then the SDK may read it (or
    // send it again). A part that failed ends the upload, so its buffer is never reused.
    const part = this.uploadPart(uploadId, partNumber, buffer.subarray(0, size)).then((completed) => {
      this.objects.partBuffers.give(buffer.buffer);
      return completed;
    });
    part.catch(() => undefined); // awaited below or by finish/abort; not an unhandled rejection meanwhile
    this.inFlight.push(part);
    if (this.inFlight.length >= PARTS_IN_FLIGHT) this.parts.push(await this.inFlight.shift()!);
  }

  private async start(): Promise<string> {
    const response = await this.objects.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.objects.bucket,
        Key: this.key,
        ContentType: this.contentType,
        ChecksumAlgorithm: 'SHA256',
        ...this.objects.encryption,
      }),
      { abortSignal: this.objects.signal() },
    );
    if (!response.UploadId) throw new Error(`S3 started a multipart upload of ${this.key} without an upload id`);
    return response.UploadId;
  }

  private async uploadPart(uploadId: string, partNumber: number, body: Buffer): Promise<CompletedPart> {
    const checksum = sha256Base64(body);
    const response = await this.objects.client.send(
      new UploadPartCommand({
        Bucket: this.objects.bucket,
        Key: this.key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: body,
        ContentLength: body.length,
        // S3 recomputes each part's SHA-256 and refuses it (BadDigest) on a mismatch.
        ChecksumSHA256: checksum,
      }),
      { abortSignal: this.objects.signal() },
    );
    if (!response.ETag) throw new Error(`S3 stored part ${partNumber} of ${this.key} without an ETag`);
    return { PartNumber: partNumber, ETag: response.ETag, ChecksumSHA256: checksum };
  }
}
