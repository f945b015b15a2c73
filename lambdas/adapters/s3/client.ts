/**
 * Every S3 client of the product, in the Lambdas and the CLI: with a connect timeout and a request
 * timeout, so that an endpoint that stops answering ends a run with a clear error instead of
 * hanging it (docs/publishing.md). The SDK retries what is worth retrying (5xx, throttling, resets,
 * timeouts) with its standard strategy, 3 attempts in all.
 *
 * - `S3_CONNECT_TIMEOUT_MS` (default 3000): how long a TCP/TLS connection may take to open.
 * - `S3_REQUEST_TIMEOUT_MS` (default 30000): how long a request may go without a byte sent or
 *   received. An idle limit, not a total one, so a large upload that is moving is never cut off.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ConfigError } from '../../errors.js';

const DEFAULT_S3_CONNECT_TIMEOUT_MS = 3_000;
const DEFAULT_S3_REQUEST_TIMEOUT_MS = 30_000;

export interface S3Timeouts {
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

function s3TimeoutsFrom(env: NodeJS.ProcessEnv = process.env): S3Timeouts {
  return {
    connectTimeoutMs: milliseconds(env, 'S3_CONNECT_TIMEOUT_MS', DEFAULT_S3_CONNECT_TIMEOUT_MS),
    requestTimeoutMs: milliseconds(env, 'S3_REQUEST_TIMEOUT_MS', DEFAULT_S3_REQUEST_TIMEOUT_MS),
  };
}

/** A client with the timeouts from the environment (or `timeouts`); `config` adds to or overrides the rest. */
export function createS3Client(config: S3ClientConfig = {}, timeouts: S3Timeouts = s3TimeoutsFrom()): S3Client {
  return new S3Client({
    ...config,
    requestHandler: { connectionTimeout: timeouts.connectTimeoutMs, socketTimeout: timeouts.requestTimeoutMs },
  });
}

function milliseconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 3_600_000) {
    throw new ConfigError('environment', [
      { path: name, message: `must be a whole number of milliseconds from 1 to 3600000 (got ${JSON.stringify(raw)})` },
    ]);
  }
  return value;
}
