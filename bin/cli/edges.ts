/**
 * The CLI's adapters, chosen by argument: a file or Oracle in, a folder or S3 out, a config document
 * from a file or S3. Local files are handled here; S3 and Oracle go through ./aws-edges.ts, loaded
 * only when an argument asks for them, because the AWS SDK, Powertools and oracledb take ~0.4 s to
 * load and a run on local files (the demo, the benchmark) never uses them.
 */
import { stat } from 'node:fs/promises';
import { loadConfigFile } from '../../lambdas/adapters/config-file.js';
import type { FileHasher } from '../../lambdas/adapters/file-hash-thread.js';
import { FileSource } from '../../lambdas/adapters/file-source.js';
import { FsPublishedRuns } from '../../lambdas/adapters/fs-published-runs.js';
import { FsSink } from '../../lambdas/adapters/fs-sink.js';
import type { OracleRetry } from '../../lambdas/adapters/oracle/session.js';
import { SourceError } from '../../lambdas/errors.js';
import type { Log } from '../../lambdas/log.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import type { ColorSource, ResultSink } from '../../lambdas/pipeline/ports.js';
import type { PublishedRuns } from '../../lambdas/pipeline/report/previous-runs.js';
import { checkOutputFolder } from './output-folder.js';

const isS3 = (location: string) => location.startsWith('s3://');
type AwsEdges = typeof import('./aws-edges.js');
const awsEdges = (): Promise<AwsEdges> => import('./aws-edges.js');

export async function loadConfig(location: string): Promise<LoadedConfig> {
  if (!isS3(location)) return loadConfigFile(location);
  return (await awsEdges()).loadConfigFromS3Url(location);
}

/** The sink for `--out`, checked before the run starts: a local folder must be writable (unless nothing will be written). */
export async function sinkFor(
  out: string,
  log: Log,
  options: { readonly dryRun: boolean; readonly hasher?: FileHasher },
): Promise<ResultSink> {
  if (isS3(out)) return (await awsEdges()).s3Sink(out, log, options);
  if (!options.dryRun) await checkOutputFolder(out);
  return new FsSink(out, { log, hasher: options.hasher });
}

/** The runs already published at `--out`, which a run's report compares with. */
export async function publishedRunsFor(out: string): Promise<PublishedRuns> {
  if (isS3(out)) return (await awsEdges()).s3PublishedRuns(out);
  return new FsPublishedRuns(out);
}

export async function fileSource(path: string, options: { readonly sheet?: string } = {}): Promise<ColorSource> {
  // Before FileSource, which would first complain that a folder name has no .csv/.jsonl extension.
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) throw new SourceError(`--input ${path} is a directory, not a file; give a .csv, .jsonl, .ndjson or .xlsx file`);
  return new FileSource(path, options);
}

export interface OracleOptions {
  /** How long to keep trying to reach the database (`--timeout`). */
  readonly timeoutMs: number;
  readonly onRetry: (retry: OracleRetry) => void;
}

/** aws-edges.ts's oracleSource, loaded on first use. */
export const oracleSource: AwsEdges['oracleSource'] = async (...args) => (await awsEdges()).oracleSource(...args);
