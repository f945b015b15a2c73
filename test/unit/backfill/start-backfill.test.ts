import { DescribeExecutionCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { findBackfillStateMachine, startBackfill, waitForBackfill } from '../../../lambdas/backfill/start-backfill.js';

const sfn = mockClient(SFNClient);
const client = new SFNClient({ region: 'eu-central-1' });
const ARN = 'arn:aws:states:eu-central-1:111111111111:stateMachine:market-pulse-dev-backfill';

beforeEach(() => sfn.reset());

describe('starting a backfill', () => {
  it('finds the stage state machine by name across pages', async () => {
    sfn
      .on(ListStateMachinesCommand, { nextToken: undefined })
      .resolves({
        stateMachines: [{ name: 'other', stateMachineArn: 'arn:x', type: 'STANDARD', creationDate: new Date() }],
        nextToken: 'p2',
      })
      .on(ListStateMachinesCommand, { nextToken: 'p2' })
      .resolves({
        stateMachines: [{ name: 'market-pulse-dev-backfill', stateMachineArn: ARN, type: 'STANDARD', creationDate: new Date() }],
      });
    expect(await findBackfillStateMachine(client, 'dev')).toBe(ARN);
  });

  it('says how to fix a missing state machine', async () => {
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [] });
    await expect(findBackfillStateMachine(client, 'prod')).rejects.toThrow(
      "no state machine named market-pulse-prod-backfill in this account and region: deploy the stage's stack, or pass --state-machine-arn",
    );
  });

  it('checks the range before starting, then starts one execution with the request as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:exec`, startDate: new Date() });
    await expect(startBackfill(client, ARN, { from: '2026-11-20', to: '2026-11-19' })).rejects.toThrow(/is after/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);

    const started = await startBackfill(client, ARN, { from: '2026-11-16', to: '2026-11-22', skipWeekends: true });
    expect(started.dates).toHaveLength(5);
    const input = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(input.stateMachineArn).toBe(ARN);
    expect(JSON.parse(input.input!)).toEqual({ from: '2026-11-16', to: '2026-11-22', skipWeekends: true });
    expect(input.name).toMatch(/^backfill-2026-11-16-2026-11-22-[0-9A-Z]{26}$/);
    expect(input.name!.length).toBeLessThanOrEqual(80);
  });

  it('waits for the execution and returns each date result', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING', executionArn: 'e', stateMachineArn: ARN, startDate: new Date() })
      .resolves({
        status: 'SUCCEEDED',
        executionArn: 'e',
        stateMachineArn: ARN,
        startDate: new Date(),
        output: JSON.stringify({ results: [{ asOf: '2026-11-20', status: 'published', runId: 'R1' }] }),
      });
    const sleeps: number[] = [];
    const outcome = await waitForBackfill(client, 'e', { pollMs: 10, sleep: async (ms) => void sleeps.push(ms) });
    expect(outcome).toEqual({ status: 'SUCCEEDED', results: [{ asOf: '2026-11-20', status: 'published', runId: 'R1' }] });
    expect(sleeps).toEqual([10]);
  });
});
