/**
 * Every log group of the stack is made the same way: retention from context (logRetentionDays), kept
 * or removed with the stage's data (retainData), and encrypted with the stage key, which lets
 * CloudWatch Logs use it for this account's log groups (lib/encryption-key.ts).
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface LogGroupSettings {
  readonly retention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly encryptionKey: kms.IKey;
}

export function stageLogGroup(scope: Construct, id: string, settings: LogGroupSettings): logs.LogGroup {
  const { retention, removalPolicy, encryptionKey } = settings;
  return new logs.LogGroup(scope, id, { retention, removalPolicy, encryptionKey });
}
