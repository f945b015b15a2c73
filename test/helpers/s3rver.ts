/**
 * A throwaway s3rver for wire-level tests: listens on 127.0.0.1 only, on a port the OS picks, keeps
 * its objects in a fresh temporary folder, and is stopped (folder removed) in afterAll.
 *
 * s3rver 3.7.1 is not faithful S3 (shared reference toolchain-notes.md §7): it ignores If-None-Match on
 * PUT, stores no checksums, and stores aws-chunked framing verbatim, so clients made here compute
 * checksums only when an operation requires one and tests send Buffer bodies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3rverEvent) => void): void;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

/** The S3 event notification s3rver emits after it has stored (or deleted) an object. */
interface S3rverEvent {
  Records: { eventName: string; s3: { bucket: { name: string }; object: { key: string } } }[];
}

export interface StoredEvent {
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
}

export interface S3rverHandle {
  readonly endpoint: string;
  readonly directory: string;
  /** Object creations and deletions in the order the server completed them. */
  readonly events: StoredEvent[];
  /** A new client for this server; destroyed in afterAll. */
  client(): S3Client;
}

const require = createRequire(import.meta.url);

/** Registers beforeAll/afterAll that run an s3rver with these buckets; read the handle inside tests. */
export function useS3rver(buckets: readonly string[]): S3rverHandle {
  let server: S3rverInstance | undefined;
  let endpoint = '';
  let directory = '';
  const events: StoredEvent[] = [];
  const clients: S3Client[] = [];

  beforeAll(async () => {
    const S3rver = require('s3rver') as S3rverConstructor;
    directory = await mkdtemp(join(tmpdir(), 'mp-s3rver-'));
    server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      configureBuckets: buckets.map((name) => ({ name })),
    });
    server.on('event', (event) => {
      for (const record of event.Records) {
        events.push({ eventName: record.eventName, bucket: record.s3.bucket.name, key: record.s3.object.key });
      }
    });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });

  afterAll(async () => {
    for (const client of clients) client.destroy();
    if (server) {
      // Idle keep-alive sockets would otherwise hold close() open.
      server.httpServer?.closeAllConnections();
      await server.close();
    }
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  return {
    get endpoint() {
      return endpoint;
    },
    get directory() {
      return directory;
    },
    events,
    client() {
      if (!endpoint) throw new Error('s3rver is not running yet; call client() inside a test or hook');
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        requestChecksumCalculation: 'WHEN_REQUIRED',
        maxAttempts: 1,
      });
      clients.push(client);
      return client;
    },
  };
}
