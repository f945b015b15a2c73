import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchBucket, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFromS3 } from '../../../lambdas/adapters/s3-config.js';
import { ConfigError } from '../../../lambdas/errors.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const BUCKET = 'mp-config';

/** A body as the SDK gives one in Node: a readable stream of the object's bytes. */
function textBody(text: string | Buffer): never {
  return Readable.from([Buffer.from(text)]) as never;
}

async function configError(key: string): Promise<ConfigError> {
  const error = await loadConfigFromS3({ client, bucket: BUCKET, key }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfigFromS3', () => {
  beforeEach(() => s3.reset());
  afterEach(() => s3.reset());

  it('parses a JSON document and records its version id and hash', async () => {
    const text = '{"version":"v7","rules":[],"window":{"lookbackDays":3}}';
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: 'market-pulse/config.json' }).resolves({
      Body: textBody(text),
      VersionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY',
    });
    const loaded = await loadConfigFromS3({ client, bucket: BUCKET, key: 'market-pulse/config.json' });
    expect(loaded.versionId).toBe('3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY');
    expect(loaded.source).toBe('s3://mp-config/market-pulse/config.json');
    expect(loaded.sha256).toBe(createHash('sha256').update(text).digest('hex'));
    expect(loaded.config.version).toBe('v7');
    expect(loaded.config.window.lookbackDays).toBe(3);
  });

  it('reads YAML by the key extension, and gives a null version id for an unversioned bucket', async () => {
    s3.on(GetObjectCommand).resolves({ Body: textBody('rules: []\ndedupe: true\n') });
    const loaded = await loadConfigFromS3({ client, bucket: BUCKET, key: 'config.yaml' });
    expect(loaded.config.dedupe).toBe(true);
    expect(loaded.versionId).toBeNull();
    // Objects written before versioning was enabled report the literal version "null".
    s3.on(GetObjectCommand).resolves({ Body: textBody('rules: []\n'), VersionId: 'null' });
    expect((await loadConfigFromS3({ client, bucket: BUCKET, key: 'config.yml' })).versionId).toBeNull();
  });

  it('reports an invalid document with the JSON path of each problem and the object URL', async () => {
    s3.on(GetObjectCommand).resolves({ Body: textBody('{"rules":[],"window":{"lookbackDays":0}}') });
    const error = await configError('config.json');
    expect(error.source).toBe('s3://mp-config/config.json');
    expect(error.issues).toEqual([{ path: 'window.lookbackDays', message: 'must be a whole number of days from 1 to 366' }]);
    expect(error.message).toBe(
      'invalid config s3://mp-config/config.json: window.lookbackDays: must be a whole number of days from 1 to 366',
    );
  });

  it('reports unparsable text as such', async () => {
    s3.on(GetObjectCommand).resolves({ Body: textBody('{"rules": [') });
    expect((await configError('config.json')).message).toMatch(/s3:\/\/mp-config\/config\.json: not valid JSON/);
  });

  it('accepts a JSON document that starts with a UTF-8 BOM, and refuses one that is not UTF-8', async () => {
    s3.on(GetObjectCommand).resolves({ Body: textBody('\uFEFF{"rules": [], "dedupe": true}') });
    expect((await loadConfigFromS3({ client, bucket: BUCKET, key: 'config.json' })).config.dedupe).toBe(true);
    s3.on(GetObjectCommand).resolves({ Body: textBody(Buffer.from('{"rules": [], "version": "caf\xe9"}', 'latin1')) });
    expect((await configError('config.json')).message).toBe(
      'invalid config s3://mp-config/config.json: the document is not valid UTF-8 (first bad byte at offset 29); save it as UTF-8',
    );
  });

  it('does not read an object larger than the size cap', async () => {
    let read = false;
    const body = new Readable({
      read: () => {
        read = true;
      },
    });
    s3.on(GetObjectCommand).resolves({ Body: body as never, ContentLength: 1024 ** 3 });
    expect((await configError('config.json')).message).toBe(
      'invalid config s3://mp-config/config.json: the document is larger than 4 MiB, the most a config document may be (is this the right file?)',
    );
    expect(read).toBe(false);
    expect(body.destroyed).toBe(true);
  });

  it('stops reading a body that runs past the cap without a declared length', async () => {
    let served = 0;
    const endless = new Readable({
      read() {
        served += 65536;
        this.push(Buffer.alloc(65536, 0x20));
      },
    });
    s3.on(GetObjectCommand).resolves({ Body: endless as never });
    expect((await configError('config.json')).message).toContain('larger than 4 MiB');
    expect(served).toBeLessThan(5 * 1024 * 1024);
    expect(endless.destroyed).toBe(true);
  });

  it('says how to fix a missing object', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    const error = await configError('market-pulse/config.json');
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('s3://mp-config/market-pulse/config.json');
    expect(error.message).toContain('does not exist; upload the config document');
    expect(error.cause).toBeInstanceOf(NoSuchKey);
  });

  it('says which permission to grant when access is denied', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }),
    );
    const error = await configError('market-pulse/config.json');
    expect(error.message).toContain("grant the function's role s3:GetObject on arn:aws:s3:::mp-config/market-pulse/config.json");
    expect(error.message).toContain('s3:ListBucket');
  });

  it('names a missing bucket', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }),
    );
    expect((await configError('config.json')).message).toContain('bucket mp-config does not exist');
  });

  it('passes on any other failure with its S3 code', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'Please reduce your request rate.',
      }),
    );
    expect((await configError('config.json')).message).toContain('cannot be read: Please reduce your request rate. (SlowDown, HTTP 503)');
  });
});
