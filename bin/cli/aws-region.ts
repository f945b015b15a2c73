/**
 * Every AWS call the CLI makes is regional (the stage's SSM parameters, S3, Step Functions). Without
 * a region the SDK fails inside the first call with "Region is missing", which a command would
 * report as an SSM or S3 failure; this resolves the region the way the client will — AWS_REGION,
 * then the profile's `region`, then EC2 instance metadata — before any call, and says how to set one.
 */
import { UsageError } from '../../lambdas/errors.js';

/** The part of an SDK v3 client this needs: its resolved region provider. */
interface RegionalClient {
  readonly config: { readonly region: () => Promise<string> };
}

export async function requireRegion(client: RegionalClient, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await client.config.region();
  } catch (error) {
    if (!(error instanceof Error) || !/Region is missing/i.test(error.message)) throw error;
    throw new UsageError(noRegionMessage(env), { cause: error });
  }
}

function noRegionMessage(env: NodeJS.ProcessEnv = process.env): string {
  const profile = env.AWS_PROFILE ? `the profile ${env.AWS_PROFILE} (AWS_PROFILE)` : 'your AWS profile';
  const defaultRegion = env.AWS_DEFAULT_REGION
    ? `; AWS_DEFAULT_REGION=${env.AWS_DEFAULT_REGION} is set, but only the AWS CLI reads it, not the AWS SDK this tool uses`
    : '';
  return (
    'no AWS region is set, and the stage lives in one: set AWS_REGION (e.g. export AWS_REGION=eu-central-1), ' +
    `or a region for ${profile} in ~/.aws/config (aws configure set region eu-central-1)${defaultRegion}`
  );
}
