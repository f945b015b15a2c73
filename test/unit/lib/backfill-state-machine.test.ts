/**
 * The backfill state machine as synthesized, executed locally (aws-local-stepfunctions): the
 * planning step is the real handler, run-colors a local stand-in that fails one date once with a
 * transient error and another for good. Template assertions cover what the local run cannot.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { handler as planBackfill } from '../../../lambdas/backfill/handler.js';
import { DatabaseError, TransientSourceError } from '../../../lambdas/errors.js';
import { synth } from './synth.js';

// aws-local-stepfunctions 3 targets Node 22; Node 20 lacks Promise.withResolvers (toolchain notes §6).
(Promise as unknown as { withResolvers?: unknown }).withResolvers ??= () => {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};
const { StateMachine } = await import('aws-local-stepfunctions');
type Definition = ConstructorParameters<typeof StateMachine>[0];
type LocalHandlers = NonNullable<
  NonNullable<NonNullable<Parameters<InstanceType<typeof StateMachine>['run']>[1]>['overrides']>['taskResourceLocalHandlers']
>;
/** Local task handlers typed loosely: the library wants JSON in and out, which these are. */
const handlers = (map: Record<string, (input: never) => unknown>) => map as unknown as LocalHandlers;

const s = synth();
const FAKE_ARN = 'arn:aws:lambda:eu-central-1:111111111111:function:stand-in';

/** The definition with CloudFormation tokens (function ARNs) replaced by a well-formed ARN. */
function definition(template = s.template): Record<string, unknown> {
  const machines = template.findResources('AWS::StepFunctions::StateMachine');
  const [machine] = Object.values(machines) as { Properties: { DefinitionString: { 'Fn::Join': [string, unknown[]] } } }[];
  const parts = machine!.Properties.DefinitionString['Fn::Join'][1];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : FAKE_ARN)).join(''));
}

describe('backfill state machine', () => {
  it('runs every date of a week, retries a transient failure, and reports a lasting one without stopping', async () => {
    const calls: string[] = [];
    const failedOnce = new Set<string>();
    const runColors = async (input: { asOf: string }) => {
      calls.push(input.asOf);
      if (input.asOf === '2026-11-18' && !failedOnce.has(input.asOf)) {
        failedOnce.add(input.asOf);
        throw new TransientSourceError('NJS-503: connection to host db.internal port 1521 could not be established');
      }
      if (input.asOf === '2026-11-19') throw new DatabaseError('ORA-00942: table or view does not exist');
      return {
        status: 'published',
        runId: `RUN-${input.asOf}`,
        asOf: input.asOf,
        counts: { read: 10, ranked: 9, excluded: 1, rejected: 0 },
      };
    };
    const machine = new StateMachine(definition() as unknown as Definition, { validationOptions: { checkArn: true } });
    const execution = machine.run(
      { from: '2026-11-16', to: '2026-11-22', skipWeekends: true },
      {
        overrides: {
          taskResourceLocalHandlers: handlers({ PlanDates: planBackfill, RunColors: runColors }),
          retryIntervalOverrides: { RunColors: 0 },
        },
      },
    );
    const output = (await execution.result) as { from: string; to: string; results: Record<string, unknown>[] };

    expect(output.from).toBe('2026-11-16');
    expect(output.results.map((r) => r.asOf)).toEqual(['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20']);
    expect(output.results[0]).toEqual({
      asOf: '2026-11-16',
      status: 'published',
      runId: 'RUN-2026-11-16',
      counts: { read: 10, ranked: 9, excluded: 1, rejected: 0 },
    });
    expect(output.results[2]).toMatchObject({ asOf: '2026-11-18', status: 'published', runId: 'RUN-2026-11-18' });
    expect(output.results[3]).toMatchObject({ asOf: '2026-11-19', error: { Error: 'DatabaseError' } });
    // The transient failure was retried once; the lasting one was not retried at all.
    expect(calls.filter((d) => d === '2026-11-18')).toHaveLength(2);
    expect(calls.filter((d) => d === '2026-11-19')).toHaveLength(1);
  });

  it('fails the execution at once on a malformed range, before any run', async () => {
    let runs = 0;
    const machine = new StateMachine(definition() as unknown as Definition, { validationOptions: { checkArn: true } });
    const execution = machine.run(
      { from: '2026-11-22', to: '2026-11-16' },
      { overrides: { taskResourceLocalHandlers: handlers({ PlanDates: planBackfill, RunColors: async () => ({ runs: ++runs }) }) } },
    );
    await expect(execution.result).rejects.toThrow(/from 2026-11-22 is after to 2026-11-16/);
    expect(runs).toBe(0);
  });

  it('is named for the stage, limits concurrency from context, retries transient errors with backoff, and logs', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'market-pulse-dev-backfill',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
    const states = definition().States as Record<
      string,
      {
        Type: string;
        MaxConcurrency?: number;
        ItemProcessor?: { States: Record<string, { Retry?: { ErrorEquals: string[]; MaxAttempts: number }[]; Catch?: unknown[] }> };
      }
    >;
    expect(states.ForEachDate).toMatchObject({ Type: 'Map', MaxConcurrency: 1 });
    const run = states.ForEachDate!.ItemProcessor!.States.RunColors!;
    expect(run.Retry![0]).toMatchObject({
      ErrorEquals: expect.arrayContaining(['TransientSourceError', 'CircuitOpenError']),
      MaxAttempts: 3,
    });
    expect(run.Retry![1]).toMatchObject({ ErrorEquals: ['Lambda.TooManyRequestsException'] });
    expect(run.Catch).toHaveLength(1);
    const four = definition(synth({ backfillMaxConcurrency: '4' }).template).States as Record<string, { MaxConcurrency?: number }>;
    expect(four.ForEachDate!.MaxConcurrency).toBe(4);
  });
});
