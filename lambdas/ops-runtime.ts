/**
 * What the operations Lambdas (db-health, oracle-extract) build once per container: their checked
 * environment, the stage's SSM settings and an Oracle connection factory. Each adds its own S3 edge.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { NodeOracleConnectionFactory } from './adapters/oracle/connection.js';
import { createS3Client } from './adapters/s3/client.js';
import { SsmSettings } from './adapters/ssm-settings.js';
import { lambdaEnvironmentSchema, readLambdaEnvironment, type LambdaEnvironment } from './lambda-environment.js';
import type { Log } from './log.js';

export interface OpsRuntime {
  readonly env: LambdaEnvironment;
  readonly settings: SsmSettings;
  readonly factory: NodeOracleConnectionFactory;
  readonly s3: S3Client;
}

/** Throws ConfigError naming every problem when the environment is broken. */
export function buildOpsRuntime(log: Log): OpsRuntime {
  const env = readLambdaEnvironment(lambdaEnvironmentSchema);
  return {
    env,
    settings: new SsmSettings({ stage: env.STAGE, log }),
    // Reads ORACLE_CLIENT_MODE; thick mode without the layer is reported at connect (DPI-1047).
    factory: new NodeOracleConnectionFactory(),
    s3: createS3Client(),
  };
}
