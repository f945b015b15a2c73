/**
 * The CLI's S3 and Oracle adapters: the same ones the Lambda uses, on the standard AWS credential
 * chain (and AWS_ENDPOINT_URL_* overrides), so a run from a laptop behaves like a scheduled one.
 * Loaded on demand by ./edges.ts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { settingsPrefix } from '../../lambdas/adapters/oracle-settings.js';
import { OracleSource } from '../../lambdas/adapters/oracle-source.js';
import { loadConfigFromS3 } from '../../lambdas/adapters/s3-config.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { parseS3Location, parseS3ObjectUrl } from '../../lambdas/adapters/s3-location.js';
import { S3Sink } from '../../lambdas/adapters/s3-sink.js';
import { SsmSettings } from '../../lambdas/adapters/ssm-settings.js';
import type { Log } from '../../lambdas/log.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { ColorSource, ResultSink } from '../../lambdas/pipeline/ports.js';
import type { RunWindowBounds } from '../../lambdas/pipeline/run-window.js';

let s3: S3Client | undefined;
const s3Client = () => (s3 ??= createS3Client());

export function loadConfigFromS3Url(url: string): Promise<LoadedConfig> {
  const { bucket, key } = parseS3ObjectUrl(url, '--config');
  return loadConfigFromS3({ client: s3Client(), bucket, key });
}

export function s3Sink(out: string, log: Log): ResultSink {
  const { bucket, prefix } = parseS3Location(out, '--out');
  return new S3Sink({ client: s3Client(), bucket, prefix, log });
}

export function oracleSource(stage: string, loaded: LoadedConfig, window: RunWindowBounds, log: Log): ColorSource {
  // No warm connection: a kept socket would keep the CLI process alive after the run.
  return new OracleSource({ settings: new SsmSettings({ stage, log }), config: loaded.config, window, parameterPrefix: settingsPrefix(stage), log });
}
