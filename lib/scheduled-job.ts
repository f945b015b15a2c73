/**
 * An EventBridge Scheduler schedule that invokes a function (asynchronously) on a cron or rate
 * expression in a time zone, with a retry policy and a dead-letter queue. Scheduler's retries and
 * DLQ cover delivery only (throttling, permissions, a missing target); what the function does with
 * the event afterwards is covered by its own asynchronous-invocation settings (see the stack).
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface JobScheduleProps {
  readonly function: lambda.IFunction;
  readonly scheduleName: string;
  readonly description: string;
  /** `cron(…)` or `rate(…)` as EventBridge Scheduler takes it. */
  readonly expression: string;
  readonly timeZone: string;
  /** Static fields plus context attributes such as `scheduler.ContextAttribute.scheduledTime`. */
  readonly input?: Record<string, unknown>;
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly deadLetterQueue: sqs.IQueue;
  readonly role: iam.IRole;
  readonly enabled: boolean;
}

export class JobSchedule extends Construct {
  readonly schedule: scheduler.Schedule;

  constructor(scope: Construct, id: string, props: JobScheduleProps) {
    super(scope, id);
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: props.scheduleName,
      description: props.description,
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      enabled: props.enabled,
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.LambdaInvoke(props.function, {
        role: props.role,
        ...(props.input ? { input: scheduler.ScheduleTargetInput.fromObject(props.input) } : {}),
        retryAttempts: props.retryAttempts,
        maxEventAge: props.maxEventAge,
        deadLetterQueue: props.deadLetterQueue,
      }),
    });
  }
}

export const SCHEDULED_TIME = scheduler.ContextAttribute.scheduledTime;
export const DB_HEALTH_MAX_EVENT_AGE = Duration.minutes(10);
