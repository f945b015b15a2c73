/**
 * The CLI's S3 and Oracle adapters: the same ones the Lambda uses, on the standard AWS credential
 * chain (and AWS_ENDPOINT_URL_* overrides), so a run from a laptop behaves like a scheduled one.
 * The region is checked before the first call. Loaded on demand by ./edges.ts.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { settingsPrefix } from '../../lambdas/adapters/oracle/settings.js';
import { OracleSource } from '../../lambdas/adapters/oracle/source.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { S3PublishedRuns } from '../../lambdas/adapters/s3/published-runs.js';
import { loadConfigFromS3 } from '../../lambdas/adapters/s3-config.js';
import { parseS3Location, parseS3ObjectUrl } from '../../lambdas/adapters/s3-location.js';
import { S3Sink } from '../../lambdas/adapters/s3-sink.js';
import type { Log } from '../../lambdas/log.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { ColorSource, ResultSink } from '../../lambdas/pipeline/ports.js';
import type { PublishedRuns } from '../../lambdas/pipeline/report/previous-runs.js';
import type { RunWindowBounds } from '../../lambdas/pipeline/run-window.js';
import { requireRegion } from './aws-region.js';
import type { OracleOptions } from './edges.js';
import { stageSettings } from './stage-settings.js';

let s3: Promise<S3Client> | undefined;
function s3Client(): Promise<S3Client> {
  s3 ??= (async () => {
    const client = createS3Client();
    await requireRegion(client);
    return client;
  })();
  return s3;
}

export async function loadConfigFromS3Url(url: string): Promise<LoadedConfig> {
  const { bucket, key } = parseS3ObjectUrl(url, '--config');
  return loadConfigFromS3({ client: await s3Client(), bucket, key });
}

export async function s3Sink(out: string, log: Log, options: { readonly dryRun: boolean }): Promise<ResultSink> {
  const { bucket, prefix } = parseS3Location(out, '--out');
  // A dry run never publishes, so it contacts nothing and needs no region.
  const client = options.dryRun ? createS3Client() : await s3Client();
  return new S3Sink({ client, bucket, prefix, log });
}

export async function s3PublishedRuns(out: string): Promise<PublishedRuns> {
  const { bucket, prefix } = parseS3Location(out, '--out');
  return new S3PublishedRuns({ client: await s3Client(), bucket, prefix });
}

export async function oracleSource(
  stage: string,
  loaded: LoadedConfig,
  window: RunWindowBounds,
  log: Log,
  options: OracleOptions,
): Promise<ColorSource> {
  return new OracleSource({
    settings: await stageSettings(stage, log),
    config: loaded.config,
    window,
    parameterPrefix: settingsPrefix(stage),
    log,
    openTimeoutMs: options.timeoutMs,
    // One run per process: no breaker to sit out, and no warm connection (a kept socket would keep the process alive).
    breaker: null,
    onRetry: options.onRetry,
  });
}
