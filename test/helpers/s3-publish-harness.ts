/**
 * What the wire-level publish tests share: s3rver behind the conditional, fault-injecting proxy
 * (./s3-fault-proxy.ts), clients through the proxy and straight to s3rver (the judge's view, which
 * no fault touches), the CLI's AWS environment, and a small real input.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import type { StoreView } from './publish-outcomes.js';
import { S3FaultProxy } from './s3-fault-proxy.js';
import { useS3rver } from './s3rver.js';

export const BUCKET = 'mp-publish';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Short timeouts: a stalled response ends in half a second, not thirty. */
export const TEST_TIMEOUTS = { connectTimeoutMs: 1_000, requestTimeoutMs: 500 };

export interface PublishHarness {
  readonly proxy: S3FaultProxy;
  /** A client to the proxy, as the product builds them (with the test timeouts); destroyed in afterAll. */
  client(): S3Client;
  /** The store's side, bypassing the proxy. */
  view(prefix: string, asOf: string, runId: string): StoreView;
  /** Writes latest.json for a date straight to the store; returns its text. */
  putLatest(prefix: string, asOf: string, runId: string): Promise<string>;
  readLatest(prefix: string, asOf: string): Promise<string | null>;
  /** A 200-row slice of the sample, as a file. */
  readonly input: string;
  /** Sets the environment the CLI reads (endpoint, credentials, timeouts) for this file's tests. */
  useCliEnvironment(): void;
}

export function usePublishHarness(): PublishHarness {
  const s3 = useS3rver([BUCKET]);
  let proxy: S3FaultProxy | undefined;
  let direct: S3Client | undefined;
  let work = '';
  const clients: S3Client[] = [];
  const savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    proxy = await S3FaultProxy.start(s3.endpoint);
    direct = s3.client();
    work = await mkdtemp(join(tmpdir(), 'mp-publish-'));
    await writeFile(join(work, 'colors.csv'), `${(await readFile('samples/colors.csv', 'utf8')).split('\n').slice(0, 201).join('\n')}\n`);
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    await proxy?.close();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  const text = async (key: string): Promise<string | null> => {
    try {
      const response = await direct!.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return await response.Body!.transformToString('utf8');
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return null;
      throw error;
    }
  };
  const dateKey = (prefix: string, asOf: string) => `${prefix}/runs/as-of=${asOf}`;

  return {
    get proxy() {
      return proxy!;
    },
    get input() {
      return join(work, 'colors.csv');
    },
    client() {
      const client = createS3Client(
        {
          endpoint: proxy!.endpoint,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: CREDENTIALS,
          requestChecksumCalculation: 'WHEN_REQUIRED',
        },
        TEST_TIMEOUTS,
      );
      clients.push(client);
      return client;
    },
    view(prefix, asOf, runId) {
      const runKey = `${dateKey(prefix, asOf)}/run-id=${runId}`;
      return {
        manifest: () => text(`${runKey}/manifest.json`),
        file: async (name) => {
          const body = await text(`${runKey}/${name}`);
          return body === null ? null : Buffer.from(body);
        },
        latest: () => text(`${dateKey(prefix, asOf)}/latest.json`),
      };
    },
    async putLatest(prefix, asOf, runId) {
      const pointer = {
        asOf,
        runId,
        manifest: `run-id=${runId}/manifest.json`,
        manifestSha256: '0'.repeat(64),
        publishedAt: '2026-01-01T00:00:00.000Z',
      };
      const body = `${JSON.stringify(pointer)}\n`;
      await direct!.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${dateKey(prefix, asOf)}/latest.json`, Body: Buffer.from(body) }));
      return body;
    },
    readLatest: (prefix, asOf) => text(`${dateKey(prefix, asOf)}/latest.json`),
    useCliEnvironment() {
      const env = {
        AWS_ENDPOINT_URL_S3: proxy!.endpoint,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        // s3rver stores aws-chunked framing verbatim; real S3 needs no such setting.
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        S3_CONNECT_TIMEOUT_MS: String(TEST_TIMEOUTS.connectTimeoutMs),
        S3_REQUEST_TIMEOUT_MS: String(TEST_TIMEOUTS.requestTimeoutMs),
      };
      for (const [name, value] of Object.entries(env)) {
        if (!(name in savedEnv)) savedEnv[name] = process.env[name];
        process.env[name] = value;
      }
    },
  };
}

/** The promise's value, or 'hung' when it has not settled within `ms`. */
export async function within<T>(ms: number, promise: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}
