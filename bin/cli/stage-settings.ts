/** The stage's Oracle settings from SSM, for the CLI: the region is checked before anything is read. */
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmSettings } from '../../lambdas/adapters/ssm-settings.js';
import type { Log } from '../../lambdas/log.js';
import { requireRegion } from './aws-region.js';

export async function stageSettings(stage: string, log: Log): Promise<SsmSettings> {
  const client = new SSMClient({});
  await requireRegion(client);
  return new SsmSettings({ stage, log, provider: new SSMProvider({ awsSdkV3Client: client }) });
}
