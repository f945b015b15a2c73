/**
 * ConfigStore on the wire: s3rver stores the objects, the fault proxy gives it S3's conditional
 * writes and the versioning proxy its object versions (s3rver has neither).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigConflictError, ConfigStore, describeVersion } from '../../../lambdas/adapters/config-store.js';
import { loadConfigFromS3 } from '../../../lambdas/adapters/s3-config.js';
import { configSummary } from '../../../lambdas/pipeline/manifest.js';
import { S3FaultProxy } from '../../helpers/s3-fault-proxy.js';
import { S3VersioningProxy } from '../../helpers/s3-versioning-proxy.js';
import { useS3rver } from '../../helpers/s3rver.js';

const BUCKET = 'mp-config';
const s3 = useS3rver([BUCKET]);
let conditional: S3FaultProxy;
let versioning: S3VersioningProxy;
let client: S3Client;

beforeAll(async () => {
  conditional = await S3FaultProxy.start(s3.endpoint);
  versioning = await S3VersioningProxy.start(conditional.endpoint);
  client = new S3Client({
    endpoint: versioning.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await versioning.close();
  await conditional.close();
});

const JANE = { changedBy: 'arn:aws:sts::111111111111:assumed-role/desk-ops/jane', message: 'first rules' };
const doc = (version: string) => Buffer.from(`${JSON.stringify({ version, rules: [] })}\n`);

describe('ConfigStore', () => {
  it('creates the document only where there is none, and records who and why with the version', async () => {
    const store = new ConfigStore(client, BUCKET, 'create/config.json');
    expect(await store.read()).toBeNull();
    const versionId = await store.replace(doc('1'), null, JANE);
    expect(versionId).toMatch(/^[A-Za-z0-9+/=]{32}$/);
    const stored = await store.read();
    expect(stored).toMatchObject({ versionId, note: JANE });
    expect(stored!.bytes.equals(doc('1'))).toBe(true);

    // A second "create" finds it there: S3's If-None-Match refuses it and the first stays.
    await expect(store.replace(doc('other'), null, { ...JANE, message: 'also first' })).rejects.toBeInstanceOf(ConfigConflictError);
    expect((await store.read())!.bytes.equals(doc('1'))).toBe(true);
  });

  it('lets one of two pushes from the same version win; the other is refused and names the winner', async () => {
    const store = new ConfigStore(client, BUCKET, 'race/config.json');
    await store.replace(doc('base'), null, JANE);
    const base = (await store.read())!;
    const results = await Promise.allSettled([
      store.replace(doc('alice'), base.etag, { changedBy: 'arn:aws:iam::111111111111:user/alice', message: 'alice: tighten covers' }),
      store.replace(doc('bob'), base.etag, { changedBy: 'arn:aws:iam::111111111111:user/bob', message: 'bob: drop MIZUHO' }),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const conflict = lost[0]!.reason as ConfigConflictError;
    expect(conflict).toBeInstanceOf(ConfigConflictError);
    expect(conflict.message).toContain('s3://mp-config/race/config.json changed after it was read');
    expect(conflict.message).toContain('nothing was written');

    // Exactly one new version, holding the winner's bytes, and it is the one the loser was told of.
    const versions = versioning.versionsOf(BUCKET, 'race/config.json');
    expect(versions).toHaveLength(2);
    const current = (await store.read())!;
    expect(current.versionId).toBe(versions[1]!.versionId);
    expect(conflict.current?.versionId).toBe(current.versionId);
    expect(describeVersion(current)).toMatch(
      /^version \S+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, by arn:aws:iam::111111111111:user\/(alice|bob): "(alice|bob): .+"\)$/,
    );
  });

  it('lists the versions newest first with who and why, and reads any of them back', async () => {
    const store = new ConfigStore(client, BUCKET, 'history/config.json');
    let etag: string | null = null;
    const ids: (string | null)[] = [];
    for (const [index, message] of ['one', 'two — naïve café', 'three'].entries()) {
      ids.push(await store.replace(doc(String(index)), etag, { ...JANE, message }));
      etag = (await store.read())!.etag;
    }
    // A longer key under the same prefix is another object, not a version of this one.
    await new ConfigStore(client, BUCKET, 'history/config.json.bak').replace(doc('bak'), null, JANE);

    const history = await store.history(10);
    expect(history.map((entry) => entry.versionId)).toEqual([...ids].reverse());
    expect(history.map((entry) => entry.note.message)).toEqual(['three', 'two — naïve café', 'one']);
    expect(history.map((entry) => entry.isLatest)).toEqual([true, false, false]);
    expect((await store.history(2)).map((entry) => entry.versionId)).toEqual([ids[2], ids[1]]);

    const first = (await store.read(ids[0]!))!;
    expect(first.bytes.equals(doc('0'))).toBe(true);
    expect(first.note).toEqual({ ...JANE, message: 'one' });
    await expect(store.read('no-such-version-id')).rejects.toThrow(
      /cannot read s3:\/\/mp-config\/history\/config.json version no-such-version-id: .*NoSuchVersion/,
    );
  });

  it('is what the run reads: the loader returns the pushed version id, which the manifest records', async () => {
    const store = new ConfigStore(client, BUCKET, 'run/config.json');
    const versionId = await store.replace(Buffer.from('{"version":"desk-7","rules":[]}'), null, JANE);
    const loaded = await loadConfigFromS3({ client, bucket: BUCKET, key: 'run/config.json' });
    expect(configSummary(loaded)).toMatchObject({ source: 's3://mp-config/run/config.json', version: 'desk-7', versionId });
  });
});
