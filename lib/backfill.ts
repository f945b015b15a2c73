/**
 * The backfill state machine (issue: operations): `{ from, to, skipWeekends? }` → a small planning
 * function lists the as-of dates → a Map state invokes run-colors for each date, a few at a time →
 * one result per date, a run summary or the error. Step Functions does the fan-out and the retries;
 * no hand-written loop does.
 *
 * An inline Map, not a Distributed Map: a backfill is at most a few hundred dates (the planner caps
 * it), far inside one execution's history, and concurrency is kept low on purpose: the database is
 * the limit, so by default (backfillMaxConcurrency=1) dates run one after another. Runs that do
 * overlap stay correct (the publish protocol, docs/deploy.md "Concurrent runs"); a throttled
 * invocation (account limit, or runColorsReservedConcurrency) is retried with backoff.
 */
import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { backfillStateMachineName } from '../lambdas/names.js';
import { JobFunction } from './job-function.js';
import { type LogGroupSettings, stageLogGroup } from './log-groups.js';
import { acknowledge, nagArnToken } from './nag.js';

export const BACKFILL_PLAN_ENTRY = 'lambdas/backfill/handler.ts';

/** Errors worth another try: the database was unreachable, or Lambda itself hiccupped. */
export const TRANSIENT_RUN_ERRORS = [
  'TransientSourceError',
  'CircuitOpenError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
];

export interface BackfillProps {
  readonly stage: string;
  readonly runColors: lambda.IFunction;
  /** Absolute path of the planning handler. */
  readonly planEntry: string;
  readonly maxConcurrency: number;
  readonly logs: LogGroupSettings;
}

export class Backfill extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly planFunction: JobFunction;

  constructor(scope: Construct, id: string, props: BackfillProps) {
    super(scope, id);
    this.planFunction = new JobFunction(this, 'Plan', {
      entry: props.planEntry,
      description: `market-pulse ${props.stage}: lists the as-of dates of a backfill`,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logs: props.logs,
      retryAttempts: 0,
    });

    const plan = new tasks.LambdaInvoke(this, 'PlanDates', {
      lambdaFunction: this.planFunction.function,
      payloadResponseOnly: true,
      resultPath: '$.plan',
    });
    const run = new tasks.LambdaInvoke(this, 'RunColors', {
      lambdaFunction: props.runColors,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ asOf: sfn.JsonPath.stringAt('$.asOf') }),
      resultPath: '$.run',
      // The retries below include Lambda's service exceptions; CDK's default one would retry twice over.
      retryOnServiceExceptions: false,
    });
    run.addRetry({
      errors: TRANSIENT_RUN_ERRORS,
      interval: Duration.seconds(30),
      backoffRate: 2,
      maxAttempts: 3,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // Throttled (the account's limit, or run-colors' optional reserved concurrency): wait and try again.
    run.addRetry({
      errors: ['Lambda.TooManyRequestsException'],
      interval: Duration.seconds(20),
      backoffRate: 1.5,
      maxAttempts: 12,
      maxDelay: Duration.minutes(5),
      jitterStrategy: sfn.JitterType.FULL,
    });
    const recordRun = new sfn.Pass(this, 'RecordRun', {
      parameters: {
        asOf: sfn.JsonPath.stringAt('$.asOf'),
        status: sfn.JsonPath.stringAt('$.run.status'),
        runId: sfn.JsonPath.stringAt('$.run.runId'),
        counts: sfn.JsonPath.objectAt('$.run.counts'),
      },
    });
    const recordFailure = new sfn.Pass(this, 'RecordFailure', {
      parameters: { asOf: sfn.JsonPath.stringAt('$.asOf'), error: sfn.JsonPath.objectAt('$.failure') },
    });
    // One failed date does not stop the others; it is reported in the results.
    run.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.failure' });

    const eachDate = new sfn.Map(this, 'ForEachDate', {
      itemsPath: '$.plan.dates',
      itemSelector: { asOf: sfn.JsonPath.stringAt('$$.Map.Item.Value') },
      maxConcurrency: props.maxConcurrency,
      resultPath: '$.results',
    });
    eachDate.itemProcessor(run.next(recordRun));
    const summarize = new sfn.Pass(this, 'Summarize', {
      parameters: { from: sfn.JsonPath.stringAt('$.from'), to: sfn.JsonPath.stringAt('$.to'), results: sfn.JsonPath.objectAt('$.results') },
    });

    const logGroup = stageLogGroup(this, 'Logs', props.logs);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: backfillStateMachineName(props.stage),
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(eachDate).next(summarize)),
      // Execution data stays out of the logs: results carry counts, never secrets, but keep logs lean.
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      timeout: Duration.hours(24),
      comment: `market-pulse ${props.stage}: re-run Run Colors over a date range`,
    });
    acknowledge(
      this.stateMachine.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions writes execution logs through CloudWatch Logs delivery and traces to X-Ray; ' +
        'logs:CreateLogDelivery/GetLogDelivery/… and xray:PutTraceSegments take no resource-level permissions.',
    );
    for (const [name, fn] of [
      ['planning', this.planFunction.function],
      ['run-colors', props.runColors],
    ] as const) {
      acknowledge(
        this.stateMachine.role,
        `AwsSolutions-IAM5[Resource::${nagArnToken(fn)}:*]`,
        `Added by the Step Functions Lambda task: lambda:InvokeFunction on the ${name} function ` +
          'and its qualified ARNs (versions/aliases) only.',
      );
    }
  }
}
