/**
 * A versioned bucket on the wire for tests: s3rver (the store), the fault proxy in front of it for
 * the conditional writes s3rver lacks (./s3-fault-proxy.ts), and the versioning proxy in front of
 * that for version ids, GetObject with VersionId and ListObjectVersions (./s3-versioning-proxy.ts).
 * Everything listens on 127.0.0.1; `endpoint` is where clients and AWS_ENDPOINT_URL_S3 point.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { S3FaultProxy } from './s3-fault-proxy.js';
import { S3VersioningProxy } from './s3-versioning-proxy.js';
import { useS3rver } from './s3rver.js';

export const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface VersionedS3 {
  readonly endpoint: string;
  readonly versioning: S3VersioningProxy;
  readonly conditional: S3FaultProxy;
  /** A client to `endpoint`; destroyed in afterAll. */
  client(): S3Client;
  /** Puts an object through the proxies; returns the version id the bucket gave it. */
  put(bucket: string, key: string, body: string | Buffer): Promise<string>;
}

export function useVersionedS3(buckets: readonly string[]): VersionedS3 {
  const s3 = useS3rver(buckets);
  let conditional: S3FaultProxy | undefined;
  let versioning: S3VersioningProxy | undefined;
  let shared: S3Client | undefined;
  const clients: S3Client[] = [];

  beforeAll(async () => {
    conditional = await S3FaultProxy.start(s3.endpoint);
    versioning = await S3VersioningProxy.start(conditional.endpoint);
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await versioning?.close();
    await conditional?.close();
  });

  const handle: VersionedS3 = {
    get endpoint() {
      if (!versioning) throw new Error('the versioned bucket is not running yet; use it inside a test or hook');
      return versioning.endpoint;
    },
    get versioning() {
      return versioning!;
    },
    get conditional() {
      return conditional!;
    },
    client() {
      const client = new S3Client({
        endpoint: handle.endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: CREDENTIALS,
        // s3rver stores aws-chunked framing verbatim: checksums only where an operation requires one.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
    async put(bucket, key, body) {
      shared ??= handle.client();
      const response = await shared.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
      if (!response.VersionId) throw new Error(`the versioning proxy gave ${key} no version id`);
      return response.VersionId;
    },
  };
  return handle;
}
