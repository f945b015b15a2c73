/**
 * Starting a backfill: find the stage's state machine, check the range locally (so a typo fails at
 * once, not inside Step Functions), and start one execution. Optionally wait and report each date.
 */
import { DescribeExecutionCommand, ListStateMachinesCommand, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { UsageError } from '../errors.js';
import { backfillStateMachineName } from '../names.js';
import { newRunId } from '../pipeline/run-id.js';
import { type BackfillRequest, planBackfillDates } from './plan-dates.js';

export interface StartedBackfill {
  readonly executionArn: string;
  readonly dates: readonly string[];
}

export async function findBackfillStateMachine(client: SFNClient, stage: string): Promise<string> {
  const name = backfillStateMachineName(stage);
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((machine) => machine.name === name);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new UsageError(`no state machine named ${name} in this account and region: deploy the stage's stack, or pass --state-machine-arn`);
}

export async function startBackfill(client: SFNClient, stateMachineArn: string, request: BackfillRequest): Promise<StartedBackfill> {
  const dates = planBackfillDates(request);
  const input: BackfillRequest = { from: request.from, to: request.to, ...(request.skipWeekends ? { skipWeekends: true } : {}) };
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn,
      name: `backfill-${request.from}-${request.to}-${newRunId()}`,
      input: JSON.stringify(input),
    }),
  );
  return { executionArn: started.executionArn!, dates };
}

export interface BackfillOutcome {
  readonly status: string;
  /** The state machine's result: one entry per date, a run summary or an error. */
  readonly results: readonly Record<string, unknown>[];
}

export async function waitForBackfill(
  client: SFNClient,
  executionArn: string,
  options: { readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): Promise<BackfillOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      const output = execution.output ? (JSON.parse(execution.output) as { results?: Record<string, unknown>[] }) : {};
      return { status: execution.status ?? 'UNKNOWN', results: output.results ?? [] };
    }
    await sleep(options.pollMs ?? 5_000);
  }
}
