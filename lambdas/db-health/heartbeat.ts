/**
 * The heartbeat: the last health report's checks, written where results go, so that "can the
 * function write there?" is checked by writing. The port keeps the checks free of any SDK; the S3
 * implementation writes `<prefix>/health/heartbeat-<stage>.json` through the product's one put
 * helper (checksum, KMS), overwriting it every time on purpose: it is "the last check", not a history.
 */
import { objectBody, type S3Destination, S3Objects } from '../adapters/s3/objects.js';
import { joinKey, normalizePrefix, s3Url } from '../adapters/s3-location.js';
import { JSON_CONTENT_TYPE } from '../names.js';
import type { HealthCheckResult } from './report.js';

export interface HeartbeatRecord {
  readonly stage: string;
  readonly checkedAt: string;
  readonly writtenBy: 'lambda' | 'cli';
  readonly checks: readonly HealthCheckResult[];
}

export interface Heartbeat {
  /** Where it is written, for the report. */
  readonly url: string;
  /** The folder a writer needs permission on, for the hint when writing fails. */
  readonly folder: string;
  /** Writes the record over the last one; resolves to the bytes written. */
  write(record: HeartbeatRecord, signal: AbortSignal): Promise<number>;
}

function heartbeatKey(prefix: string, stage: string): string {
  return joinKey(prefix, `health/heartbeat-${stage}.json`);
}

export class S3Heartbeat implements Heartbeat {
  readonly url: string;
  readonly folder: string;
  private readonly objects: S3Objects;
  private readonly key: string;

  constructor(destination: S3Destination, stage: string) {
    const prefix = normalizePrefix(destination.prefix);
    this.objects = new S3Objects(destination);
    this.key = heartbeatKey(prefix, stage);
    this.url = s3Url(destination.bucket, this.key);
    this.folder = s3Url(destination.bucket, joinKey(prefix, 'health'));
  }

  async write(record: HeartbeatRecord, signal: AbortSignal): Promise<number> {
    const body = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
    await this.objects.put(this.key, objectBody(body, JSON_CONTENT_TYPE), 'overwrite', signal);
    return body.length;
  }
}
