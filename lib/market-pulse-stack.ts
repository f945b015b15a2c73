/**
 * The market-pulse stack for one stage (docs/architecture.md): KMS key, Oracle parameters, results bucket, network,
 * the three functions, their schedules, the dead-letter queue, the run topic, the upload trigger, the backfill state machine, the alarms,
 * and the operators' and readers' access. Every setting comes from the validated context
 * (lib/context.ts); every permission is granted here, by name, to the role that needs it.
 */
import { Annotations, type App, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Tags, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { configLocationParameter, stageKeyAlias } from '../lambdas/names.js';
import { Alarms, METRICS_NAMESPACE, SERVICE_NAME } from './alarms.js';
import { Analytics } from './analytics.js';
import { BACKFILL_PLAN_ENTRY, Backfill } from './backfill.js';
import { type MarketPulseConfig, parseContext } from './context.js';
import { EncryptionKey } from './encryption-key.js';
import { JobFunction } from './job-function.js';
import { entryPath, entryPathOf, FUNCTION_NAMES, type FunctionName, RUN_COLORS_CHUNKS } from './lambda-entries.js';
import type { LogGroupSettings } from './log-groups.js';
import { acknowledge, nagArnToken } from './nag.js';
import { Network } from './network.js';
import { oracleClientSetup } from './oracle-client-layer.js';
import { ResultsBucket } from './results-bucket.js';
import { RunNotifications } from './run-notifications.js';
import { DB_HEALTH_MAX_EVENT_AGE, JobSchedule, SCHEDULED_TIME } from './scheduled-job.js';
import { SecureParameters } from './secure-parameters.js';
import { StageAccess } from './stage-access.js';
import { UploadTrigger } from './upload-trigger.js';

/** The Amazon CA certificates (RDS among them) the Node.js 22 runtime ships but does not load unless asked. */
export const LAMBDA_AMAZON_CA_BUNDLE = '/var/runtime/ca-cert.pem';

export interface MarketPulseStackProps extends StackProps {
  readonly config: MarketPulseConfig;
}

export class MarketPulseStack extends Stack {
  readonly config: MarketPulseConfig;
  readonly key: EncryptionKey;
  readonly parameters: SecureParameters;
  readonly results: ResultsBucket;
  readonly network: Network;
  readonly deadLetterQueue: sqs.Queue;
  readonly runNotifications: RunNotifications;
  readonly jobs: Readonly<Record<FunctionName, JobFunction>>;
  readonly schedulerRole: iam.Role;
  readonly alarms: Alarms;
  readonly backfill: Backfill;
  readonly access: StageAccess;
  readonly uploads: UploadTrigger;
  readonly analytics: Analytics;

  constructor(scope: Construct, id: string, props: MarketPulseStackProps) {
    const c = props.config;
    super(scope, id, {
      description: `market-pulse ${c.stage}: Run Colors job, Oracle health check and extract`,
      ...props,
      env: { account: c.account, region: c.region },
    });
    this.config = c;
    Tags.of(this).add('project', 'market-pulse');
    Tags.of(this).add('stage', c.stage);

    // First, so a missing Instant Client layer stops synth before anything is bundled.
    const oracle = oracleClientSetup(this, c.oracleClientMode, c.oracleLayerZip, c.stage);
    const dataRemoval = c.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // Parameters kept after the stack is gone stay encrypted under this key, so the key goes only with them.
    const keyRemoval = !c.retainData && c.deleteParametersOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.key = new EncryptionKey(this, 'EncryptionKey', { stage: c.stage, removalPolicy: keyRemoval });
    const logSettings: LogGroupSettings = {
      retention: c.logRetentionDays as logs.RetentionDays,
      removalPolicy: dataRemoval,
      encryptionKey: this.key.key,
    };
    this.parameters = new SecureParameters(this, 'OracleParameters', {
      stage: c.stage,
      key: this.key,
      walletParameters: c.walletParameters,
      deleteOnStackDelete: c.deleteParametersOnDelete,
      logs: logSettings,
    });
    this.results = new ResultsBucket(this, 'Results', {
      key: this.key,
      prefix: c.resultsPrefix,
      removalPolicy: dataRemoval,
      transitionDays: c.resultsTransitionDays,
      expirationDays: c.resultsExpirationDays,
      noncurrentVersionExpirationDays: c.noncurrentVersionExpirationDays,
      accessLogExpirationDays: c.accessLogExpirationDays,
    });
    this.network = new Network(this, 'Network', { config: c, flowLogBucket: this.results.accessLogs, logs: logSettings });

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.deadLetterQueue,
      'AwsSolutions-SQS3',
      'This queue is itself the dead-letter queue (Scheduler DeadLetterConfig and run-colors on-failure destination); ' +
        'nothing consumes it automatically, an operator reads it when its alarm fires.',
    );

    this.runNotifications = new RunNotifications(this, 'RunNotifications', {
      stage: c.stage,
      key: this.key,
      ...(c.deskEmail ? { email: c.deskEmail } : {}),
    });

    const configBucketName = c.configKey === undefined ? undefined : (c.configBucket ?? this.results.bucket.bucketName);
    const environment: Record<string, string> = {
      STAGE: c.stage,
      SETTINGS_PREFIX: this.parameters.prefix,
      SETTINGS_TTL_SECONDS: String(c.settingsTtlSeconds),
      RESULTS_BUCKET: this.results.bucket.bucketName,
      RESULTS_PREFIX: c.resultsPrefix,
      RESULTS_KMS_KEY_ID: this.key.key.keyArn,
      SCHEDULE_TZ: c.scheduleTimeZone,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...(configBucketName !== undefined && c.configKey !== undefined ? { CONFIG_BUCKET: configBucketName, CONFIG_KEY: c.configKey } : {}),
      ...oracle.environment,
      ...oracleTransportEnvironment(c),
    };
    const network = { vpc: this.network.vpc, subnets: this.network.subnets, securityGroups: [this.network.functionSecurityGroup] };
    const common = { environment, network, layers: oracle.layers, nodeModules: oracle.nodeModules, logs: logSettings };
    // Async function errors (after Lambda's own retries) land in the DLQ too: Scheduler's DLQ only covers delivery.
    const toDeadLetterQueue: lambda.IDestination = { bind: () => ({ destination: this.deadLetterQueue.queueArn }) };

    this.jobs = {
      'run-colors': new JobFunction(this, 'RunColors', {
        ...common,
        entry: entryPath('run-colors'),
        chunks: RUN_COLORS_CHUNKS,
        environment: { ...environment, NOTIFICATION_TOPIC_ARN: this.runNotifications.topic.topicArn },
        description: `market-pulse ${c.stage}: Run Colors (exclude and rank the day's dealer colors, publish to S3)`,
        memorySize: c.runColorsMemoryMb,
        timeout: Duration.seconds(c.runColorsTimeoutSeconds),
        // Optional (a fresh account has no concurrency to reserve): overlapping runs stay correct without
        // it, since the publish protocol decides what latest.json points at (docs/deploy.md "Concurrent runs").
        ...(c.runColorsReservedConcurrency !== undefined ? { reservedConcurrentExecutions: c.runColorsReservedConcurrency } : {}),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
        onFailure: toDeadLetterQueue,
      }),
      'db-health': new JobFunction(this, 'DbHealth', {
        ...common,
        entry: entryPath('db-health'),
        description: `market-pulse ${c.stage}: health check (SSM, KMS, Oracle SELECT 1, S3 heartbeat)`,
        memorySize: 512,
        timeout: Duration.minutes(1),
        // The next check is a quarter of an hour away; a failed one is reported, not retried.
        retryAttempts: 0,
      }),
      'oracle-extract': new JobFunction(this, 'OracleExtract', {
        ...common,
        entry: entryPath('oracle-extract'),
        description: `market-pulse ${c.stage}: on-demand extract of the Oracle source (schema and sample rows)`,
        memorySize: 1024,
        timeout: Duration.minutes(5),
        retryAttempts: 0,
      }),
    };
    const roles = FUNCTION_NAMES.map((name) => this.jobs[name].role);

    this.parameters.grantRead(roles);
    this.results.grantFolder([this.jobs['run-colors'].role], 'runs', 'Runs');
    // outputs.parquet: the Athena table files and the latest.json copies (docs/queries.md).
    this.results.grantFolder([this.jobs['run-colors'].role], 'tables', 'Tables');
    this.results.grantFolder([this.jobs['db-health'].role], 'health', 'Health');
    this.results.grantFolder([this.jobs['oracle-extract'].role], 'extracts', 'Extracts');
    this.results.grantEncryption(roles);
    const configObjectArn =
      c.configKey === undefined
        ? undefined
        : c.configBucket === undefined
          ? this.results.bucket.arnForObjects(c.configKey)
          : `arn:${this.partition}:s3:::${c.configBucket}/${c.configKey}`;
    if (configBucketName !== undefined && configObjectArn !== undefined) {
      ResultsBucket.grantConfigRead(roles, configObjectArn);
      // Where `market-pulse config push|history|diff|rollback --stage` finds the document (docs/configuration.md).
      new ssm.StringParameter(this, 'ConfigLocation', {
        parameterName: configLocationParameter(c.stage),
        stringValue: `s3://${configBucketName}/${c.configKey}`,
        description: `market-pulse ${c.stage}: the S3 object run-colors reads its config document from`,
      });
    }
    this.jobs['run-colors'].role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SendFailedEventsToDeadLetterQueue',
        actions: ['sqs:SendMessage'],
        resources: [this.deadLetterQueue.queueArn],
      }),
    );

    this.runNotifications.grantPublish(this.jobs['run-colors'].role);

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `market-pulse ${c.stage}: EventBridge Scheduler invokes the scheduled functions and dead-letters what it cannot deliver`,
    });
    // SQS encrypts with the key as the sender: the scheduler (dead-letter events) and run-colors (failed events);
    // run-colors decrypts through SQS too, what it receives from the upload queue (lib/upload-trigger.ts).
    this.key.allow([this.schedulerRole, this.jobs['run-colors'].role], {
      sid: 'DeadLetterQueueDataKeysViaSqs',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      viaService: 'sqs',
    });
    new JobSchedule(this, 'RunColorsSchedule', {
      function: this.jobs['run-colors'].function,
      scheduleName: `market-pulse-${c.stage}-run-colors`,
      description: `Run Colors: ${c.runColorsSchedule} ${c.scheduleTimeZone}`,
      expression: c.runColorsSchedule,
      timeZone: c.scheduleTimeZone,
      // The handler takes the as-of date from the scheduled time, so a retried delivery runs the same day.
      input: { scheduledTime: SCHEDULED_TIME },
      retryAttempts: c.scheduleRetryAttempts,
      maxEventAge: Duration.minutes(c.scheduleMaxEventAgeMinutes),
      deadLetterQueue: this.deadLetterQueue,
      role: this.schedulerRole,
      enabled: c.schedulesEnabled,
    });
    new JobSchedule(this, 'DbHealthSchedule', {
      function: this.jobs['db-health'].function,
      scheduleName: `market-pulse-${c.stage}-db-health`,
      description: `Oracle health check: ${c.dbHealthSchedule} ${c.scheduleTimeZone}`,
      expression: c.dbHealthSchedule,
      timeZone: c.scheduleTimeZone,
      retryAttempts: 1,
      maxEventAge: DB_HEALTH_MAX_EVENT_AGE,
      deadLetterQueue: this.deadLetterQueue,
      role: this.schedulerRole,
      enabled: c.schedulesEnabled,
    });

    for (const name of ['run-colors', 'db-health'] as const) {
      acknowledge(
        this.schedulerRole,
        `AwsSolutions-IAM5[Resource::${nagArnToken(this.jobs[name].function)}:*]`,
        `Added by the Scheduler Lambda target: lambda:InvokeFunction on the ${name} function ` +
          'and its qualified ARNs (versions/aliases) only.',
      );
    }

    this.backfill = new Backfill(this, 'Backfill', {
      stage: c.stage,
      runColors: this.jobs['run-colors'].function,
      planEntry: entryPathOf(BACKFILL_PLAN_ENTRY),
      maxConcurrency: c.backfillMaxConcurrency,
      logs: logSettings,
    });

    this.alarms = new Alarms(this, 'Alarms', {
      stage: c.stage,
      key: this.key,
      functions: {
        ...Object.fromEntries(FUNCTION_NAMES.map((name) => [name, this.jobs[name].function])),
        'backfill-plan': this.backfill.planFunction.function,
      },
      runColors: this.jobs['run-colors'].function,
      runColorsTimeout: Duration.seconds(c.runColorsTimeoutSeconds),
      backfill: this.backfill.stateMachine,
      deadLetterQueue: this.deadLetterQueue,
      runColorsSchedule: c.runColorsSchedule,
      scheduleTimeZone: c.scheduleTimeZone,
      missedRunHours: c.missedRunHours,
      ...(c.alarmEmail ? { email: c.alarmEmail } : {}),
    });

    // Files uploaded to a day start a run of it (docs/architecture.md "Uploads join the day").
    this.uploads = new UploadTrigger(this, 'Uploads', {
      stage: c.stage,
      key: this.key,
      results: this.results,
      runColors: this.jobs['run-colors'],
      runColorsTimeout: Duration.seconds(c.runColorsTimeoutSeconds),
      deadLetterQueue: this.deadLetterQueue,
      alarms: this.alarms,
      ...(c.runColorsReservedConcurrency !== undefined ? { runColorsReservedConcurrency: c.runColorsReservedConcurrency } : {}),
    });

    this.access = new StageAccess(this, 'Access', {
      stage: c.stage,
      key: this.key,
      parameters: this.parameters,
      deadLetterQueue: this.deadLetterQueue,
      results: this.results,
      operatorRoleArns: c.operatorRoleArns,
      readerRoleArns: c.readerRoleArns,
      uploaderRoleArns: c.uploaderRoleArns,
      ...(configObjectArn !== undefined ? { configObjectArn } : {}),
    });
    this.analytics = new Analytics(this, 'Analytics', {
      stage: c.stage,
      key: this.key,
      results: this.results,
      bytesScannedCutoffMb: c.athenaBytesScannedCutoffMb,
      readerRoleArns: c.readerRoleArns,
    });
    if (c.operatorRoleArns.length === 0) {
      Annotations.of(this).addWarningV2(
        'market-pulse:no-operators',
        'no operatorRoleArns: nobody can put the Oracle password, ' +
          'since the key policy lets no one else encrypt with the stage key (docs/deploy.md)',
      );
    }

    new CfnOutput(this, 'ResultsBucketName', {
      value: this.results.bucket.bucketName,
      description: `results land under s3://<bucket>/${c.resultsPrefix}/runs/`,
    });
    // A Description must be a plain string (CloudFormation rejects the whole template otherwise), so not the alias's Ref.
    new CfnOutput(this, 'KeyArn', { value: this.key.key.keyArn, description: `KMS key ${stageKeyAlias(c.stage)}` });
    new CfnOutput(this, 'KeyAlias', { value: this.key.alias.aliasName });
    new CfnOutput(this, 'RunColorsFunctionName', { value: this.jobs['run-colors'].function.functionName });
    new CfnOutput(this, 'DbHealthFunctionName', { value: this.jobs['db-health'].function.functionName });
    new CfnOutput(this, 'OracleExtractFunctionName', { value: this.jobs['oracle-extract'].function.functionName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'RunTopicArn', {
      value: this.runNotifications.topic.topicArn,
      description: 'run-published, run-held-back and run-failed messages (docs/runbook.md)',
    });
    new CfnOutput(this, 'BackfillStateMachineArn', {
      value: this.backfill.stateMachine.stateMachineArn,
      description: 'market-pulse backfill --from YYYY-MM-DD --to YYYY-MM-DD --stage <stage> starts it',
    });
    new CfnOutput(this, 'AthenaWorkGroup', {
      value: this.analytics.workGroup.ref,
      description: 'run queries in this workgroup (docs/queries.md)',
    });
    new CfnOutput(this, 'GlueDatabase', { value: this.analytics.databaseName });
    if (this.analytics.analystPolicy) {
      new CfnOutput(this, 'AnalystPolicyArn', {
        value: this.analytics.analystPolicy.managedPolicyArn,
        description: 'attach to the reader roles: querying the runs with Athena (docs/queries.md)',
      });
    }
    if (this.access.uploaderPolicy) {
      new CfnOutput(this, 'UploaderPolicyArn', {
        value: this.access.uploaderPolicy.managedPolicyArn,
        description: 'attach to the uploader roles: market-pulse upload (docs/runbook.md)',
      });
    }
    if (this.access.operatorPolicy) {
      new CfnOutput(this, 'OperatorPolicyArn', {
        value: this.access.operatorPolicy.managedPolicyArn,
        description: 'attach to the operator roles: reading and setting the Oracle parameters (docs/runbook.md)',
      });
    }
  }
}

/**
 * TCPS (walletParameters or oracleTls): the functions refuse to connect in plaintext even while the
 * wallet still holds its placeholder. oracleTls also loads the Amazon CA bundle, so an RDS for Oracle
 * certificate verifies next to the public ones Node.js trusts.
 */
function oracleTransportEnvironment(c: MarketPulseConfig): Record<string, string> {
  if (!c.walletParameters && !c.oracleTls) return {};
  return { ORACLE_TCPS: 'required', ...(c.oracleTls ? { NODE_EXTRA_CA_CERTS: LAMBDA_AMAZON_CA_BUNDLE } : {}) };
}

/** Reads and validates the context, adds the stage's stack and cdk-nag's AwsSolutions checks. bin/app.ts and the tests share it. */
export function defineApp(app: App): MarketPulseStack {
  const config = parseContext(app.node.getAllContext() as Record<string, unknown>);
  const stack = new MarketPulseStack(app, `MarketPulse-${config.stage}`, { config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
