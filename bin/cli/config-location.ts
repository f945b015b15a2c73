/**
 * Where a stage's config document lives, and the AWS clients the config commands use.
 *
 * The stack records the object run-colors reads (CONFIG_BUCKET/CONFIG_KEY, from the `configBucket`
 * and `configKey` context keys) in the plain SSM parameter `/market-pulse/<stage>/config/location`
 * as `s3://bucket/key`, so `--stage` finds it the way the function does; `--config-url` names the
 * object directly (docs/configuration.md, "Managing the rules").
 */
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ConfigStore, ConfigStoreError } from '../../lambdas/adapters/config-store.js';
import { createS3Client } from '../../lambdas/adapters/s3/client.js';
import { parseS3ObjectUrl } from '../../lambdas/adapters/s3-location.js';
import { UsageError } from '../../lambdas/errors.js';
import { configLocationParameter } from '../../lambdas/names.js';
import { requireRegion } from './aws-region.js';
import { checkStage } from './options.js';

export { configLocationParameter };

export interface LocationOptions {
  readonly stage?: string | undefined;
  readonly 'config-url'?: string | undefined;
}

export function hasLocation(options: LocationOptions): boolean {
  return options.stage !== undefined || options['config-url'] !== undefined;
}

/** The store for `--stage` or `--config-url` (exactly one), with the region checked before any call. */
export async function openConfigStore(options: LocationOptions, command: string): Promise<ConfigStore> {
  if (options.stage !== undefined && options['config-url'] !== undefined) {
    throw new UsageError(`${command} takes --stage or --config-url, not both`);
  }
  if (!hasLocation(options))
    throw new UsageError(`${command} needs --stage <stage> or --config-url s3://bucket/key (see market-pulse config --help)`);
  const url = options['config-url'] ?? (await stageConfigUrl(checkStage(options.stage!)));
  const { bucket, key } = parseS3ObjectUrl(
    url,
    options['config-url'] !== undefined ? '--config-url' : configLocationParameter(options.stage!),
  );
  const client = createS3Client();
  await requireRegion(client);
  return new ConfigStore(client, bucket, key);
}

async function stageConfigUrl(stage: string): Promise<string> {
  const client = new SSMClient({});
  await requireRegion(client);
  const name = configLocationParameter(stage);
  let value: string | undefined;
  try {
    const response = await client.send(new GetParametersCommand({ Names: [name] }));
    value = response.Parameters?.find((parameter) => parameter.Name === name)?.Value;
  } catch (error) {
    throw new ConfigStoreError(
      `cannot read the SSM parameter ${name} that says where stage ${stage} keeps its config document: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  } finally {
    client.destroy();
  }
  if (value === undefined) {
    throw new UsageError(
      `stage ${stage} has no config document in S3: there is no SSM parameter ${name}, which the stack creates when the configKey context key is set, ` +
        'so its functions use the config bundled with them. Set configKey (docs/configuration.md) and deploy, or name the object with --config-url s3://bucket/key',
    );
  }
  return value;
}

/** The caller's ARN, recorded as who made the change. */
export async function callerArn(): Promise<string> {
  const client = new STSClient({});
  try {
    await requireRegion(client);
    const identity = await client.send(new GetCallerIdentityCommand({}));
    if (!identity.Arn) throw new Error('STS returned no ARN');
    return identity.Arn;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new ConfigStoreError(
      `cannot tell who is making this change (STS GetCallerIdentity failed: ${(error as Error).message}); every version records who made it, so nothing was written. Check your AWS credentials`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
