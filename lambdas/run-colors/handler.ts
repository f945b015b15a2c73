/**
 * The `run-colors` Lambda: thin wiring. It builds the AWS edges once per container (SSM settings,
 * the S3 client) and the S3 sink per invocation (bounded by its remaining time), hands them to
 * {@link runColorsJob}, and turns the result into metrics: a held-back run is a failure counted
 * as RunsHeldBack, any other failure as RunsFailed. Runs are announced on the stage's topic when
 * NOTIFICATION_TOPIC_ARN is set; an announcement that fails is counted as RunNotificationsFailed.
 * A batch from the upload queue runs each as-of date it names once (upload-batch.ts), each run
 * counted and announced like any other; the files uploaded to a date join every run of it.
 * Everything that decides anything lives in run-colors-job.ts and the pipeline.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { settingsPrefix } from '../adapters/oracle/settings.js';
import { OracleSource } from '../adapters/oracle/source.js';
import { warmConnection } from '../adapters/oracle/warm-connection.js';
import { createS3Client } from '../adapters/s3/client.js';
import { S3DayUploads } from '../adapters/s3/day-uploads.js';
import { S3PublishedRuns } from '../adapters/s3/published-runs.js';
import { loadConfigFromS3 } from '../adapters/s3-config.js';
import { S3Sink } from '../adapters/s3-sink.js';
import { createSnsClient, SnsNotifier } from '../adapters/sns-notifier.js';
import { SsmSettings } from '../adapters/ssm-settings.js';
import { RunHeldBackError } from '../errors.js';
import { createLogger, createMetrics, logPort } from '../observability.js';
import { bundledConfig } from './bundled-config.js';
import { type RunColorsEnvironment, readEnvironment } from './environment.js';
import { buildRunNotification, type RunNotifier, type RunOutcome } from './notification.js';
import { type RunColorsResult, runColorsJob } from './run-colors-job.js';
import { type BatchResponse, isSqsBatch, runUploadBatch } from './upload-batch.js';

const logger = createLogger();
const metrics = createMetrics();
const log = logPort(logger);

interface Runtime {
  readonly env: RunColorsEnvironment;
  readonly settings: SsmSettings;
  readonly s3: S3Client;
  /** The run topic and its client, when the stack names one. */
  readonly notifications: { readonly client: SNSClient; readonly topicArn: string } | undefined;
}

/** Built on first use, then kept while the container is warm (clients and the settings cache). */
let runtime: Runtime | undefined;

function buildRuntime(): Runtime {
  const env = readEnvironment();
  const topicArn = env.NOTIFICATION_TOPIC_ARN;
  return {
    env,
    s3: createS3Client(),
    notifications: topicArn === undefined ? undefined : { client: createSnsClient(), topicArn },
    settings: new SsmSettings({ stage: env.STAGE, log }),
  };
}

type RunContext = Pick<Context, 'getRemainingTimeInMillis'>;

async function runColorsHandler(event: unknown, context: RunContext): Promise<RunColorsResult | BatchResponse> {
  runtime ??= buildRuntime();
  const built = runtime;
  if (isSqsBatch(event)) return runUploadBatch(event, built.env.RESULTS_PREFIX, (uploadEvent) => runOnce(built, uploadEvent, context), log);
  return runOnce(built, event, context);
}

/** One run: the event checked, the run planned, done and announced, and its metrics recorded. */
async function runOnce({ env, settings, s3, notifications }: Runtime, event: unknown, context: RunContext): Promise<RunColorsResult> {
  metrics.addDimension('stage', env.STAGE);
  // Per invocation: every S3 request of the publish is cancelled before this invocation's time runs out.
  const sink = new S3Sink({
    client: s3,
    bucket: env.RESULTS_BUCKET,
    prefix: env.RESULTS_PREFIX,
    kmsKeyId: env.RESULTS_KMS_KEY_ID,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    log,
  });
  const notifier = notifications && new SnsNotifier({ ...notifications, remainingTimeMs: () => context.getRemainingTimeInMillis(), log });
  try {
    const result = await runColorsJob(event, {
      loadConfig: async () =>
        env.CONFIG_BUCKET && env.CONFIG_KEY
          ? loadConfigFromS3({ client: s3, bucket: env.CONFIG_BUCKET, key: env.CONFIG_KEY })
          : bundledConfig(),
      createSource: (config, window) =>
        new OracleSource({
          settings,
          config,
          window,
          deadline: () => context.getRemainingTimeInMillis(),
          // Kept across warm invocations, pinged before reuse.
          warm: warmConnection,
          parameterPrefix: settingsPrefix(env.STAGE),
          log,
        }),
      uploads: new S3DayUploads({ client: s3, bucket: env.RESULTS_BUCKET, prefix: env.RESULTS_PREFIX }),
      sink,
      publishedRuns: new S3PublishedRuns({ client: s3, bucket: env.RESULTS_BUCKET, prefix: env.RESULTS_PREFIX }),
      scheduleTimeZone: env.SCHEDULE_TZ,
      log,
      // Correlation: every log line of this invocation from here on carries the run.
      onPlanned: ({ runId, asOf, trigger }) => logger.appendKeys({ runId, asOf, trigger }),
      ...(notifier ? { announce: (outcome: RunOutcome) => notify(notifier, outcome, env.STAGE) } : {}),
    });
    recordRun(result);
    return result;
  } catch (error) {
    if (error instanceof RunHeldBackError) {
      // Counted once per run: a retry that finds the run held back reports it again, uncounted.
      if (!error.repeat) metrics.addMetric('RunsHeldBack', MetricUnit.Count, 1);
      logger.error('run held back', { error });
    } else {
      metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
      logger.error('run failed', { error });
    }
    throw error;
  }
}

async function notify(notifier: RunNotifier, outcome: RunOutcome, stage: string): Promise<void> {
  try {
    await notifier.publish(buildRunNotification(outcome, stage));
  } catch (error) {
    metrics.addMetric('RunNotificationsFailed', MetricUnit.Count, 1);
    throw error;
  }
}

function recordRun(result: RunColorsResult): void {
  metrics.addMetric('RunsSucceeded', MetricUnit.Count, 1);
  if (result.status === 'already-published') return;
  const { counts } = result;
  metrics.addMetric('RowsRead', MetricUnit.Count, counts.read);
  metrics.addMetric('RowsRanked', MetricUnit.Count, counts.ranked);
  metrics.addMetric('RowsExcluded', MetricUnit.Count, counts.excluded);
  metrics.addMetric('RowsRejected', MetricUnit.Count, counts.rejected);
  metrics.addMetric('Groups', MetricUnit.Count, counts.groups);
  metrics.addMetric('DurationMs', MetricUnit.Milliseconds, result.durationMs);
}

export const handler = middy(runColorsHandler)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
