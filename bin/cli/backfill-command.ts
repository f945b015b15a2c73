/** `market-pulse backfill`: re-runs Run Colors over a date range through the stage's state machine. */
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { planBackfillDates } from '../../lambdas/backfill/plan-dates.js';
import { findBackfillStateMachine, startBackfill, waitForBackfill } from '../../lambdas/backfill/start-backfill.js';
import { BackfillFailedError, UsageError } from '../../lambdas/errors.js';
import { requireRegion } from './aws-region.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './io.js';
import { checkStage, rejectEmptyOptions } from './options.js';

export const BACKFILL_HELP = `Usage: market-pulse backfill --from YYYY-MM-DD --to YYYY-MM-DD --stage <stage>
                             [--skip-weekends] [--state-machine-arn <arn>] [--wait]

Starts the stage's backfill state machine (market-pulse-<stage>-backfill), which runs run-colors
for every as-of date in the range, a few at a time so the database is not flooded. Each date gets a
new run; published runs are never overwritten. Uses the standard AWS credential chain.

Options:
  --from, --to            the first and last as-of date, inclusive (at most 400 days)
  --stage <stage>         the deployed stage
  --skip-weekends         leave Saturdays and Sundays out
  --state-machine-arn     use this state machine instead of looking it up by name
  --wait                  wait for the execution and print each date's result
  -h, --help              show this help

The range is checked before anything is contacted.
Exit codes: ${EXIT.ok} started (with --wait: every date succeeded), ${EXIT.failed} the execution failed or AWS refused,
${EXIT.usage} usage (a bad or reversed range, no state machine for the stage, no AWS region set).`;

export async function backfillCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      stage: { type: 'string' },
      'skip-weekends': { type: 'boolean', default: false },
      'state-machine-arn': { type: 'string' },
      wait: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  rejectEmptyOptions(values);
  const missing = (['from', 'to', 'stage'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new UsageError(`backfill needs ${missing.map((name) => `--${name}`).join(', ')} (see market-pulse backfill --help)`);
  }
  checkStage(values.stage!);
  const request = { from: values.from!, to: values.to!, ...(values['skip-weekends'] ? { skipWeekends: true } : {}) };
  if (planBackfillDates(request).length === 0) {
    throw new UsageError(`no date to run: ${values.from} to ${values.to} holds only a weekend, and --skip-weekends leaves it out`);
  }

  const client = new SFNClient({});
  await requireRegion(client);
  const arn = values['state-machine-arn'] ?? (await findBackfillStateMachine(client, values.stage!));
  const { executionArn, dates } = await startBackfill(client, arn, request);
  io.out(`Backfill of ${dates.length} as-of date(s) from ${dates[0]} to ${dates.at(-1)} started`);
  io.out(`  execution: ${executionArn}`);
  if (!values.wait) {
    io.out(`  follow it: aws stepfunctions describe-execution --execution-arn ${executionArn}`);
    return;
  }
  const outcome = await waitForBackfill(client, executionArn);
  io.out(`  status: ${outcome.status}`);
  for (const result of outcome.results) {
    const done = result.error
      ? `failed: ${String((result.error as { Error?: string }).Error ?? 'error')}`
      : `${String(result.status)} ${String(result.runId)}`;
    io.out(`  ${String(result.asOf)}: ${done}`);
  }
  if (outcome.status !== 'SUCCEEDED') throw new BackfillFailedError(`backfill execution ended ${outcome.status}: see ${executionArn}`);
}
