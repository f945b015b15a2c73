import { describe, expect, it } from 'vitest';
import { joinKey, normalizePrefix, parseS3Location, parseS3ObjectUrl, s3Url } from '../../../lambdas/adapters/s3-location.js';
import { UsageError } from '../../../lambdas/errors.js';

describe('parseS3Location', () => {
  it.each([
    ['s3://my-bucket', { bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/', { bucket: 'my-bucket', prefix: '' }],
    ['s3://my-bucket/market-pulse', { bucket: 'my-bucket', prefix: 'market-pulse' }],
    ['s3://my-bucket/market-pulse/', { bucket: 'my-bucket', prefix: 'market-pulse' }],
    ['s3://my.bucket.1/a/b/c/', { bucket: 'my.bucket.1', prefix: 'a/b/c' }],
    ['  s3://abc/x \n', { bucket: 'abc', prefix: 'x' }],
  ])('parses %j', (url, expected) => {
    expect(parseS3Location(url)).toEqual(expected);
  });

  it.each([
    ['', /is empty/],
    ['my-bucket/prefix', /must start with s3:\/\//],
    ['S3://my-bucket/prefix', /must start with s3:\/\//],
    ['https://my-bucket.s3.amazonaws.com/prefix', /not an HTTP URL or ARN/],
    ['arn:aws:s3:::my-bucket', /not an HTTP URL or ARN/],
    ['s3:///prefix', /no bucket name/],
    ['s3://My-Bucket/prefix', /lowercase/],
    ['s3://ab/prefix', /3 to 63 characters/],
    ['s3://my_bucket/prefix', /only lowercase letters, digits/],
    ['s3://-bucket/prefix', /start and end with a letter or digit/],
    ['s3://my..bucket', /no two adjacent dots/],
    ['s3://192.168.1.10', /not IP addresses/],
    ['s3://my-bucket/a//b', /empty path segment/],
    ['s3://my-bucket/a/../b', /'\.\.' path segment/],
  ])('rejects %j with a clear message', (url, message) => {
    expect(() => parseS3Location(url, 'OUTPUT_LOCATION')).toThrow(UsageError);
    expect(() => parseS3Location(url, 'OUTPUT_LOCATION')).toThrow(message);
  });

  it('names the setting and the value in its message', () => {
    expect(() => parseS3Location('s3://Bad/x', 'OUTPUT_LOCATION')).toThrow('OUTPUT_LOCATION "s3://Bad/x"');
  });
});

describe('parseS3ObjectUrl', () => {
  it('parses an object URL', () => {
    expect(parseS3ObjectUrl('s3://cfg-bucket/market-pulse/config.yaml')).toEqual({ bucket: 'cfg-bucket', key: 'market-pulse/config.yaml' });
  });

  it.each(['s3://cfg-bucket', 's3://cfg-bucket/', 's3://cfg-bucket/folder/'])('rejects %j, which names no object', (url) => {
    expect(() => parseS3ObjectUrl(url, 'CONFIG_LOCATION')).toThrow(/CONFIG_LOCATION .* names no object/);
  });
});

describe('key helpers', () => {
  it('normalizes prefixes and joins keys without doubled slashes', () => {
    expect(normalizePrefix('/a/b/')).toBe('a/b');
    expect(normalizePrefix('///')).toBe('');
    expect(joinKey('', 'runs/x')).toBe('runs/x');
    expect(joinKey('a/b', 'runs/x')).toBe('a/b/runs/x');
    expect(s3Url('bkt', '')).toBe('s3://bkt');
    expect(s3Url('bkt', 'a/b')).toBe('s3://bkt/a/b');
  });
});
