/**
 * `s3://bucket/prefix` and `s3://bucket/key` URLs, as people type them into settings and CLI flags.
 * Parsed strictly up front so that a typo fails with a message naming the value and the rule it
 * breaks, instead of surfacing later as an AccessDenied or a key with a double slash in it.
 */
import { UsageError } from '../errors.js';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix without leading or trailing '/'; '' for the bucket's root. */
  readonly prefix: string;
}

export interface S3ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

// General purpose bucket naming rules (S3 User Guide, "Bucket naming rules").
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/some/prefix/`. */
export function parseS3Location(url: string, label = 'S3 location'): S3Location {
  const { bucket, rest } = split(url, label);
  return { bucket, prefix: normalizePrefix(rest, `${label} ${JSON.stringify(url)}`) };
}

/** Parses `s3://bucket/path/to/object.json`; the key must name an object, not a folder. */
export function parseS3ObjectUrl(url: string, label = 'S3 object'): S3ObjectLocation {
  const { bucket, rest } = split(url, label);
  const where = `${label} ${JSON.stringify(url)}`;
  if (rest === '' || rest.endsWith('/')) throw new UsageError(`${where} names no object: expected s3://${bucket}/path/to/object`);
  return { bucket, key: normalizePrefix(rest, where) };
}

/**
 * Strips leading and trailing slashes; rejects empty, '.' and '..' segments, which would make
 * keys with '//' in them or paths that mean something different to people and to S3.
 */
export function normalizePrefix(prefix: string, where = `S3 prefix ${JSON.stringify(prefix)}`): string {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') return '';
  for (const segment of trimmed.split('/')) {
    if (segment === '') throw new UsageError(`${where} has an empty path segment ('//'); remove the doubled slash`);
    if (segment === '.' || segment === '..')
      throw new UsageError(`${where} has a '${segment}' path segment; S3 keys are not file paths, spell the prefix out`);
  }
  return trimmed;
}

/** Joins a normalized prefix and a relative key without doubling or leading slashes. */
export function joinKey(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}/${key}`;
}

/** `s3://bucket/key` (or `s3://bucket` for an empty key). */
export function s3Url(bucket: string, key: string): string {
  return key === '' ? `s3://${bucket}` : `s3://${bucket}/${key}`;
}

/** Checks a bucket name on its own (e.g. one given in a setting rather than a URL). */
export function checkBucketName(bucket: string, where = `bucket name ${JSON.stringify(bucket)}`): string {
  if (bucket !== bucket.toLowerCase()) throw new UsageError(`${where}: bucket names are lowercase`);
  if (bucket.length < 3 || bucket.length > 63) throw new UsageError(`${where}: bucket names are 3 to 63 characters long`);
  if (!BUCKET.test(bucket)) {
    throw new UsageError(
      `${where}: bucket names use only lowercase letters, digits, '.' and '-', and start and end with a letter or digit`,
    );
  }
  if (bucket.includes('..')) throw new UsageError(`${where}: bucket names have no two adjacent dots`);
  if (IP_ADDRESS.test(bucket)) throw new UsageError(`${where}: bucket names are not IP addresses`);
  return bucket;
}

function split(raw: string, label: string): { bucket: string; rest: string } {
  const url = raw.trim();
  const where = `${label} ${JSON.stringify(raw)}`;
  if (url === '') throw new UsageError(`${label} is empty: expected s3://bucket/prefix`);
  if (/^(https?:|arn:)/i.test(url))
    throw new UsageError(`${where} must be an s3:// URL such as s3://bucket/prefix, not an HTTP URL or ARN`);
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/s.exec(url);
  if (!match) throw new UsageError(`${where} must start with s3:// (e.g. s3://bucket/prefix)`);
  const bucket = match[1] ?? '';
  if (bucket === '') throw new UsageError(`${where} has no bucket name: expected s3://bucket/prefix`);
  checkBucketName(bucket, `${where}: bucket ${JSON.stringify(bucket)}`);
  return { bucket, rest: match[2] ?? '' };
}
