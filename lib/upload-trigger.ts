/**
 * A file uploaded to a day starts a run of that day (docs/architecture.md, "Uploads join the day"):
 * the results bucket reports each object it creates to EventBridge; a rule on `<prefix>/uploads/`
 * sends those events to an encrypted SQS queue; run-colors takes the queue's messages in batches
 * gathered for up to a minute (an event source mapping with a batching window) and runs each as-of
 * date of a batch once. A message whose run keeps failing goes to the stage's dead-letter queue.
 *
 * Least privilege: the rule may send to this queue only (its queue policy names the rule), and
 * EventBridge may use the stage key only for this account's events; run-colors may read under
 * `<prefix>/uploads/` only (read and list, versions included) and consume this queue only.
 * Also here: the SSM parameter that tells `market-pulse upload --stage` where the results are.
 */
import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { resultsLocationParameter, UPLOADS_FOLDER } from '../lambdas/names.js';
import { type Alarms, alarmNamePrefix } from './alarms.js';
import type { EncryptionKey } from './encryption-key.js';
import type { JobFunction } from './job-function.js';
import type { ResultsBucket } from './results-bucket.js';

/** How long Lambda gathers messages into one batch: "ten uploads in a minute make one run". */
export const UPLOAD_BATCHING_WINDOW = Duration.seconds(60);
/** Messages per batch at most; a batch holds every message the window gathered up to this. */
export const UPLOAD_BATCH_SIZE = 100;
/** Deliveries of a message before it goes to the dead-letter queue: the first and two retries, as for a scheduled run. */
export const UPLOAD_MAX_RECEIVES = 3;
/** Upload runs at the same time at most (the least an event source mapping takes); the database is the limit. */
export const UPLOAD_MAX_CONCURRENCY = 2;

export interface UploadTriggerProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  readonly results: ResultsBucket;
  readonly runColors: JobFunction;
  readonly runColorsTimeout: Duration;
  readonly deadLetterQueue: sqs.IQueue;
  readonly alarms: Alarms;
  /** run-colors's reserved concurrency, when the context sets one. */
  readonly runColorsReservedConcurrency?: number;
}

export class UploadTrigger extends Construct {
  readonly queue: sqs.Queue;
  readonly rule: events.Rule;
  readonly eventSourceMapping: lambda.EventSourceMapping;
  readonly resultsLocation: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: UploadTriggerProps) {
    super(scope, id);
    const { stage, key, results, runColors } = props;
    const stack = Stack.of(this);
    const uploads = results.folder(UPLOADS_FOLDER);

    // Lambda wants the visibility timeout at six times the function's timeout, plus the batching window.
    const visibility = Duration.seconds(
      Math.min(6 * props.runColorsTimeout.toSeconds() + UPLOAD_BATCHING_WINDOW.toSeconds(), Duration.hours(12).toSeconds()),
    );
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key.key,
      enforceSSL: true,
      visibilityTimeout: visibility,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: UPLOAD_MAX_RECEIVES },
    });

    enableEventBridge(results.bucket);
    const ruleName = `market-pulse-${stage}-uploads`;
    this.rule = new events.Rule(this, 'Rule', {
      ruleName,
      description: `market-pulse ${stage}: files put under ${uploads}/ start a run of their as-of date`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        resources: [results.bucket.bucketArn],
        detail: { bucket: { name: [results.bucket.bucketName] }, object: { key: events.Match.prefix(`${uploads}/`) } },
      },
    });
    // A target of our own: the SQS target's grants would let every rule of the account send (and use the key).
    this.rule.addTarget({ bind: () => ({ arn: this.queue.queueArn }) });
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadRuleSendsEvents',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.rule.ruleArn } },
      }),
    );
    // SQS encrypts what EventBridge sends with the queue's key. The key policy cannot name the rule
    // by reference (the rule depends on the queue, the queue on the key), so it is this account's events.
    key.allowService('EventBridgeEncryptsUploadEvents', 'events.amazonaws.com', ['kms:GenerateDataKey', 'kms:Decrypt'], {
      StringEquals: { 'aws:SourceAccount': stack.account },
    });

    results.grantFolderRead(runColors.role, UPLOADS_FOLDER, 'Uploads');
    runColors.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ConsumeUploadEvents',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [this.queue.queueArn],
      }),
    );
    // Its data keys come through SQS, which run-colors's role may already use the key through (the dead-letter queue).
    this.eventSourceMapping = new lambda.EventSourceMapping(this, 'EventSourceMapping', {
      target: runColors.function,
      eventSourceArn: this.queue.queueArn,
      batchSize: UPLOAD_BATCH_SIZE,
      maxBatchingWindow: UPLOAD_BATCHING_WINDOW,
      reportBatchItemFailures: true,
      maxConcurrency: UPLOAD_MAX_CONCURRENCY,
    });
    this.eventSourceMapping.node.addDependency(runColors.role);
    if (props.runColorsReservedConcurrency !== undefined && props.runColorsReservedConcurrency < UPLOAD_MAX_CONCURRENCY) {
      // Lambda throttles what the mapping hands over beyond the reservation; each throttled delivery counts as a receive.
      Annotations.of(this).addWarningV2(
        'market-pulse:upload-throttling',
        `runColorsReservedConcurrency=${props.runColorsReservedConcurrency} is below the upload queue's ${UPLOAD_MAX_CONCURRENCY} concurrent runs: ` +
          `an upload event that comes while another run is going is throttled and tried again, and after ${UPLOAD_MAX_RECEIVES} tries dead-lettered (docs/configuration.md)`,
      );
    }

    this.resultsLocation = new ssm.StringParameter(this, 'ResultsLocation', {
      parameterName: resultsLocationParameter(stage),
      stringValue: `s3://${results.bucket.bucketName}/${results.prefix}`,
      description: `market-pulse ${stage}: where runs are published and files are uploaded to (market-pulse upload --stage ${stage})`,
    });

    this.addAlarms(props, ruleName, visibility);
  }

  private addAlarms(props: UploadTriggerProps, ruleName: string, visibility: Duration): void {
    const prefix = alarmNamePrefix(props.stage);
    const period = Duration.minutes(5);
    // A healthy queue is empty within a batching window and a run; the first failed attempt leaves a
    // message waiting the whole visibility timeout, so an age past one run means a run is failing.
    const waited = props.runColorsTimeout.plus(UPLOAD_BATCHING_WINDOW).plus(Duration.minutes(5));
    props.alarms.addAlarm('UploadEventsWaiting', {
      alarmName: `${prefix}upload-events-waiting`,
      alarmDescription:
        `An upload event has waited more than ${waited.toMinutes()} minutes in the upload queue: the run it asked for failed ` +
        `(it is tried again every ${visibility.toMinutes()} minutes, ${UPLOAD_MAX_RECEIVES} times, then dead-lettered) or run-colors is not taking events.`,
      metric: this.queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
      threshold: waited.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    props.alarms.addAlarm('UploadEventsUndelivered', {
      alarmName: `${prefix}upload-events-undelivered`,
      alarmDescription: `EventBridge could not put an upload event into the upload queue (rule ${ruleName}, FailedInvocations): a file was uploaded and no run was asked for.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: ruleName },
        statistic: 'Sum',
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}

/**
 * The bucket sends its events to EventBridge: the bucket's own notification setting, rather than
 * CDK's `eventBridgeEnabled`, which sets it through a custom resource (a Lambda function and a role
 * allowed s3:PutBucketNotification) that CloudFormation does not need.
 */
function enableEventBridge(bucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
}
