/**
 * Loads the config document from S3 (JSON, or YAML by the key's extension) and records the object
 * version it came from, so that a manifest can say exactly which document a run used.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { ConfigError } from '../errors.js';
import { type LoadedConfig, parseConfig } from '../pipeline/config.js';
import { checkConfigSize, decodeConfigBytes, readConfigBytes } from '../pipeline/config-document.js';
import { describeS3Error, s3ErrorStatus } from './s3/errors.js';
import { s3Url } from './s3-location.js';

export interface S3ConfigRequest {
  readonly client: S3Client;
  readonly bucket: string;
  readonly key: string;
}

export type S3LoadedConfig = LoadedConfig & {
  /** The S3 object version read; null when the bucket is not versioned. */
  readonly versionId: string | null;
};

export async function loadConfigFromS3({ client, bucket, key }: S3ConfigRequest): Promise<S3LoadedConfig> {
  const source = s3Url(bucket, key);
  let bytes: Buffer;
  let versionId: string | null;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    versionId = response.VersionId && response.VersionId !== 'null' ? response.VersionId : null;
    bytes = await boundedBody(response.Body, response.ContentLength, source);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(source, [{ path: '', message: unreadable(error, bucket, key) }], { cause: error });
  }
  return { ...parseConfig(decodeConfigBytes(bytes, source), source), versionId };
}

/**
 * The object's bytes, up to the config size cap: an object S3 says is larger is not read at all,
 * and a body that runs past the cap anyway stops being read there.
 */
async function boundedBody(body: GetObjectCommandOutput['Body'], contentLength: number | undefined, source: string): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  try {
    if (contentLength !== undefined) checkConfigSize(contentLength, source);
  } catch (error) {
    // Release the connection rather than leave the body unread.
    (body as { destroy?: () => void }).destroy?.();
    throw error;
  }
  return readConfigBytes(body as AsyncIterable<Uint8Array>, source);
}

function unreadable(error: unknown, bucket: string, key: string): string {
  const name = error instanceof Error ? error.name : '';
  const status = s3ErrorStatus(error);
  if (name === 'NoSuchKey' || (status === 404 && name !== 'NoSuchBucket')) {
    return `the object does not exist; upload the config document to ${s3Url(bucket, key)} or point the setting at the right key`;
  }
  if (name === 'NoSuchBucket') return `bucket ${bucket} does not exist (or is in another account); fix the config location setting`;
  if (name === 'AccessDenied' || status === 403) {
    return (
      `access denied (${describeS3Error(error)}); grant the function's role s3:GetObject on arn:aws:s3:::${bucket}/${key}` +
      ' (and kms:Decrypt if the object is encrypted with a customer managed key). ' +
      'Without s3:ListBucket on the bucket S3 also answers 403 for a missing object, so check that it exists'
    );
  }
  return `cannot be read: ${describeS3Error(error)}`;
}
