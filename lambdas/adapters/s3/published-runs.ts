/**
 * The runs published under an S3 prefix, read for a report's comparisons (PublishedRuns,
 * lambdas/pipeline/report/previous-runs.ts) with the keys S3Sink writes. A missing key is absent;
 * so is a 403, which S3 answers for a missing key to a role without s3:ListBucket on the bucket
 * (docs/deploy.md "What each role may do"). Any other failure is thrown for the report to note.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { asOfFolder, LATEST_FILE, runFolder } from '../../pipeline/latest-pointer.js';
import type { PublishedRuns } from '../../pipeline/report/previous-runs.js';
import { checkBucketName, joinKey, normalizePrefix, s3Url } from '../s3-location.js';
import { describeS3Error, isAccessDenied, isNotFound } from './errors.js';

export interface S3PublishedRunsOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The prefix runs are published under, as given to S3Sink. */
  readonly prefix: string;
}

export class S3PublishedRuns implements PublishedRuns {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3PublishedRunsOptions) {
    this.client = options.client;
    this.bucket = checkBucketName(options.bucket);
    this.prefix = normalizePrefix(options.prefix);
  }

  readLatest(asOf: string): Promise<Uint8Array | null> {
    return this.read(`${this.dateKey(asOf)}/${LATEST_FILE}`);
  }

  readRunFile(asOf: string, runId: string, name: string): Promise<Uint8Array | null> {
    return this.read(`${this.dateKey(asOf)}/${runFolder(runId)}/${name}`);
  }

  private dateKey(asOf: string): string {
    return joinKey(this.prefix, `runs/${asOfFolder(asOf)}`);
  }

  private async read(key: string): Promise<Uint8Array | null> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (isNotFound(error) || isAccessDenied(error)) return null;
      throw new Error(`reading ${s3Url(this.bucket, key)} failed: ${describeS3Error(error)}`, { cause: error });
    }
  }
}
