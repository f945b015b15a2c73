/**
 * What the operations Lambdas (db-health, oracle-extract) build once per container: their checked
 * environment, the stage's SSM settings, an Oracle connection factory, and where their objects go in
 * the results bucket (each writes its own: the heartbeat, the extracts).
 */
import { NodeOracleConnectionFactory } from './adapters/oracle/connection.js';
import { createS3Client } from './adapters/s3/client.js';
import type { S3Destination } from './adapters/s3/objects.js';
import { SsmSettings } from './adapters/ssm-settings.js';
import { type LambdaEnvironment, lambdaEnvironmentSchema, readLambdaEnvironment } from './lambda-environment.js';
import type { Log } from './log.js';

export interface OpsRuntime {
  readonly env: LambdaEnvironment;
  readonly settings: SsmSettings;
  readonly factory: NodeOracleConnectionFactory;
  /** The results bucket, its KMS key and RESULTS_PREFIX. */
  readonly results: S3Destination;
}

/** Throws ConfigError naming every problem when the environment is broken. */
export function buildOpsRuntime(log: Log): OpsRuntime {
  const env = readLambdaEnvironment(lambdaEnvironmentSchema);
  return {
    env,
    settings: new SsmSettings({ stage: env.STAGE, log }),
    // Reads ORACLE_CLIENT_MODE; thick mode without the layer is reported at connect (DPI-1047).
    factory: new NodeOracleConnectionFactory(),
    results: { client: createS3Client(), bucket: env.RESULTS_BUCKET, prefix: env.RESULTS_PREFIX, kmsKeyId: env.RESULTS_KMS_KEY_ID },
  };
}
