/**
 * The CLI's adapters, chosen by argument: a file or Oracle in, a folder or S3 out, a config document
 * from a file or S3. The same adapters the Lambda uses, on the standard AWS credential chain
 * (and AWS_ENDPOINT_URL_* overrides), so a run from a laptop behaves like a scheduled one.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import { FsSink } from '../../lambdas/adapters/fs-sink.js';
import { settingsPrefix } from '../../lambdas/adapters/oracle-settings.js';
import { OracleSource } from '../../lambdas/adapters/oracle-source.js';
import { loadConfigFromS3 } from '../../lambdas/adapters/s3-config.js';
import { parseS3Location, parseS3ObjectUrl } from '../../lambdas/adapters/s3-location.js';
import { S3Sink } from '../../lambdas/adapters/s3-sink.js';
import { SsmSettings } from '../../lambdas/adapters/ssm-settings.js';
import type { Log } from '../../lambdas/log.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { ColorSource, ResultSink } from '../../lambdas/pipeline/ports.js';
import type { RunWindowBounds } from '../../lambdas/pipeline/run-window.js';

const isS3 = (location: string) => location.startsWith('s3://');

let s3: S3Client | undefined;
const s3Client = () => (s3 ??= new S3Client({}));

export async function loadConfig(location: string): Promise<LoadedConfig> {
  if (!isS3(location)) return loadConfigFile(location);
  const { bucket, key } = parseS3ObjectUrl(location, '--config');
  return loadConfigFromS3({ client: s3Client(), bucket, key });
}

export function sinkFor(out: string, log: Log): ResultSink {
  if (!isS3(out)) return new FsSink(out);
  const { bucket, prefix } = parseS3Location(out, '--out');
  return new S3Sink({ client: s3Client(), bucket, prefix, log });
}

export function fileSource(path: string): ColorSource {
  return new FileSource(path);
}

export function oracleSource(stage: string, loaded: LoadedConfig, window: RunWindowBounds, log: Log): ColorSource {
  // No warm connection: a kept socket would keep the CLI process alive after the run.
  return new OracleSource({ settings: new SsmSettings({ stage, log }), config: loaded.config, window, parameterPrefix: settingsPrefix(stage), log });
}
