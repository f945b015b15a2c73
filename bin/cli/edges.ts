/**
 * The CLI's adapters, chosen by argument: a file or Oracle in, a folder or S3 out, a config document
 * from a file or S3. Local files are handled here; S3 and Oracle go through ./aws-edges.ts, loaded
 * only when an argument asks for them, because the AWS SDK, Powertools and oracledb take ~0.4 s to
 * load and a run on local files (the demo, the benchmark) never uses them.
 */
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import { FsSink } from '../../lambdas/adapters/fs-sink.js';
import type { Log } from '../../lambdas/log.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { ColorSource, ResultSink } from '../../lambdas/pipeline/ports.js';
import type { RunWindowBounds } from '../../lambdas/pipeline/run-window.js';

const isS3 = (location: string) => location.startsWith('s3://');
const awsEdges = () => import('./aws-edges.js');

export async function loadConfig(location: string): Promise<LoadedConfig> {
  if (!isS3(location)) return loadConfigFile(location);
  return (await awsEdges()).loadConfigFromS3Url(location);
}

export async function sinkFor(out: string, log: Log): Promise<ResultSink> {
  if (!isS3(out)) return new FsSink(out, { log });
  return (await awsEdges()).s3Sink(out, log);
}

export function fileSource(path: string): ColorSource {
  return new FileSource(path);
}

export async function oracleSource(stage: string, loaded: LoadedConfig, window: RunWindowBounds, log: Log): Promise<ColorSource> {
  return (await awsEdges()).oracleSource(stage, loaded, window, log);
}
