/**
 * The alarms and the SNS topic they notify (KMS-encrypted, TLS only, optional e-mail subscription);
 * docs/runbook.md "Alarms and what to do" has one row per alarm:
 * - errors on each function, the backfill planner included;
 * - the dead-letter queue holding anything;
 * - no successful run-colors run in `missedRunHours` (metric math on the job's RunsSucceeded metric);
 * - a run published but held back (RunsHeldBack: latest.json not moved);
 * - a run not announced on the run topic (RunNotificationsFailed);
 * - run-colors taking more than 80% of its timeout;
 * - run-colors events dropped, or not delivered to the dead-letter queue;
 * - a backfill execution failing or timing out;
 * - Oracle health failing: db-health's HealthOk below 1 on consecutive runs.
 * Other constructs add theirs with {@link Alarms.addAlarm} (the upload queue's: lib/upload-trigger.ts).
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { EncryptionKey } from './encryption-key.js';

/** The job's Powertools metrics (lambdas/observability.ts): namespace, service dimension. */
export const METRICS_NAMESPACE = 'MarketPulse';
export const SERVICE_NAME = 'market-pulse';

/** Every alarm's name starts with it; CloudWatch may use the key and the topic for these alarms only. */
export function alarmNamePrefix(stage: string): string {
  return `market-pulse-${stage}-`;
}

/** run-colors alarms when a run takes more than this share of its timeout. */
export const DURATION_ALARM_SHARE = 0.8;

export interface AlarmsProps {
  readonly stage: string;
  readonly key: EncryptionKey;
  /** Each gets an errors alarm named after its key. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly runColors: lambda.IFunction;
  readonly runColorsTimeout: Duration;
  readonly backfill: sfn.IStateMachine;
  readonly deadLetterQueue: sqs.IQueue;
  readonly runColorsSchedule: string;
  readonly scheduleTimeZone: string;
  readonly missedRunHours: number;
  readonly email?: string;
}

export class Alarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const prefix = alarmNamePrefix(props.stage);
    const period = Duration.minutes(5);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `market-pulse ${props.stage} alarms`,
      masterKey: props.key.key,
      enforceSSL: true,
    });
    // CloudWatch acts for this stage's alarms only (by name), in this account: no other alarm, here or
    // elsewhere, can make it publish to the topic or use the key.
    const ourAlarms = {
      ArnLike: {
        'aws:SourceArn': stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: `${prefix}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
      StringEquals: { 'aws:SourceAccount': stack.account },
    };
    // An explicit topic policy replaces SNS's default one, so the alarms are let in by name.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisStagePublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: ourAlarms,
      }),
    );
    // Publishing to an encrypted topic needs the key; CloudWatch cannot use the AWS managed aws/sns key.
    const topicKeyActions = ['kms:Decrypt', 'kms:GenerateDataKey*'];
    props.key.allowService('CloudWatchAlarmsUseKeyForTopic', 'cloudwatch.amazonaws.com', topicKeyActions, ourAlarms);
    if (props.email) this.topic.addSubscription(new subscriptions.EmailSubscription(props.email));

    for (const [name, fn] of Object.entries(props.functions)) {
      this.addAlarm(`${pascal(name)}Errors`, {
        alarmName: `${prefix}${name}-errors`,
        alarmDescription: `The ${name} function failed (an invocation ended in an error). Its log group has the error.`,
        metric: fn.metricErrors({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    this.addAlarm('DeadLetterQueueNotEmpty', {
      alarmName: `${prefix}dead-letter-queue`,
      alarmDescription:
        'The dead-letter queue holds a message: a schedule could not deliver to its function, or run-colors failed after its retries.',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.addAlarm('MissedRun', {
      alarmName: `${prefix}no-successful-run`,
      alarmDescription:
        `No successful run-colors run in ${props.missedRunHours} hours ` +
        `(RunsSucceeded, ${props.runColorsSchedule} ${props.scheduleTimeZone}).`,
      metric: missedRunMetric(props),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.missedRunHours,
      datapointsToAlarm: props.missedRunHours,
      // No data at all (never ran since deploy) is a missed run too.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // db-health reports a failed check rather than throwing: HealthOk is 1 when every check passed, else 0.
    this.addAlarm('OracleHealthFailing', {
      alarmName: `${prefix}oracle-health`,
      alarmDescription:
        'db-health found a failing check (SSM parameters, Oracle connect or table, S3 heartbeat) on two consecutive runs; ' +
        'its log has the report and HealthCheckOk has the failing check.',
      metric: jobMetric(props.stage, 'HealthOk', 'Minimum', Duration.minutes(15)),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      // No report at all is not "healthy" either, but the errors and dead-letter alarms cover a check that does not run.
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });

    this.addAlarm('RunHeldBack', {
      alarmName: `${prefix}run-held-back`,
      alarmDescription:
        'A run was published but latest.json was not moved to it: no row was ranked, ' +
        'or more rows were rejected than publish.maxRejectedRatio allows. Its rejected.csv says why.',
      metric: jobMetric(props.stage, 'RunsHeldBack', 'Sum', period),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.addAlarm('RunNotificationFailed', {
      alarmName: `${prefix}run-notification-failed`,
      alarmDescription:
        'run-colors could not publish a run message to the run topic (RunNotificationsFailed), so its subscribers were not told about a run. The run itself is unaffected; the log line "run notification not sent" has the error.',
      metric: jobMetric(props.stage, 'RunNotificationsFailed', 'Sum', period),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const timeoutMs = props.runColorsTimeout.toMilliseconds();
    this.addAlarm('RunColorsNearTimeout', {
      alarmName: `${prefix}run-colors-near-timeout`,
      alarmDescription:
        `A run-colors invocation took more than ${DURATION_ALARM_SHARE * 100}% of its ${props.runColorsTimeout.toSeconds()} s timeout; ` +
        'a larger day will time out.',
      metric: props.runColors.metricDuration({ period, statistic: 'Maximum' }),
      threshold: Math.round(timeoutMs * DURATION_ALARM_SHARE),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.addAlarm('RunColorsEventsLost', {
      alarmName: `${prefix}run-colors-events-lost`,
      alarmDescription:
        'Lambda dropped a scheduled run-colors event (too old, or out of retries) or could not deliver a failed one ' +
        'to the dead-letter queue (AsyncEventsDropped + DestinationDeliveryFailures).',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(dropped, 0) + FILL(undelivered, 0)',
        usingMetrics: {
          dropped: props.runColors.metric('AsyncEventsDropped', { statistic: 'Sum', period }),
          undelivered: props.runColors.metric('DestinationDeliveryFailures', { statistic: 'Sum', period }),
        },
        period,
        label: 'events lost',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.addAlarm('BackfillFailed', {
      alarmName: `${prefix}backfill-failed`,
      alarmDescription:
        'A backfill execution failed or timed out (a failed date alone does not fail it: see its results). ' +
        'The execution history says where.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: props.backfill.metricFailed({ statistic: 'Sum', period }),
          timedOut: props.backfill.metricTimedOut({ statistic: 'Sum', period }),
        },
        period,
        label: 'failed or timed-out executions',
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** An alarm of this stage (its name starts with {@link alarmNamePrefix}) notifying the topic when it fires and when it clears. */
  addAlarm(id: string, props: cloudwatch.AlarmProps): void {
    const alarm = new cloudwatch.Alarm(this, id, props);
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

/**
 * Hourly RunsSucceeded sums with the gaps filled by 0; the alarm fires when `missedRunHours` of them in
 * a row are 0. A weekday-only schedule (day-of-week MON-FRI) would make every weekend look like a
 * missed run, so for one the hours of the local weekend count as "fine" (+1): CloudWatch's DAY() and
 * HOUR() are UTC, so the weekend is shifted by the zone's standard offset (DST moves it by an hour,
 * which the 2 h of slack in 26 h absorbs).
 */
export function missedRunMetric(props: Pick<AlarmsProps, 'stage' | 'runColorsSchedule' | 'scheduleTimeZone'>): cloudwatch.IMetric {
  const period = Duration.hours(1);
  const runs = jobMetric(props.stage, 'RunsSucceeded', 'Sum', period);
  const filled = new cloudwatch.MathExpression({
    expression: 'FILL(runs, 0)',
    usingMetrics: { runs },
    period,
    label: 'successful runs per hour',
  });
  const expression = weekendAllowanceExpression(props.runColorsSchedule, props.scheduleTimeZone);
  if (expression === undefined) return filled;
  const label = 'successful runs per hour (local weekend counts as 1)';
  return new cloudwatch.MathExpression({ expression, usingMetrics: { filled }, period, label });
}

/** One of the job's own EMF metrics (namespace MarketPulse, dimensions service and stage). */
function jobMetric(stage: string, metricName: string, statistic: string, period: Duration): cloudwatch.Metric {
  const dimensionsMap = { service: SERVICE_NAME, stage };
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, statistic, period });
}

/** `filled + IF(<local weekend>, 1, 0)` for a weekday-only schedule; undefined for any other. */
export function weekendAllowanceExpression(schedule: string, timeZone: string): string | undefined {
  if (!isWeekdayOnly(schedule)) return undefined;
  // Saturday 00:00 local as a UTC hour of the week (Monday 00:00 = 0), and the 48 hours from there.
  const start = mod(5 * 24 - utcOffsetHours(timeZone), 168);
  const end = start + 48;
  const hourOfWeek = '((DAY(filled) - 1) * 24 + HOUR(filled))';
  const weekend =
    end <= 168 ? `${hourOfWeek} >= ${start} AND ${hourOfWeek} < ${end}` : `${hourOfWeek} >= ${start} OR ${hourOfWeek} < ${end - 168}`;
  return `filled + IF(${weekend}, 1, 0)`;
}

/** The day-of-week field of `cron(min hour dom month dow year)` is Monday to Friday. */
export function isWeekdayOnly(expression: string): boolean {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.trim().split(/\s+/);
  const dayOfWeek = fields?.[4]?.toUpperCase();
  return dayOfWeek === 'MON-FRI' || dayOfWeek === '2-6';
}

/** The zone's standard (January) offset from UTC in whole hours, e.g. -5 for America/New_York. */
export function utcOffsetHours(timeZone: string): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(new Date(Date.UTC(2026, 0, 15, 12)))
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name ?? '');
  if (!match) return 0; // "GMT": UTC itself
  const hours = Number(match[2]) + Number(match[3]) / 60;
  return Math.floor(match[1] === '-' ? -hours : hours);
}

function mod(value: number, by: number): number {
  return ((value % by) + by) % by;
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}
