/**
 * The files uploaded to a day in the results bucket, `<prefix>/uploads/as-of=YYYY-MM-DD/`
 * (docs/runbook.md "Adding a file to a day"). They are listed with the version each key holds now
 * (ListObjectVersions), then read at exactly that version (GetObject with VersionId), so the
 * manifest names the bytes the run read even when the desk replaces a file while the run is going.
 *
 * A version that is gone by the time it is read (deleted, or its key deleted for good) or that the
 * role may not read (403: another KMS key, say) is a SourceError naming why, which leaves that
 * upload out of the run; any other failure (a timeout, a 5xx) is thrown as it is, and fails the run
 * so that it is tried again.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SourceError } from '../../errors.js';
import { dayUploadsFolder } from '../../pipeline/upload-check.js';
import { checkBucketName, joinKey, normalizePrefix, s3Url } from '../s3-location.js';
import { describeS3Error, isAccessDenied, isNotFound } from './errors.js';
import { listVersionPages } from './version-pages.js';

/** One upload as listed: the key, the version it holds now, its size. */
export interface StoredUpload {
  readonly key: string;
  /** null in a bucket that is not versioned (S3 says "null"). */
  readonly versionId: string | null;
  readonly bytes: number;
}

/** Lists a date's uploads and reads one at its listed version; run-colors/day-uploads.ts decides what joins the run. */
export interface UploadStore {
  list(asOf: string): Promise<readonly StoredUpload[]>;
  read(upload: StoredUpload): Promise<AsyncIterable<Uint8Array>>;
  /** How the run names an upload, e.g. `s3://bucket/market-pulse/uploads/as-of=2026-11-20/late.xlsx`. */
  describe(key: string): string;
}

export interface S3DayUploadsOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The results prefix (RESULTS_PREFIX), as given to S3Sink. */
  readonly prefix: string;
}

export class S3DayUploads implements UploadStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3DayUploadsOptions) {
    this.client = options.client;
    this.bucket = checkBucketName(options.bucket);
    this.prefix = normalizePrefix(options.prefix);
  }

  /** The current version of every key under the date's folder, in key order; a folder placeholder (`…/`) is none. */
  async list(asOf: string): Promise<readonly StoredUpload[]> {
    const folder = joinKey(this.prefix, dayUploadsFolder(asOf));
    const uploads: StoredUpload[] = [];
    try {
      for await (const page of listVersionPages(this.client, this.bucket, folder)) {
        // A key whose newest entry is a delete marker has no version IsLatest: it was deleted, and is not listed.
        for (const version of page.Versions ?? []) {
          if (version.IsLatest !== true || version.Key === undefined || version.Key.endsWith('/')) continue;
          uploads.push({ key: version.Key, versionId: versionOf(version.VersionId), bytes: version.Size ?? 0 });
        }
      }
    } catch (error) {
      throw new Error(`cannot list the day's uploads at ${s3Url(this.bucket, folder)}: ${describeS3Error(error)}`, { cause: error });
    }
    return uploads.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async read(upload: StoredUpload): Promise<AsyncIterable<Uint8Array>> {
    try {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: upload.key,
          ...(upload.versionId === null ? {} : { VersionId: upload.versionId }),
        }),
      );
      return (response.Body as AsyncIterable<Uint8Array> | undefined) ?? emptyBody();
    } catch (error) {
      const where = this.describe(upload.key);
      if (isNotFound(error)) throw new SourceError(`${where}: the version listed is gone (deleted before it was read)`, { cause: error });
      if (isAccessDenied(error)) throw new SourceError(`${where}: it cannot be read: ${describeS3Error(error)}`, { cause: error });
      throw error;
    }
  }

  describe(key: string): string {
    return s3Url(this.bucket, key);
  }
}

function versionOf(id: string | undefined): string | null {
  return id && id !== 'null' ? id : null;
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
