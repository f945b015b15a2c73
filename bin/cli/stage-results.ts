/**
 * Where a deployed stage publishes its runs, and the config document its run-colors reads, as the
 * stack records them: the plain SSM parameters `/market-pulse/<stage>/results/url`
 * (`s3://bucket/prefix`, lib/upload-trigger.ts) and, when the stage reads its config from S3,
 * `/market-pulse/<stage>/config/location`. One GetParameters call reads both.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { loadConfigFromS3 } from '../../lambdas/adapters/s3-config.js';
import { parseS3Location, parseS3ObjectUrl } from '../../lambdas/adapters/s3-location.js';
import { SettingsError, UsageError } from '../../lambdas/errors.js';
import { configLocationParameter, resultsLocationParameter } from '../../lambdas/names.js';
import type { LoadedConfig } from '../../lambdas/pipeline/config.js';
import { bundledConfig } from '../../lambdas/run-colors/bundled-config.js';
import { requireRegion } from './aws-region.js';

export interface StageResults {
  readonly bucket: string;
  /** The results prefix, without slashes at either end. */
  readonly prefix: string;
  /** `s3://bucket/key` of the config document run-colors reads, or undefined when it uses the one bundled with it. */
  readonly configUrl: string | undefined;
}

export async function stageResults(stage: string): Promise<StageResults> {
  const client = new SSMClient({});
  const names = { results: resultsLocationParameter(stage), config: configLocationParameter(stage) };
  let values: Map<string, string>;
  try {
    await requireRegion(client);
    const response = await client.send(new GetParametersCommand({ Names: [names.results, names.config] }));
    values = new Map((response.Parameters ?? []).map((parameter) => [parameter.Name ?? '', parameter.Value ?? '']));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new SettingsError(
      `cannot read the SSM parameter ${names.results} that says where stage ${stage} keeps its results: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
  const results = values.get(names.results);
  if (results === undefined) {
    throw new UsageError(
      `stage ${stage} has no SSM parameter ${names.results}: it is not deployed in this account and region, or was deployed before uploads (deploy it again)`,
    );
  }
  const { bucket, prefix } = parseS3Location(results, names.results);
  return { bucket, prefix, configUrl: values.get(names.config) };
}

/** The config document the stage's run-colors reads: its S3 object, or the one bundled with the function. */
export async function stageConfig(results: StageResults, s3: S3Client): Promise<LoadedConfig> {
  if (results.configUrl === undefined) return bundledConfig();
  const { bucket, key } = parseS3ObjectUrl(results.configUrl, 'the stage config location');
  return loadConfigFromS3({ client: s3, bucket, key });
}
